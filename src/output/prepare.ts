/** Start-of-run checks and preparation of the output files (docs/architecture.md#output-files). */
import { constants } from 'node:fs';
import { access, mkdir, stat, truncate } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../core/errors.js';
import { outputPaths, type OutputPaths } from './paths.js';
import { backUpOutput } from './backup.js';
import { repairTail } from './repair.js';
import { buildResumeIndex, type DbResync } from './resume-index.js';

/** Options of {@link prepareOutput}. */
export interface PrepareOptions {
  /** Continue an existing output: repair it and index what is done. @default false */
  resume: boolean;
  /** Empty an existing output and start again. @default false */
  overwrite: boolean;
  /**
   * With `resume`: the fingerprint of the prompt about to be sent; lines written by another
   * prompt are not counted as done (`--redo-stale`). @default undefined (every line counts)
   */
  currentFingerprint?: string | undefined;
}

/** The output files, ready for the sinks, and what an existing output already holds. */
export interface PreparedOutput {
  paths: OutputPaths;
  /** How the output was taken: new or empty file, emptied, or continued. */
  mode: 'new' | 'overwrite' | 'resume';
  /** Where `--overwrite` kept the previous output (undefined when there was nothing to keep). */
  backupPath?: string | undefined;
  /** Ids that already have a bio (resume only; empty otherwise). */
  doneIds: Set<string>;
  /** Ids whose bio was written by another prompt and is to be regenerated (`--redo-stale`). */
  staleIds: Set<string>;
  /** Lines still owing a database write (`db_status` pending or error). */
  dbResync: DbResync;
  /** Bytes cut from a torn last line (0 when none). */
  repairedBytes: number;
  /** The first characters of the cut text, for the log. */
  repairedPreview: string | undefined;
  /** True when a complete last line only lacked its `\n`, which was added. */
  addedNewline: boolean;
  /** Non-blank lines read from the existing output. */
  linesRead: number;
  /** Successful lines repeating an id (should be 0). */
  duplicateLines: number;
  /** Line numbers of the first duplicate lines (at most 20). */
  duplicateLineNumbers: number[];
  /** Lines with a non-null `error` (from older versions); those artists are retried. */
  failedLines: number;
  /** Lines that are not output records (warned, not fatal). */
  invalidLines: number;
  /** Line numbers of the first invalid lines. */
  invalidLineNumbers: number[];
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new UsageError(`Cannot use output path ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

async function exists(path: string): Promise<boolean> {
  return (await statOrUndefined(path)) !== undefined;
}

async function isAccessible(path: string, mode: number): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * The directory must accept new files (a missing one is created, as `--output output/run.jsonl`
 * in the user's test plan expects); an existing file must be a writable regular file.
 */
async function checkWritable(path: string, what: string): Promise<Stats | undefined> {
  const directory = dirname(path);
  let dirStats = await statOrUndefined(directory);
  if (dirStats === undefined) {
    try {
      await mkdir(directory, { recursive: true });
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new UsageError(`Cannot write ${what} ${path}: cannot create directory ${directory} (${reason})`, {
        cause: error,
      });
    }
    dirStats = await statOrUndefined(directory);
  }
  if (dirStats === undefined || !dirStats.isDirectory())
    throw new UsageError(`Cannot write ${what} ${path}: ${directory} is not a directory`);
  if (!(await isAccessible(directory, constants.W_OK | constants.X_OK))) {
    throw new UsageError(`Cannot write ${what} ${path}: directory ${directory} is not writable`);
  }
  const fileStats = await statOrUndefined(path);
  if (fileStats === undefined) return undefined;
  if (fileStats.isDirectory()) throw new UsageError(`Cannot write ${what} ${path}: it is a directory`);
  if (!fileStats.isFile()) throw new UsageError(`Cannot write ${what} ${path}: it is not a regular file`);
  if (!(await isAccessible(path, constants.R_OK | constants.W_OK))) {
    throw new UsageError(`Cannot write ${what} ${path}: permission denied`);
  }
  return fileStats;
}

/**
 * Checks and prepares the output files before any work starts.
 * - The directory must be writable (a missing one is created), else {@link UsageError}.
 * - A non-empty output without `resume` or `overwrite` is refused ({@link UsageError}) and left untouched.
 * - `overwrite` keeps the old output aside (`<output>.bak`) and empties the output.
 * - `resume` repairs a torn last line, then streams the output to index the done ids.
 * - The errors file is emptied in every case: it holds the failures of the latest run only.
 * The state file is not touched here (its daily count must survive an overwrite).
 * @throws UsageError
 */
export async function prepareOutput(path: string, options: PrepareOptions): Promise<PreparedOutput> {
  if (options.resume && options.overwrite) {
    throw new UsageError('--resume and --overwrite cannot be used together: choose one');
  }
  const paths = outputPaths(path);
  const existing = await checkWritable(paths.output, 'output');
  const existingErrors = await checkWritable(paths.errors, 'errors file');
  const size = existing?.size ?? 0;
  if (size > 0 && !options.resume && !options.overwrite) {
    throw new UsageError(
      `Output file ${path} already has ${size} bytes; use --resume to continue it or --overwrite to start again`,
    );
  }
  const prepared: PreparedOutput = {
    paths,
    mode: options.resume ? 'resume' : size > 0 ? 'overwrite' : 'new',
    doneIds: new Set(),
    staleIds: new Set(),
    dbResync: { count: 0, ids: [], lines: [] },
    repairedBytes: 0,
    repairedPreview: undefined,
    addedNewline: false,
    linesRead: 0,
    duplicateLines: 0,
    duplicateLineNumbers: [],
    failedLines: 0,
    invalidLines: 0,
    invalidLineNumbers: [],
  };
  if (options.overwrite && size > 0) prepared.backupPath = await backUpOutput(paths.output, exists);
  if (existingErrors !== undefined && existingErrors.size > 0) await truncate(paths.errors, 0);
  if (!options.resume || size === 0) return prepared;

  const repair = await repairTail(paths.output);
  const index = await buildResumeIndex(paths.output, { currentFingerprint: options.currentFingerprint });
  return {
    ...prepared,
    ...index,
    repairedBytes: repair.removedBytes,
    repairedPreview: repair.removedPreview,
    addedNewline: repair.addedNewline,
  };
}
