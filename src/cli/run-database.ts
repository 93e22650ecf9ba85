import { basename, dirname, extname, join } from 'node:path';
import type { RunConfig } from '../config/index.js';
import { ConfigError } from '../core/errors.js';
import type { RunEmitter } from '../core/events.js';
import type { DbStatus, OutputRecord } from '../core/types.js';
import type { JsonlSink, LineHandle } from '../output/index.js';
import { createDbWriter, openBioStore, resyncFromJsonl } from '../store/index.js';

/** The run's link to its database: bios go to the JSONL first, then here. */
export interface DatabaseLink {
  enqueue(record: OutputRecord, handle: LineHandle): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The embedded database file used when --enable-db has no URL: next to the output. */
export function sqlitePathFor(output: string): string {
  return join(dirname(output), `${basename(output, extname(output))}.sqlite`);
}

/**
 * Opens the database (exit 3 when unreachable, or when one of `firstIds` does not fit a catalog
 * table's id column), re-syncs lines a previous run could not write,
 * and returns a batching writer that patches each line's `db_status` once its batch commits.
 */
export async function openDatabase(
  config: RunConfig,
  paths: { output: string },
  jsonl: JsonlSink,
  events: RunEmitter,
  firstIds: readonly string[] = [],
): Promise<DatabaseLink> {
  const store = await openBioStore(
    {
      ...(config.dbUrl !== undefined ? { url: config.dbUrl } : { sqlitePath: sqlitePathFor(paths.output) }),
      target: config.dbTarget,
      testMode: config.testMode,
      poolSize: Math.min(Math.max(2, config.maxWorkers === 'auto' ? 20 : config.maxWorkers), 20),
    },
    { log: (level, message) => events.log(level, message) },
  );
  events.log('info', `Database enabled: ${store.describe()}`);
  // Catalog ids must fit the table's id column: a mismatch stops here, before any request.
  for (const id of firstIds) {
    const problem = store.idProblem?.(id);
    if (problem === undefined) continue;
    await store.close();
    throw new ConfigError(
      `Catalog mode cannot write artist ${JSON.stringify(id)}: ${problem}. Nothing was sent. ` +
        'Check --input and the catalog table (--test-mode uses test_artists), or use --db-target store.',
    );
  }
  // A failed patch leaves "pending" in the line, which the next --resume re-syncs: never fatal.
  const patch = (handle: LineHandle, status: DbStatus): void => {
    try {
      jsonl.patchDbStatus(handle, status);
    } catch (error) {
      events.log('warn', `Could not record db_status "${status}" in the output: ${(error as Error).message}`);
    }
  };
  if (config.resume) {
    let resynced = 0;
    await resyncFromJsonl(paths.output, store, {
      statuses: ['pending', 'error'],
      onResult: (line, status) => {
        const handle = jsonl.handleAt(line.lineStart, line.lineText);
        if (handle) patch(handle, status);
        resynced++;
      },
    });
    if (resynced > 0)
      events.log('info', `Re-synced ${resynced} bio(s) that an earlier run could not write to the database`);
  }
  const handles = new WeakMap<OutputRecord, LineHandle>();
  let stopped = false;
  const writer = createDbWriter(store, {
    onResult: (record, status) => {
      const handle = handles.get(record);
      if (handle) patch(handle, status);
      if (status === 'error')
        events.log(
          'warn',
          `Database write failed for artist ${record.artist_id}; the bio is safe in the JSONL (db_status "error")`,
        );
    },
  });
  return {
    enqueue(record, handle) {
      // A full database disk stops the run (exit 2): this record's line is already in the JSONL
      // with db_status "pending", so --resume writes it once there is space.
      if (store.stopError !== undefined) {
        stopped = true;
        throw store.stopError;
      }
      handles.set(record, handle);
      writer.enqueue(record);
    },
    flush: () => writer.flush(),
    async close() {
      await writer.close();
      await store.close();
      // Found only by the last batch: the run's result stands, the disposal stack warns.
      if (store.stopError !== undefined && !stopped) throw store.stopError;
    },
  };
}
