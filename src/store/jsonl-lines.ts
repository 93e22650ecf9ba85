/** Streams a JSONL file line by line with each line's byte offset, without loading it whole. */
import { createReadStream } from 'node:fs';

/** One physical line. */
export interface JsonlLine {
  /** 1-based line number. */
  lineNumber: number;
  /** Byte offset of the line's first byte in the file. */
  lineStart: number;
  /** The line's text without its `\n` (a `\r` of a CRLF ending is kept, so byte lengths add up). */
  lineText: string;
}

const NEWLINE = 0x0a;

/**
 * Yields every line of the file, including blank ones and a last line without a newline.
 * Splitting on the `\n` byte is safe in UTF-8 (it never occurs inside a multi-byte character).
 */
export async function* readJsonlLines(path: string): AsyncGenerator<JsonlLine> {
  let pending: Buffer[] = [];
  let pendingStart = 0;
  let offset = 0;
  let lineNumber = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const data of stream) {
    const buffer = data as Buffer;
    let from = 0;
    for (let nl = buffer.indexOf(NEWLINE, from); nl !== -1; nl = buffer.indexOf(NEWLINE, from)) {
      const piece = buffer.subarray(from, nl);
      const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      lineNumber += 1;
      yield { lineNumber, lineStart: pendingStart, lineText: bytes.toString('utf8') };
      pending = [];
      from = nl + 1;
      pendingStart = offset + from;
    }
    if (from < buffer.length) pending.push(buffer.subarray(from));
    offset += buffer.length;
  }
  if (pending.length > 0) {
    lineNumber += 1;
    yield { lineNumber, lineStart: pendingStart, lineText: Buffer.concat(pending).toString('utf8') };
  }
}
