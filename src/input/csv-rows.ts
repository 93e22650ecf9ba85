/**
 * Streams a CSV file into raw tokens tagged with the physical line where each one starts.
 * Internal to the input layer: {@link readArtists} gives rows their meaning.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../core/errors.js';
import { CsvTokenizer, type CsvToken } from './csv-tokenizer.js';
import { Utf8Check } from './utf8-check.js';

/**
 * A record larger than this (in bytes) is reported as a bad row and skipped; it is almost always
 * a quote left open. 200 KB data fields pass easily.
 * @default 16 MiB
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

const CHUNK_BYTES = 256 * 1024;

function describeOpenError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return error instanceof Error ? error.message : String(error);
}

async function openInput(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new InputError(`Cannot read input file ${path}: ${describeOpenError(error)}`, { cause: error });
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    const what = stats.isDirectory() ? 'it is a directory' : 'it is not a regular file';
    throw new InputError(`Cannot read input file ${path}: ${what}`);
  }
  return handle;
}

/**
 * Yields the tokens of a CSV file in order, in batches (one per chunk read, to save an await per
 * row): rows, comment lines and bad records, each with the physical line where it starts
 * (1-based; CRLF, LF and a lone CR each end one line).
 * @param maxRecordBytes records larger than this come out as `bad` / `too_large`.
 * @throws InputError when the file cannot be opened, is a directory, or is not valid UTF-8.
 */
export async function* readCsvTokens(
  path: string,
  maxRecordBytes: number = MAX_RECORD_BYTES,
): AsyncGenerator<CsvToken[], void, undefined> {
  const handle = await openInput(path);
  const stream = handle.createReadStream({ highWaterMark: CHUNK_BYTES });
  const utf8 = new Utf8Check(path);
  const tokenizer = new CsvTokenizer(maxRecordBytes);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      utf8.check(chunk);
      const tokens = tokenizer.push(chunk);
      if (tokens.length > 0) yield tokens;
    }
    utf8.finish();
    yield tokenizer.end();
  } catch (error) {
    if (error instanceof InputError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`Cannot read input file ${path}: ${reason}`, { cause: error });
  } finally {
    // Also runs when the consumer stops early; closes the file handle.
    stream.destroy();
  }
}
