/**
 * Incremental RFC 4180 tokenizer working on raw UTF-8 bytes. Internal to the input layer.
 *
 * Why not a general CSV library: the reader needs the physical line where every row starts
 * (CRLF inside quoted fields included), comments recognised only at the start of a record so that
 * `# a,"b` cannot open a quote that swallows the rest of the file, recovery after an unterminated
 * quote, and a small constant memory footprint for million-row files. Quoted fields, doubled
 * quotes, embedded delimiters and line breaks follow RFC 4180; like Python's csv module in
 * non-strict mode, a quote inside an unquoted field is literal and text after a closing quote is
 * appended to the field. Blanks (space, tab) before a field are skipped so that ` "x, y"` is quoted.
 */

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const HASH = 0x23;

/** A raw row, a comment line, or a row that could not be tokenized; `line` is where it starts. */
export type CsvToken =
  | { kind: 'row'; line: number; fields: string[] }
  | { kind: 'comment'; line: number }
  | { kind: 'bad'; line: number; problem: 'unterminated_quote' | 'too_large' };

interface Step {
  token: CsvToken;
  /** Offset just after the record's line break. */
  next: number;
  /** Physical lines the record spans. */
  lines: number;
}

const INCOMPLETE = -1;

/** Offset after the line break at `at` (CRLF, LF or CR), or INCOMPLETE for a CR at the end of the data. */
function afterBreak(data: Buffer, at: number, final: boolean): number {
  if (data[at] === LF) return at + 1;
  if (at + 1 < data.length) return data[at + 1] === LF ? at + 2 : at + 1;
  return final ? at + 1 : INCOMPLETE;
}

