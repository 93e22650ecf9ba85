/**
 * A tokenized CSV row as byte ranges of the buffer being tokenized, so that a row can be checked
 * without decoding its fields into strings. Internal to the input layer.
 *
 * The tokenizer refills one view per row and hands it to a sink; a view is only valid during
 * that call. A field is either plain (its value is exactly the bytes of its range) or decoded
 * (doubled quotes or text after a closing quote make it differ from any range), and then only
 * decoded when asked for.
 */
import { unescapeQuotes } from './csv-cursor.js';

/** Characters that take no space: a field made only of them is blank. */
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u00AD\u180E]/g;

const EMPTY = Buffer.alloc(0);
const HASH = 0x23;
// Flags of a field that is not plain.
const DECODED = 1;
const ESCAPED = 2;

function grow<T extends Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** True for the ASCII characters that `String.prototype.trim` removes (tab, LF, VT, FF, CR, space). */
function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Returned by the byte-level trims when only decoding the field can tell. */
export const UNSURE = -1;

/** One row of a CSV file, reused from row to row. */
export class RecordView {
  /** The buffer the ranges refer to. */
  data: Buffer = EMPTY;
  /** 1-based physical line where the row starts. */
  line = 0;
  /** Byte offset in the file where the row starts (leading blanks included). */
  offset = 0;
  /** Number of fields. */
  count = 0;
  // Per field: the value's byte range (the content between the quotes for a quoted field) and,
  // for a field that is not plain, its flags and the range of any text after the closing quote.
  #starts = new Int32Array(16);
  #ends = new Int32Array(16);
  #flags = new Uint8Array(16);
  #tailStarts = new Int32Array(16);
  #tailEnds = new Int32Array(16);
  #anyDecoded = false;

  /** Starts a new row. */
  reset(data: Buffer, line: number, offset: number): void {
    this.data = data;
    this.line = line;
    this.offset = offset;
    this.count = 0;
    if (this.#anyDecoded) {
      this.#flags.fill(0);
      this.#anyDecoded = false;
    }
  }

  /** Adds a field whose value is the bytes `[start, end)`. */
  addPlain(start: number, end: number): void {
    const i = this.#slot();
    this.#starts[i] = start;
    this.#ends[i] = end;
  }

  /**
   * Adds a quoted field whose value is not its bytes: the content `[start, end)` has doubled
   * quotes (`escaped`) and/or text `[tailStart, tailEnd)` follows the closing quote. It is only
   * decoded if asked for.
   */
  addDecoded(start: number, end: number, escaped: boolean, tailStart: number, tailEnd: number): void {
    const i = this.#slot();
    this.#starts[i] = start;
    this.#ends[i] = end;
    this.#flags[i] = escaped ? ESCAPED | DECODED : DECODED;
    this.#tailStarts[i] = tailStart;
    this.#tailEnds[i] = tailEnd;
    this.#anyDecoded = true;
  }

