/** `db sync`: writes the bios of an output JSONL to a database in batched transactions. */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { InputError } from '../core/errors.js';
import type { DbStatus, OutputRecord } from '../core/types.js';
import { readJsonlLines } from './jsonl-lines.js';
import { judgeLine } from './jsonl-records.js';
import { scanJsonl, type ScanCounts, type SyncIssue } from './jsonl-scan.js';
import type { BioStore } from './types.js';

/** Options of {@link syncJsonlToDb}. */
export interface SyncOptions {
  /** Records per transaction. @default 1000 */
  batchSize?: number;
  /** Told about every line that is not written or failed to write. */
  onIssue?: (issue: SyncIssue) => void;
  /** Time source for the duration. @default systemClock */
  clock?: Clock;
}

/** Outcome of {@link syncJsonlToDb}. */
export interface SyncReport extends ScanCounts {
  /** Non-blank lines read. */
  read: number;
  /** Records the database accepted and changed (`inserted` + `updated`). */
  written: number;
  /** New rows (store mode). */
  inserted: number;
  /** Existing rows replaced (store) or updated (catalog). */
  updated: number;
  /** Catalog ids with no row (catalog mode). */
  skipped: number;
  /** Records the database write failed for, after retries. */
  errors: number;
  /** Wall time of the whole sync. */
  durationMs: number;
}

/**
 * Streams `path` twice: once to validate and find the winning line per artist (the last one),
 * then to write those records in batches of `batchSize`, one transaction each, with the next
 * batch read while the previous one is written. Never loads the file whole.
 *
 * @throws InputError when the file cannot be read.
 */
export async function syncJsonlToDb(path: string, store: BioStore, options: SyncOptions = {}): Promise<SyncReport> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 1000));
  const onIssue = options.onIssue ?? (() => undefined);
  const { counts, winners } = await scanJsonl(path, store.target, onIssue, (id) => store.idProblem?.(id));
  const report: SyncReport = {
    ...counts,
    read: counts.lines - counts.blank,
    written: 0,
    inserted: 0,
    updated: 0,
    skipped: 0,
    errors: 0,
    durationMs: 0,
  };

  const tally = (batch: { record: OutputRecord; line: number }[], statuses: DbStatus[]): void => {
    for (const [i, { record, line }] of batch.entries()) {
      const status = statuses[i] ?? 'error';
      if (status === 'inserted') report.inserted += 1;
      else if (status === 'updated') report.updated += 1;
      else if (status === 'skipped') report.skipped += 1;
      else {
        report.errors += 1;
        onIssue({ line, kind: 'db-error', artistId: record.artist_id, message: 'database write failed' });
      }
    }
  };

  let inFlight: Promise<void> = Promise.resolve();
  let batch: { record: OutputRecord; line: number }[] = [];
  const send = async (): Promise<void> => {
    const current = batch;
    batch = [];
    await inFlight;
    inFlight = store.write(current.map((b) => b.record)).then((statuses) => tally(current, statuses));
  };

  try {
    for await (const { lineNumber, lineText } of readJsonlLines(path)) {
      const verdict = judgeLine(lineText, store.target, (id) => store.idProblem?.(id));
      if (verdict.kind !== 'record' || winners.get(verdict.record.artist_id) !== lineNumber) continue;
      batch.push({ record: verdict.record, line: lineNumber });
      if (batch.length >= batchSize) await send();
    }
  } catch (error) {
    await inFlight;
    throw new InputError(`Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  if (batch.length > 0) await send();
  await inFlight;
  report.written = report.inserted + report.updated;
  report.durationMs = clock.now() - started;
  return report;
}