/** Offset of the first CR or LF at or after `from`, or -1 (byte loop, for the rare paths). */
function findBreak(data: Buffer, from: number): number {
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
class Cursor {
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
function unescapeQuotes(data: Buffer, start: number, end: number): string {
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

/** Tokenizes one record starting at `start`; INCOMPLETE when more data is needed to finish it. */
function readRecord(cur: Cursor, start: number, final: boolean, line: number): Step | typeof INCOMPLETE {
  const { data, len } = cur;
  let p = cur.skipBlanks(start);
  if (p < len && data[p] === HASH) {
    const eol = cur.breakAt(p);
    if (eol === len) return final ? { token: { kind: 'comment', line }, next: len, lines: 1 } : INCOMPLETE;
    const next = afterBreak(data, eol, final);
    return next === INCOMPLETE ? INCOMPLETE : { token: { kind: 'comment', line }, next, lines: 1 };
  }
  const fields: string[] = [];
  let breaks = 0;
  for (;;) {
    p = cur.skipBlanks(p);
    if (p < len && data[p] === QUOTE) {
      const contentStart = p + 1;
      let search = contentStart;
      let escaped = false;
      let close: number;
      for (;;) {
        close = data.indexOf(QUOTE, search);
        if (close === -1) {
          if (!final) return INCOMPLETE;
          // Unterminated: report this record and start again on the next physical line.
          const eol = findBreak(data, start);
          const next = eol === -1 ? len : afterBreak(data, eol, true);
          return { token: { kind: 'bad', line, problem: 'unterminated_quote' }, next, lines: 1 };
        }
        if (close + 1 === len) {
          if (final) break;
          return INCOMPLETE;
        }
        if (data[close + 1] !== QUOTE) break;
        escaped = true;
        search = close + 2;
      }
      let value = escaped ? unescapeQuotes(data, contentStart, close) : data.toString('utf8', contentStart, close);
      breaks += cur.breaksIn(contentStart, close);
      p = close + 1;
      // Text after the closing quote (malformed CSV) is kept, as Python's csv module does.
      const tailEnd = cur.fieldEnd(p);
      if (tailEnd > p) value += data.toString('utf8', p, tailEnd);
      p = tailEnd;
      fields.push(value);
    } else {
      const end = cur.fieldEnd(p);
      fields.push(data.toString('utf8', p, end));
      p = end;
    }
    if (p >= len) return final ? { token: { kind: 'row', line, fields }, next: len, lines: 1 + breaks } : INCOMPLETE;
    if (data[p] === COMMA) {
      p++;
      continue;
    }
    const next = afterBreak(data, p, final);
    return next === INCOMPLETE ? INCOMPLETE : { token: { kind: 'row', line, fields }, next, lines: 1 + breaks };
  }
}

/**
 * Feed it chunks in order with {@link CsvTokenizer.push}, then call {@link CsvTokenizer.end};
 * each call returns the tokens completed so far. Holds only the unfinished record between calls.
 */
export class CsvTokenizer {
  readonly #maxRecordBytes: number;
  #parts: Buffer[] = [];
  #pending = 0;
  /** Do not re-tokenize an unfinished record before this many bytes are pending. */
  #retryAt = 0;
  #line = 1;
  #bomChecked = false;
  /** Dropping the rest of a line that was too large, until its line break. */
  #discarding = false;

  /** @param maxRecordBytes a record that grows past this is reported as `too_large` and skipped. */
  constructor(maxRecordBytes: number) {
    this.#maxRecordBytes = maxRecordBytes;
  }

  /** Adds a chunk; returns the tokens it completed. */
  push(chunk: Buffer): CsvToken[] {
    this.#parts.push(chunk);
    this.#pending += chunk.length;
    return this.#pending < this.#retryAt ? [] : this.#drain(false);
  }

  /** Ends the input; returns the remaining tokens. */
  end(): CsvToken[] {
    return this.#drain(true);
  }

  #drain(final: boolean): CsvToken[] {
    const data = this.#parts.length === 1 ? (this.#parts[0] ?? Buffer.alloc(0)) : Buffer.concat(this.#parts);
    let pos = 0;
    if (!this.#bomChecked) {
      if (data.length < 3 && !final) return this.#keep(data, 0);
      this.#bomChecked = true;
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) pos = 3;
    }
    const tokens: CsvToken[] = [];
    // One cursor for the whole drain keeps the scan linear.
    let cur = new Cursor(data);
    while (pos < data.length) {
      if (this.#discarding) {
        const eol = findBreak(data, pos);
        const next = eol === -1 ? INCOMPLETE : afterBreak(data, eol, final);
        if (next === INCOMPLETE) {
          // Keep a trailing CR: the LF that may follow belongs to the same line break.
          pos = final ? data.length : data.length - 1;
          break;
        }
        this.#discarding = false;
        this.#line++;
        pos = next;
        cur = new Cursor(data);
        continue;
      }
      const step = readRecord(cur, pos, final, this.#line);
      // A finished record over the limit is treated like an unfinished one, so the outcome does
      // not depend on how the input was chunked.
      if (step !== INCOMPLETE && step.next - pos <= this.#maxRecordBytes) {
        tokens.push(step.token);
        this.#line += step.lines;
        pos = step.next;
        // Recovery after a bad record moves backwards; the cursor only goes forwards.
        if (step.token.kind === 'bad') cur = new Cursor(data);
        continue;
      }
      if (step === INCOMPLETE && data.length - pos <= this.#maxRecordBytes) break;
      tokens.push({ kind: 'bad', line: this.#line, problem: 'too_large' });
      this.#discarding = true;
    }
    const progressed = tokens.length > 0;
    this.#keep(data, pos);
    this.#retryAt = progressed ? 0 : Math.min(this.#pending * 2, this.#maxRecordBytes + 1);
    return tokens;
  }

  /** Keeps `data[from..]` for the next call, copied so that a large consumed prefix can be freed. */
  #keep(data: Buffer, from: number): CsvToken[] {
    const rest = from === 0 ? data : Buffer.from(data.subarray(from));
    this.#parts = rest.length === 0 ? [] : [rest];
    this.#pending = rest.length;
    return [];
  }
}