  #slot(): number {
    const i = this.count++;
    if (i === this.#starts.length) {
      this.#starts = grow(this.#starts, new Int32Array(i * 2));
      this.#ends = grow(this.#ends, new Int32Array(i * 2));
      this.#flags = grow(this.#flags, new Uint8Array(i * 2));
      this.#tailStarts = grow(this.#tailStarts, new Int32Array(i * 2));
      this.#tailEnds = grow(this.#tailEnds, new Int32Array(i * 2));
    }
    return i;
  }

  /** True when field `i` exists and its value is exactly its byte range. */
  isPlain(i: number): boolean {
    return i < this.count && (!this.#anyDecoded || this.#flags[i] === 0);
  }

  /** Byte range start of a plain field. */
  start(i: number): number {
    return this.#starts[i] ?? 0;
  }

  /** Byte range end of a plain field. */
  end(i: number): number {
    return this.#ends[i] ?? 0;
  }

  /** The value of field `i`, untrimmed; undefined when the row is shorter. */
  text(i: number): string | undefined {
    if (i >= this.count) return undefined;
    const { data } = this;
    const start = this.#starts[i] ?? 0;
    const end = this.#ends[i] ?? 0;
    const flags = this.#anyDecoded ? (this.#flags[i] ?? 0) : 0;
    if (flags === 0) return data.toString('utf8', start, end);
    const value = (flags & ESCAPED) !== 0 ? unescapeQuotes(data, start, end) : data.toString('utf8', start, end);
    const tailStart = this.#tailStarts[i] ?? 0;
    const tailEnd = this.#tailEnds[i] ?? 0;
    return tailEnd > tailStart ? value + data.toString('utf8', tailStart, tailEnd) : value;
  }

  /** Every field value, untrimmed. */
  texts(): string[] {
    const fields: string[] = [];
    for (let i = 0; i < this.count; i++) fields.push(this.text(i) ?? '');
    return fields;
  }

  /**
   * Whether field `i` (which must exist) is empty once trimmed, decoding it only when the bytes
   * cannot tell (a non-ASCII character that may be Unicode whitespace).
   */
  isBlank(i: number): boolean {
    if (this.isPlain(i)) {
      const { data } = this;
      let unsure = false;
      for (let p = this.start(i), end = this.end(i); p < end; p++) {
        const c = data[p] ?? 0;
        if (c >= 0x80) unsure = true;
        else if (!isAsciiSpace(c)) return false;
      }
      if (!unsure) return true;
    }
    // Zero-width characters alone make no name (or id) either.
    return (this.text(i) ?? '').replace(ZERO_WIDTH, '').trim() === '';
  }

  /** Whether any field of the record holds a NUL byte (no database accepts one in text). */
  hasNul(): boolean {
    if (this.count === 0) return false;
    const at = this.data.indexOf(0, this.start(0));
    return at !== -1 && at < this.end(this.count - 1);
  }

  /** Whether field `i` (which must exist) starts with `#` once trimmed. */
  startsWithHash(i: number): boolean {
    if (this.isPlain(i)) {
      const { data } = this;
      for (let p = this.start(i), end = this.end(i); p < end; p++) {
        const c = data[p] ?? 0;
        if (c >= 0x80) break;
        if (!isAsciiSpace(c)) return c === HASH;
      }
    }
    return (this.text(i) ?? '').trim().startsWith('#');
  }

  /**
   * Whether field `i` could be a column name (`artist_id`, `name`, …): false as soon as it holds
   * an ASCII character that no column name or whitespace has, so that ids like UUIDs are turned
   * down without a string being made.
   */
  mayBeWord(i: number): boolean {
    if (!this.isPlain(i)) return i < this.count;
    const { data } = this;
    for (let p = this.start(i), end = this.end(i); p < end; p++) {
      const c = data[p] ?? 0;
      const letter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
      if (c < 0x80 && !letter && c !== 0x5f && !isAsciiSpace(c)) return false;
    }
    return true;
  }

  /**
   * Start of the trimmed value of plain field `i` when its bytes tell exactly, else {@link UNSURE};
   * {@link trimmedEnd} gives the end. Only ASCII whitespace is stripped here; a non-ASCII byte at
   * either end may be Unicode whitespace, which only decoding can tell.
   */
  trimmedStart(i: number): number {
    if (!this.isPlain(i)) return UNSURE;
    const { data } = this;
    const end = this.end(i);
    let p = this.start(i);
    while (p < end && isAsciiSpace(data[p] ?? 0)) p++;
    return p < end && (data[p] ?? 0) >= 0x80 ? UNSURE : p;
  }

  /** End of the trimmed value of plain field `i`, or {@link UNSURE}; see {@link trimmedStart}. */
  trimmedEnd(i: number, from: number): number {
    const { data } = this;
    let p = this.end(i);
    while (p > from && isAsciiSpace(data[p - 1] ?? 0)) p--;
    return p > from && (data[p - 1] ?? 0) >= 0x80 ? UNSURE : p;
  }
}
