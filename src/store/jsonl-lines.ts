/** Streams a JSONL file line by line with each line's byte offset, without loading it whole. */
import { readLineBatches } from '../output/index.js';

/** One physical line. */
export interface JsonlLine {
  /** 1-based line number. */
  lineNumber: number;
  /** Byte offset of the line's first byte in the file. */
  lineStart: number;
  /** The line's text without its `\n` (a `\r` of a CRLF ending is kept, so byte lengths add up). */
  lineText: string;
}

/**
 * Yields every line of the file, including blank ones and a last line without a newline, over
 * the output layer's line reader (the same splitting the resume index uses).
 */
export async function* readJsonlLines(path: string): AsyncGenerator<JsonlLine> {
  for await (const batch of readLineBatches(path)) {
    const lines: JsonlLine[] = [];
    for (let i = 0; i < batch.starts.length; i++) {
      const start = batch.starts[i] ?? 0;
      lines.push({
        lineNumber: batch.firstLine + i,
        lineStart: batch.offset + start,
        lineText: batch.buf.toString('utf8', start, batch.ends[i]),
      });
    }
    // Decoded before yielding: the batch buffer is reused by the next read.
    yield* lines;
  }
}
