/**
 * Reads a file as batches of complete lines over one reusable buffer. Faster than
 * readline for million-line files and gives the byte offset of every line, which in-place
 * patching needs.
 */
import { open } from 'node:fs/promises';

const LF = 0x0a;

/** The lines found in one read. Valid only until the next batch is requested. */
export interface LineBatch {
  /** Holds the lines; reused by the next batch. */
  buf: Buffer;
  /** Start of each line in `buf`. */
  starts: number[];
  /** End of each line in `buf` (exclusive, before its `\n`). */
  ends: number[];
  /** File offset of `buf[0]`. */
  offset: number;
  /** 1-based number of the batch's first line. */
  firstLine: number;
  /** False when the batch's last line ends the file without a `\n`. */
  lastTerminated: boolean;
}

/**
 * Yields the file's lines in batches. A line may be of any length (the buffer grows).
 * @param chunkBytes read size.
 * @default chunkBytes 1 MiB
 */
export async function* readLineBatches(path: string, chunkBytes = 1024 * 1024): AsyncGenerator<LineBatch> {
  const handle = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(chunkBytes);
    let filled = 0;
    let offset = 0;
    let line = 1;
    let eof = false;
    while (!eof) {
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, offset + filled);
      eof = bytesRead === 0;
      filled += bytesRead;
      const view = buf.subarray(0, filled);
      const starts: number[] = [];
      const ends: number[] = [];
      let pos = 0;
      for (let nl = view.indexOf(LF); nl !== -1; nl = view.indexOf(LF, pos)) {
        starts.push(pos);
        ends.push(nl);
        pos = nl + 1;
      }
      let lastTerminated = true;
      if (eof && pos < filled) {
        starts.push(pos);
        ends.push(filled);
        lastTerminated = false;
        pos = filled;
      }
      if (starts.length > 0) yield { buf, starts, ends, offset, firstLine: line, lastTerminated };
      line += starts.length;
      if (pos > 0) {
        buf.copy(buf, 0, pos, filled);
        offset += pos;
        filled -= pos;
      }
    }
  } finally {
    await handle.close();
  }
}
