/**
 * `validate --repair` (docs/hostile-servers.md#garbage-and-duplicate-lines-in-an-output): rewrites
 * an output so that it holds exactly one valid line per artist, the first success of each, in the
 * original order. Nothing is thrown away: every other line goes, with its line number and the
 * reason, to `<stem>.rejected.jsonl`, and the original file is kept as `<output>.bak`.
 */
import { constants } from 'node:fs';
import { appendFile, copyFile, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { InputError, UsageError } from '../core/errors.js';
import { freeBackupPath, readLineBatches, realOutputPath } from '../output/index.js';
import { checkRecord } from './validate.js';

/** Why a line was moved out of the output. */
export type RejectReason = 'invalid_json' | 'not_object' | 'missing_field' | 'error_set' | 'duplicate';

/** What {@link repairOutput} did. */
export interface RepairResult {
  /** The file that was checked (symlinks followed): the one rewritten. */
  outputPath: string;
  /** False when the file already held one valid line per artist and was left untouched. */
  changed: boolean;
  /** Lines kept (one per artist). */
  kept: number;
  /** Lines moved to {@link RepairResult.rejectedPath}. */
  rejected: number;
  /** Rejected lines by reason. */
  rejectedCounts: Partial<Record<RejectReason, number>>;
  /** Blank lines dropped. */
  blankLines: number;
  /** `<stem>.rejected.jsonl` beside the output (appended to, never replaced). */
  rejectedPath: string;
  /** Where the original was kept; undefined when nothing changed. */
  backupPath: string | undefined;
}

/** Buffered writes of whole lines to an open file. */
class LineWriter {
  #chunks: Buffer[] = [];
  #pending = 0;
  bytes = 0;
  constructor(private readonly handle: FileHandle) {}
  async write(bytes: Buffer): Promise<void> {
    this.#chunks.push(bytes);
    this.#pending += bytes.length;
    this.bytes += bytes.length;
    if (this.#pending >= 1024 * 1024) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.#pending === 0) return;
    await this.handle.write(Buffer.concat(this.#chunks, this.#pending));
    this.#chunks = [];
    this.#pending = 0;
  }
}

function rejectedPathOf(output: string): string {
  const name = basename(output);
  const extension = extname(name);
  const stem = extension === '' ? name : name.slice(0, -extension.length);
  return join(dirname(output), `${stem}.rejected.jsonl`);
}

/** One line of the rejected file: the original text exactly (base64 too when it is not UTF-8). */
function rejectedLine(line: number, reason: RejectReason, message: string, raw: Buffer): string {
  const text = raw.toString('utf8');
  const entry: Record<string, unknown> = { line, reason, message, text };
  if (!Buffer.from(text, 'utf8').equals(raw)) entry['base64'] = raw.toString('base64');
  return `${JSON.stringify(entry)}\n`;
}

/** Sorts one line: kept, rejected (with why) or blank. */
function classify(
  raw: Buffer,
  line: number,
  keptIds: Map<string, number>,
): { keep: true } | { keep: false; reason: RejectReason; message: string } | 'blank' {
  const text = raw.toString('utf8');
  if (text.trim() === '') return 'blank';
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    return { keep: false, reason: 'invalid_json', message: `not valid JSON: ${(error as Error).message}` };
  }
  // Short bios are paid results: they are kept, and `validate --min-length` still reports them.
  const checked = checkRecord(record, line, 0);
  const first = checked.issues[0];
  if (first !== undefined) {
    const reason: RejectReason =
      first.kind === 'not_object' || first.kind === 'error_set' ? first.kind : 'missing_field';
    return { keep: false, reason, message: first.message };
  }
  if (checked.id === null) return { keep: false, reason: 'missing_field', message: 'no artist_id' };
  const seen = keptIds.get(checked.id);
  if (seen !== undefined)
    return {
      keep: false,
      reason: 'duplicate',
      message: `artist_id ${JSON.stringify(checked.id)} already on line ${seen}`,
    };
  keptIds.set(checked.id, line);
  return { keep: true };
}

/**
 * Rewrites `path` with one valid line per artist. The new content is written to a temporary file
 * beside the output and synced; the original is copied to `<output>.bak` (`.bak.1`, … when a
 * backup exists); only then does the new file replace the output by rename. A crash at any point
 * leaves either the original or the repaired file in place. The caller holds the output lock.
 * @throws InputError when the output cannot be read
 * @throws UsageError when a repaired file, the rejected file or the backup cannot be written
 */
export async function repairOutput(path: string): Promise<RepairResult> {
  const real = realOutputPath(path);
  let size: number;
  try {
    const info = await stat(real);
    if (!info.isFile()) throw new InputError(`Cannot repair ${path}: it is not a regular file`);
    size = info.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as { code?: unknown }).code;
    throw new InputError(`Cannot repair ${path}: ${code === 'ENOENT' ? 'no such file' : String(error)}`, {
      cause: error,
    });
  }
  const rejectedPath = rejectedPathOf(real);
  const temp = `${real}.repair-${String(process.pid)}.tmp`;
  const result: RepairResult = {
    outputPath: real,
    changed: false,
    kept: 0,
    rejected: 0,
    rejectedCounts: {},
    blankLines: 0,
    rejectedPath,
    backupPath: undefined,
  };
  const rejectedLines: string[] = [];
  const keptIds = new Map<string, number>();
  const handle = await open(temp, 'w').catch((error: unknown) => {
    throw new UsageError(`Cannot repair ${path}: cannot create ${temp}: ${String(error)}`, { cause: error });
  });
  let written = 0;
  try {
    const writer = new LineWriter(handle);
    for await (const batch of readLineBatches(real)) {
      for (let i = 0; i < batch.starts.length; i++) {
        const line = batch.firstLine + i;
        const raw = batch.buf.subarray(batch.starts[i] ?? 0, batch.ends[i]);
        const verdict = classify(raw, line, keptIds);
        if (verdict === 'blank') result.blankLines++;
        else if (verdict.keep) {
          result.kept++;
          // A copy: the batch buffer is reused by the next read.
          await writer.write(Buffer.concat([raw, Buffer.from('\n')]));
        } else {
          result.rejected++;
          result.rejectedCounts[verdict.reason] = (result.rejectedCounts[verdict.reason] ?? 0) + 1;
          rejectedLines.push(rejectedLine(line, verdict.reason, verdict.message, raw));
        }
      }
    }
    await writer.flush();
    await handle.sync();
    written = writer.bytes;
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    if (error instanceof InputError || error instanceof UsageError) throw error;
    throw new UsageError(`Cannot repair ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  await handle.close();
  // Kept lines are copied unchanged and in order, so an equal size means nothing was removed.
  if (written === size) {
    await rm(temp, { force: true });
    return result;
  }
  try {
    if (rejectedLines.length > 0) await appendFile(rejectedPath, rejectedLines.join(''));
    const backup = await freeBackupPath(real, exists);
    await copyFile(real, backup, constants.COPYFILE_EXCL);
    await rename(temp, real);
    result.backupPath = backup;
    result.changed = true;
  } catch (error) {
    await rm(temp, { force: true });
    throw new UsageError(
      `Cannot repair ${path}: ${error instanceof Error ? error.message : String(error)} (the output was left as it was)`,
      { cause: error },
    );
  }
  return result;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

const REASON_WORDS: Record<RejectReason, string> = {
  invalid_json: 'not valid JSON',
  not_object: 'not a JSON object',
  missing_field: 'missing or mistyped fields',
  error_set: 'a failure record (error set)',
  duplicate: 'duplicate artist lines',
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The human summary of a repair, one line, ending with `\n`. */
export function formatRepair(result: RepairResult): string {
  if (!result.changed)
    return `Nothing to repair in ${result.outputPath}: it already holds one valid line per artist (${plural(result.kept, 'line')})\n`;
  const parts = [`kept ${plural(result.kept, 'line')} (one per artist)`];
  if (result.rejected > 0) {
    const why = Object.entries(result.rejectedCounts)
      .map(([reason, n]) => `${n} ${REASON_WORDS[reason as RejectReason]}`)
      .join(', ');
    parts.push(`moved ${plural(result.rejected, 'line')} to ${result.rejectedPath} (${why})`);
  }
  if (result.blankLines > 0) parts.push(`dropped ${plural(result.blankLines, 'blank line')}`);
  return `Repaired ${result.outputPath}: ${parts.join('; ')}; the original is kept as ${result.backupPath ?? '?'}\n`;
}
