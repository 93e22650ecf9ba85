/**
 * UTF-8 validation of the input. Decoding would silently turn bad bytes into U+FFFD and send
 * garbled names to the model; a real U+FFFD written in the file (bytes EF BF BD) is valid and passes.
 */
import { isUtf8 } from 'node:buffer';
import { InputError } from '../core/errors.js';

const LF = 0x0a;

/**
 * Length of a trailing multi-byte sequence that the next chunk may complete (0 when the buffer
 * ends on a character boundary). Bytes that can never be completed are left for the validator.
 */
function incompleteTailLength(buf: Buffer): number {
  const limit = Math.min(3, buf.length);
  for (let back = 1; back <= limit; back++) {
    const byte = buf[buf.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

/** Index of the first byte that starts an invalid UTF-8 sequence, or -1. Only used on the error path. */
export function firstInvalidUtf8Byte(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b0 = buf[i] ?? 0;
    if (b0 < 0x80) {
      i += 1;
      continue;
    }
    let needed: number;
    let min: number;
    let codePoint: number;
    if (b0 >= 0xc2 && b0 <= 0xdf) [needed, min, codePoint] = [1, 0x80, b0 & 0x1f];
    else if (b0 >= 0xe0 && b0 <= 0xef) [needed, min, codePoint] = [2, 0x800, b0 & 0x0f];
    else if (b0 >= 0xf0 && b0 <= 0xf4) [needed, min, codePoint] = [3, 0x10000, b0 & 0x07];
    else return i;
    if (i + needed >= buf.length) return i;
    for (let k = 1; k <= needed; k++) {
      const b = buf[i + k] ?? 0;
      if ((b & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (b & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid too.
    if (codePoint < min || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff) return i;
    i += needed + 1;
  }
  return -1;
}

function countLf(buf: Buffer, end: number): number {
  let count = 0;
  for (let at = buf.indexOf(LF); at !== -1 && at < end; at = buf.indexOf(LF, at + 1)) count++;
  return count;
}

function describe(path: string, byte: number | undefined, line: number, offset: number): string {
  const what = byte === undefined ? 'an incomplete character at the end' : `invalid byte 0x${byte.toString(16)}`;
  const hint =
    offset <= 1 && (byte === 0xff || byte === 0xfe)
      ? ' It looks like UTF-16: save it as UTF-8.'
      : ' Save it as UTF-8 (e.g. `iconv -f WINDOWS-1252 -t UTF-8`).';
  return `Input file ${path} is not valid UTF-8: ${what} on line ${line} (byte offset ${offset}).${hint}`;
}

/**
 * Validates a byte stream chunk by chunk (a character may be split across chunks) and throws an
 * {@link InputError} naming the file, the line and the byte offset of the first invalid byte.
 */
export class Utf8Check {
  readonly #path: string;
  /** Bytes of an unfinished character carried over from the previous chunk. */
  #carry: Buffer | undefined;
  /** File offset of the first byte not yet validated (the carry's first byte when there is one). */
  #offset: number;
  /** Physical line (LF-counted) at `#offset`. */
  #line: number;

  /**
   * @param path shown in the error message.
   * @param from where the bytes start in the file (a character boundary), for the message.
   *   @default offset 0, line 1
   */
  constructor(path: string, from: { offset: number; line: number } = { offset: 0, line: 1 }) {
    this.#path = path;
    this.#offset = from.offset;
    this.#line = from.line;
  }

  /** Validates the next chunk. @throws InputError on an invalid byte. */
  check(chunk: Buffer): void {
    const data = this.#carry === undefined ? chunk : Buffer.concat([this.#carry, chunk]);
    const tail = incompleteTailLength(data);
    const body = tail === 0 ? data : data.subarray(0, data.length - tail);
    if (!isUtf8(body)) {
      const bad = Math.max(0, firstInvalidUtf8Byte(body));
      const line = this.#line + countLf(body, bad);
      throw new InputError(describe(this.#path, body[bad], line, this.#offset + bad));
    }
    this.#line += countLf(body, body.length);
    this.#offset += body.length;
    this.#carry = tail === 0 ? undefined : Buffer.from(data.subarray(data.length - tail));
  }

  /** Call at the end of the input. @throws InputError when the file ends inside a character. */
  finish(): void {
    if (this.#carry !== undefined) throw new InputError(describe(this.#path, undefined, this.#line, this.#offset));
  }
}
