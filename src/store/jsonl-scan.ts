/**
 * First pass over an output JSONL: classifies every line and finds, for each artist id, the
 * line that wins (the last valid one). Shared by `db sync` and `db export-sql`.
 */
import { stat } from 'node:fs/promises';
import { InputError } from '../core/errors.js';
import { readJsonlLines } from './jsonl-lines.js';
import { judgeLine } from './jsonl-records.js';
import type { StoreTarget } from './types.js';

/** A line that will not be written, and why. */
export interface SyncIssue {
  /** 1-based line number in the JSONL. */
  line: number;
  kind: 'invalid' | 'empty-bio' | 'duplicate' | 'db-error';
  artistId: string | undefined;
  message: string;
}

/** Counts of the first pass. */
export interface ScanCounts {
  /** Physical lines, blank ones included. */
  lines: number;
  /** Blank lines (ignored). */
  blank: number;
  /** Valid records, duplicates included. */
  records: number;
  /** Unparseable lines, lines without artist_id or response_text, error lines, non-UUID ids in catalog mode. */
  invalid: number;
  /** Lines whose bio is empty or whitespace. */
  emptyBios: number;
  /** Valid lines superseded by a later line for the same artist id. */
  duplicates: number;
}

/** Result of {@link scanJsonl}. */
export interface ScanResult {
  counts: ScanCounts;
  /** Artist id → number of the line that wins. */
  winners: Map<string, number>;
}

/** Fails with an InputError unless `path` is a readable regular file. */
export async function assertReadableFile(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InputError(`${path} is not a regular file`);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new InputError(`Cannot read ${path}: ${reason}`, { cause: error });
  }
}

/** Reads the whole file once, reporting each rejected or superseded line through `onIssue`. */
export async function scanJsonl(
  path: string,
  target: StoreTarget,
  onIssue: (issue: SyncIssue) => void,
  idCheck?: (id: string) => string | undefined,
): Promise<ScanResult> {
  await assertReadableFile(path);
  const counts: ScanCounts = { lines: 0, blank: 0, records: 0, invalid: 0, emptyBios: 0, duplicates: 0 };
  const winners = new Map<string, number>();
  try {
    for await (const { lineNumber, lineText } of readJsonlLines(path)) {
      counts.lines += 1;
      const verdict = judgeLine(lineText, target, idCheck);
      switch (verdict.kind) {
        case 'blank':
          counts.blank += 1;
          break;
        case 'invalid':
          counts.invalid += 1;
          onIssue({ line: lineNumber, kind: 'invalid', artistId: verdict.artistId, message: verdict.reason });
          break;
        case 'empty-bio':
          counts.emptyBios += 1;
          onIssue({ line: lineNumber, kind: 'empty-bio', artistId: verdict.artistId, message: 'bio is empty' });
          break;
        case 'record': {
          counts.records += 1;
          const id = verdict.record.artist_id;
          const earlier = winners.get(id);
          if (earlier !== undefined) {
            counts.duplicates += 1;
            onIssue({
              line: earlier,
              kind: 'duplicate',
              artistId: id,
              message: `artist_id ${JSON.stringify(id)} appears again on line ${lineNumber}; the later line wins`,
            });
          }
          winners.set(id, lineNumber);
          break;
        }
      }
    }
  } catch (error) {
    throw new InputError(`Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { counts, winners };
}
