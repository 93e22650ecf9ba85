/**
 * The batch job's state file, `<output>.batches.json`: every part (a set of artists sent as one
 * batch), its input file id and every batch id, written atomically before the run moves on, so
 * an interrupted run re-attaches on `--resume` and never submits an artist twice. See docs/batch.md.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';

/** Where a part stands. */
export type PartStatus = 'planned' | 'submitted' | 'done';

/** One part of the job: the artists of one batch. */
export interface BatchPart {
  /** Local name, `part-0001`. */
  name: string;
  /** Artist ids (= `custom_id`s) of the part. */
  customIds: string[];
  /** Which try this is for its artists (1 = first submission). */
  attempt: number;
  /** Estimated input tokens, counted against `--batch-queue-tokens`. */
  estimatedTokens: number;
  /** Uploaded input file, once uploaded. */
  inputFileId: string | null;
  /** The batch currently working on the part, once created. */
  batchId: string | null;
  /** Every batch ever created for the part (refused ones included). */
  batchIds: string[];
  status: PartStatus;
  /** Times the batch queue refused the part with `token_limit_exceeded`. */
  refusals: number;
  /** Of those, refusals while no other batch of the job was queued. */
  aloneRefusals?: number;
  /** Dollars reserved for the part's worst case at batch prices, until its batch is collected. */
  reservedUsd?: number;
  /** UTC day of the key ledger the reservation was made on. */
  reservedDay?: string;
  /** Final batch status, once done (`completed`, `expired`, …). */
  endStatus: string | null;
  /** Artists of the part that came back as successes / final failures / were resubmitted. */
  succeeded: number;
  failed: number;
  resubmitted: number;
}

/** The whole state file. */
export interface BatchJobState {
  version: 1;
  /** `/v1/responses` or `/v1/chat/completions`. */
  endpoint: string;
  parts: BatchPart[];
}

/** A fresh state for `endpoint`. */
export function emptyJobState(endpoint: string): BatchJobState {
  return { version: 1, endpoint, parts: [] };
}

/**
 * Reads the state file; undefined when there is none. A damaged file is refused (exit 3) rather
 * than ignored, since ignoring it could submit running work a second time.
 */
export function loadJobState(path: string): BatchJobState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`Cannot read the batch job state ${path}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `The batch job state ${path} is damaged (not JSON). It lists the batches already submitted; ` +
        'check them with `artist-bio-gen batch status`, then delete the file only if none is running.',
      { cause: error },
    );
  }
  if (!isJobState(parsed)) {
    throw new ConfigError(`The batch job state ${path} is not an artist-bio-gen batch state (version 1).`);
  }
  return parsed;
}

function isJobState(value: unknown): value is BatchJobState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.version === 1 && typeof v.endpoint === 'string' && Array.isArray(v.parts);
}

/** Writes the state atomically: a synced temporary file renamed over the old one. */
export function saveJobState(path: string, state: BatchJobState): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 1)}\n`);
  const fd = openSync(temporary, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/** Path of the state file next to an output. */
export function jobStatePath(output: string): string {
  return `${output}.batches.json`;
}
