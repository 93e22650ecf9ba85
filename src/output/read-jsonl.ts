/** Streaming JSONL reader shared by `validate`, `db sync` and the resume scan. */
import { stat } from 'node:fs/promises';
import { InputError } from '../core/errors.js';
import { readLineBatches } from './line-reader.js';

/** Fields common to every entry. */
interface EntryBase {
  /** 1-based line number. */
  line: number;
  /** File offset of the line's first byte. */
  offset: number;
  /** The line's text without its `\n`. */
  text: string;
  /** False for a last line that ends the file without `\n` (a torn write, unless repaired). */
  terminated: boolean;
}

/** A line that parsed as JSON (any JSON value; callers check the shape). */
export interface JsonlValue extends EntryBase {
  value: unknown;
}

/** A line that is not valid JSON. */
export interface JsonlInvalid extends EntryBase {
  /** The parser's message. */
  error: string;
}

/** What {@link readJsonl} yields. Blank lines are skipped (they still count in line numbers). */
export type JsonlEntry = JsonlValue | JsonlInvalid;

/**
 * Streams a JSONL file line by line, parsing each line on its own; an invalid line is reported
 * as an entry with `error`, never thrown.
 * @throws InputError when the file is missing, a directory or unreadable.
 */
export async function* readJsonl(path: string): AsyncGenerator<JsonlEntry, void, undefined> {
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw new InputError(`Cannot read ${path}: it is not a regular file`);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error);
    throw new InputError(`Cannot read ${path}: ${why}`, { cause: error });
  }
  try {
    yield* parseLines(path);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

async function* parseLines(path: string): AsyncGenerator<JsonlEntry, void, undefined> {
  for await (const batch of readLineBatches(path)) {
    const { buf, starts, ends } = batch;
    const entries: JsonlEntry[] = [];
    for (let i = 0; i < starts.length; i++) {
      const start = starts[i] ?? 0;
      const text = buf.toString('utf8', start, ends[i]);
      if (text.trim() === '') continue;
      const base = {
        line: batch.firstLine + i,
        offset: batch.offset + start,
        text,
        terminated: batch.lastTerminated || i < starts.length - 1,
      };
      try {
        entries.push({ ...base, value: JSON.parse(text) as unknown });
      } catch (error) {
        entries.push({ ...base, error: error instanceof Error ? error.message : String(error) });
      }
    }
    // Decoded before yielding: the batch buffer is reused by the next read.
    yield* entries;
  }
}
