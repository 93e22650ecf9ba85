/**
 * Re-sync for `run --resume`: writes the JSONL lines whose `db_status` says the database does
 * not have them yet, and reports each outcome with the line's position so the caller can patch
 * the status in place (the output layer owns the file).
 */
import type { DbStatus, OutputRecord } from '../core/types.js';
import { readJsonlLines } from './jsonl-lines.js';
import { dbStatusOf, judgeLine } from './jsonl-records.js';
import { assertReadableFile } from './jsonl-scan.js';
import type { BioStore, StoreLog } from './types.js';

/** The new database status of one JSONL line. */
export interface ResyncResult {
  /** Byte offset of the line's first byte. */
  lineStart: number;
  /** The line as it is in the file, without its `\n`. */
  lineText: string;
  artistId: string;
  /** Outcome of the write; `error` also for lines that can never be written (e.g. empty bio). */
  status: DbStatus;
}

/** Options of {@link resyncFromJsonl}. */
export interface ResyncOptions {
  /** Lines with one of these `db_status` values are written. @default ['pending', 'error'] */
  statuses?: readonly DbStatus[];
  /** Records per transaction. @default 500 */
  batchSize?: number;
  /**
   * Told the outcome of each matching line, in file order; awaited. The status is passed twice
   * (inside `result` and as the second argument) for callers that patch by position and status.
   */
  onResult?: (result: ResyncResult, status: DbStatus) => void | Promise<void>;
  /** Diagnostics sink. @default discards messages */
  log?: StoreLog;
}

/** Counts of {@link resyncFromJsonl}. */
export interface ResyncSummary {
  /** Lines whose status matched. */
  matched: number;
  inserted: number;
  updated: number;
  skipped: number;
  /** Lines still not in the database. */
  errors: number;
}

interface Pending {
  lineStart: number;
  lineText: string;
  artistId: string;
  record: OutputRecord | undefined;
}

/**
 * Streams `path` and writes each line whose `db_status` is in `statuses`, in batches.
 *
 * @throws InputError when the file cannot be read.
 */
export async function resyncFromJsonl(
  path: string,
  store: BioStore,
  options: ResyncOptions = {},
): Promise<ResyncSummary> {
  const wanted = new Set<DbStatus>(options.statuses ?? ['pending', 'error']);
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 500));
  const log: StoreLog = options.log ?? (() => undefined);
  const summary: ResyncSummary = { matched: 0, inserted: 0, updated: 0, skipped: 0, errors: 0 };
  await assertReadableFile(path);

  let batch: Pending[] = [];
  const flush = async (): Promise<void> => {
    const current = batch;
    batch = [];
    const records = current.map((p) => p.record).filter((r): r is OutputRecord => r !== undefined);
    const statuses = await store.write(records);
    let next = 0;
    for (const item of current) {
      const status: DbStatus = item.record === undefined ? 'error' : (statuses[next++] ?? 'error');
      if (status === 'inserted') summary.inserted += 1;
      else if (status === 'updated') summary.updated += 1;
      else if (status === 'skipped') summary.skipped += 1;
      else summary.errors += 1;
      await options.onResult?.(
        { lineStart: item.lineStart, lineText: item.lineText, artistId: item.artistId, status },
        status,
      );
    }
  };

  // Read errors after the check above (file removed mid-way) surface as they are.
  for await (const { lineNumber, lineStart, lineText } of readJsonlLines(path)) {
    if (lineText.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(lineText);
    } catch {
      continue; // a torn or foreign line; the output layer reports those
    }
    if (typeof parsed !== 'object' || parsed === null || !('db_status' in parsed)) continue;
    const status = dbStatusOf(parsed);
    if (status === null || !wanted.has(status)) continue;
    const verdict = judgeLine(lineText, store.target, (id) => store.idProblem?.(id));
    if (verdict.kind === 'record') {
      batch.push({ lineStart, lineText, artistId: verdict.record.artist_id, record: verdict.record });
    } else {
      // Without an id there is nothing to report the status against.
      const artistId = verdict.kind === 'blank' ? undefined : verdict.artistId;
      if (artistId === undefined) continue;
      const reason = verdict.kind === 'invalid' ? verdict.reason : 'bio is empty';
      log('warn', `Line ${lineNumber}: artist ${artistId} cannot be written to the database: ${reason}`);
      batch.push({ lineStart, lineText, artistId, record: undefined });
    }
    summary.matched += 1;
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  return summary;
}
