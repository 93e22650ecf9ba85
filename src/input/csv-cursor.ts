/**
 * Byte-level helpers of the CSV tokenizer: line breaks, a forward-only search cursor, and quote
 * unescaping. Internal to the input layer.
 */

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;

/** Returned where more data is needed. */
export const INCOMPLETE = -1;

/** Offset after the line break at `at` (CRLF, LF or CR), or INCOMPLETE for a CR at the end of the data. */
export function afterBreak(data: Buffer, at: number, final: boolean): number {
  if (data[at] === LF) return at + 1;
  if (at + 1 < data.length) return data[at + 1] === LF ? at + 2 : at + 1;
  return final ? at + 1 : INCOMPLETE;
}

/** Offset of the first CR or LF at or after `from`, or -1 (byte loop, for the rare paths). */
export function findBreak(data: Buffer, from: number): number {
  for (let p = from; p < data.length; p++) {
    const c = data[p];
    if (c === LF || c === CR) return p;
  }
  return -1;
}

/**
 * Forward-only view of one buffer. The next comma / LF / CR positions are found with the native
 * `indexOf` and cached, so scanning a buffer costs O(n) even when, say, a single CR sits at its
 * end; byte-by-byte loops in JS are several times slower. Offsets asked must never decrease.
 */
export class Cursor {
  readonly data: Buffer;
  readonly len: number;
  #lf = -2;
  #cr = -2;
  #comma = -2;

  constructor(data: Buffer) {
    this.data = data;
    this.len = data.length;
    if (data.indexOf(CR) === -1) this.#cr = -1;
  }

  /** First CR or LF at or after `from`, or the data length. */
  breakAt(from: number): number {
    if (this.#lf !== -1 && this.#lf < from) this.#lf = this.data.indexOf(LF, from);
    if (this.#cr !== -1 && this.#cr < from) this.#cr = this.data.indexOf(CR, from);
    const lf = this.#lf === -1 ? this.len : this.#lf;
    const cr = this.#cr === -1 ? this.len : this.#cr;
    return lf < cr ? lf : cr;
  }

  /** End of an unquoted field starting at `from`: the next comma, line break or the data length. */
  fieldEnd(from: number): number {
    const eol = this.breakAt(from);
    if (this.#comma !== -1 && this.#comma < from) this.#comma = this.data.indexOf(COMMA, from);
    return this.#comma !== -1 && this.#comma < eol ? this.#comma : eol;
  }

  /** Line breaks in `[start, end)`, which must lie before any offset asked later. */
  breaksIn(start: number, end: number): number {
    let count = 0;
    for (let at = this.breakAt(start); at < end; at = this.breakAt(at + 1)) {
      count++;
      if (this.data[at] === CR && at + 1 < end && this.data[at + 1] === LF) at++;
    }
    return count;
  }

  /** First byte at or after `from` that is not a space or a tab. */
  skipBlanks(from: number): number {
    let p = from;
    // Bounds first: an out-of-bounds typed-array read deoptimises the loop.
    while (p < this.len) {
      const c = this.data[p];
      if (c !== SPACE && c !== TAB) break;
      p++;
    }
    return p;
  }
}

let scratch = Buffer.allocUnsafe(4096);

/** Decodes a quoted field's content with each doubled quote made single (faster than replaceAll). */
export function unescapeQuotes(data: Buffer, start: number, end: number): string {
  const size = end - start;
  // The shared scratch grows up to 1 MiB; a rare huge field gets a buffer of its own.
  if (scratch.length < size && size <= 1024 * 1024) scratch = Buffer.allocUnsafe(size);
  const out = scratch.length >= size ? scratch : Buffer.allocUnsafe(size);
  let w = 0;
  for (let p = start; p < end; p++) {
    const c = data[p] ?? 0;
    out[w++] = c;
    // Inside the content every quote is doubled: keep one, skip its twin.
    if (c === QUOTE) p++;
  }
  return out.toString('utf8', 0, w);
}
