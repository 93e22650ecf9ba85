/**
 * Opening and streaming an input file: checked for UTF-8, tokenized into a sink. Internal to the
 * input layer: the classifier gives rows their meaning.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { InputError } from '../core/errors.js';
import { CsvScanner, type RecordSink, type StartPoint } from './csv-tokenizer.js';
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

/**
 * What identifies one version of a file: if any of these differs, the bytes may differ too.
 * ctime catches a rewrite whose size and mtime were put back (as `cp -p` or `touch -r` do).
 */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

/** True when both describe the same version of the same file. */
export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino && a.dev === b.dev;
}

function identityOf(stats: FileIdentity): FileIdentity {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino, dev: stats.dev };
}

/** An input file opened for reading, with the identity it had when it was opened. */
export interface OpenCsv {
  path: string;
  handle: FileHandle;
  identity: FileIdentity;
}

/**
 * Opens an input file.
 * @throws InputError when the file is missing, unreadable, a directory or not a regular file.
 */
export async function openCsv(path: string): Promise<OpenCsv> {
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
  return { path, handle, identity: identityOf(stats) };
}

/** The identity of the file now at `path`, or undefined when it cannot be read. */
export async function currentIdentity(path: string): Promise<FileIdentity | undefined> {
  try {
    return identityOf(await stat(path));
  } catch {
    return undefined;
  }
}

/**
 * Yields the bytes of an opened CSV file in chunks, each validated as UTF-8, and closes the file
 * when done or abandoned. Every chunk is a view of the same buffer, refilled by the next read:
 * use it before asking for the next one. (A fresh buffer per read would leave a trail of garbage
 * outside the JS heap, which the collector frees late when the reader allocates little else.)
 * @param from where to start reading: a record boundary (see {@link CsvScanner}). @default the start
 * @throws InputError when the file cannot be read or is not valid UTF-8.
 */
export async function* readCsvChunks(
  file: OpenCsv,
  from: StartPoint = { offset: 0, line: 1 },
): AsyncGenerator<Buffer, void, undefined> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const utf8 = new Utf8Check(file.path, from);
  let position = from.offset;
  try {
    for (;;) {
      const { bytesRead } = await file.handle.read(buffer, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const chunk = buffer.subarray(0, bytesRead);
      utf8.check(chunk);
      yield chunk;
    }
    utf8.finish();
  } catch (error) {
    if (error instanceof InputError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`Cannot read input file ${file.path}: ${reason}`, { cause: error });
  } finally {
    // Also runs when the consumer stops early.
    await file.handle.close();
  }
}

/**
 * Tokenizes an opened CSV file into `sink`, chunk by chunk. The generator yields after each chunk
 * so that a reader can hand on what the sink collected (one await per chunk, not per row).
 * @throws InputError like {@link readCsvChunks}, or whatever the sink throws.
 */
export async function* scanCsv(
  file: OpenCsv,
  sink: RecordSink,
  from?: StartPoint,
  maxRecordBytes: number = MAX_RECORD_BYTES,
): AsyncGenerator<void, void, undefined> {
  const scanner = new CsvScanner(maxRecordBytes, from);
  for await (const chunk of readCsvChunks(file, from)) {
    scanner.push(chunk, sink);
    yield;
  }
  scanner.end(sink);
  yield;
}
