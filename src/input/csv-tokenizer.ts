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
import { afterBreak, Cursor, findBreak, INCOMPLETE } from './csv-cursor.js';
import { RecordView } from './csv-record.js';

const COMMA = 0x2c;
const QUOTE = 0x22;
const HASH = 0x23;

/** A raw row, a comment line, or a row that could not be tokenized; `line` is where it starts. */
export type CsvToken =
  | { kind: 'row'; line: number; fields: string[] }
  | { kind: 'comment'; line: number }
  | { kind: 'bad'; line: number; problem: BadProblem };

/** Why a record could not be tokenized. */
export type BadProblem = 'unterminated_quote' | 'too_large';

/**
 * Receives the records of a file in order. The view is reused: it is only valid during the call.
 * A sink may throw; the error comes out of {@link CsvScanner.push} / {@link CsvScanner.end}.
 */
export interface RecordSink {
  row(view: RecordView): void;
  comment(line: number): void;
  bad(line: number, problem: BadProblem): void;
}

/** A record boundary to start tokenizing from: its byte offset in the file and its physical line. */
export interface StartPoint {
  offset: number;
  line: number;
}

/** The outcome of one finished record (reused, to allocate nothing per record). */
interface Step {
  kind: 'row' | 'comment' | 'unterminated';
  /** Offset just after the record's line break. */
  next: number;
  /** Physical lines the record spans. */
  lines: number;
}

function finish(step: Step, kind: Step['kind'], next: number, lines: number): boolean {
  if (next === INCOMPLETE) return false;
  step.kind = kind;
  step.next = next;
  step.lines = lines;
  return true;
}

/**
 * Tokenizes one record starting at `start` into `view` (fields as byte ranges; only fields with
 * doubled quotes or text after the closing quote are decoded) and fills `step`. False when more
 * data is needed to finish the record.
 */
function readRecord(cur: Cursor, start: number, final: boolean, view: RecordView, step: Step): boolean {
  const { data, len } = cur;
  let p = cur.skipBlanks(start);
  if (p < len && data[p] === HASH) {
    const eol = cur.breakAt(p);
    if (eol === len) return final && finish(step, 'comment', len, 1);
    return finish(step, 'comment', afterBreak(data, eol, final), 1);
  }
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
          if (!final) return false;
          // Unterminated: report this record and start again on the next physical line.
          const eol = findBreak(data, start);
          return finish(step, 'unterminated', eol === -1 ? len : afterBreak(data, eol, true), 1);
        }
        if (close + 1 === len) {
          if (final) break;
          return false;
        }
        if (data[close + 1] !== QUOTE) break;
        escaped = true;
        search = close + 2;
      }
      breaks += cur.breaksIn(contentStart, close);
      p = close + 1;
      // Text after the closing quote (malformed CSV) is kept, as Python's csv module does.
      const tailEnd = cur.fieldEnd(p);
      if (escaped || tailEnd > p) {
        view.addDecoded(contentStart, close, escaped, p, tailEnd);
      } else {
        view.addPlain(contentStart, close);
      }
      p = tailEnd;
    } else {
      const end = cur.fieldEnd(p);
      view.addPlain(p, end);
      p = end;
    }
    if (p >= len) return final && finish(step, 'row', len, 1 + breaks);
    if (data[p] === COMMA) {
      p++;
      continue;
    }
    return finish(step, 'row', afterBreak(data, p, final), 1 + breaks);
  }
}

/**
 * Feed it chunks in order with {@link CsvScanner.push}, then call {@link CsvScanner.end}; each
 * finished record goes to the sink as it is found. Holds only the unfinished record between calls
 * and allocates nothing per record beyond what the sink asks for.
 */
export class CsvScanner {
  readonly #maxRecordBytes: number;
  readonly #view = new RecordView();
  readonly #step: Step = { kind: 'row', next: 0, lines: 0 };
  #parts: Buffer[] = [];
  #pending = 0;
  /** Do not re-tokenize an unfinished record before this many bytes are pending. */
  #retryAt = 0;
  #line: number;
  /** File offset of the first pending byte. */
  #offset: number;
  #bomChecked: boolean;
  /** Dropping the rest of a line that was too large, until its line break. */
  #discarding = false;

  /**
   * @param maxRecordBytes a record that grows past this is reported as `too_large` and skipped.
   * @param from where the first chunk starts; it must be a record boundary. A BOM is only looked
   *   for at offset 0. @default the start of the file
   */
  constructor(maxRecordBytes: number, from: StartPoint = { offset: 0, line: 1 }) {
    this.#maxRecordBytes = maxRecordBytes;
    this.#line = from.line;
    this.#offset = from.offset;
    this.#bomChecked = from.offset > 0;
  }

  /**
   * Adds a chunk and passes the records it completed to `sink`. The scanner keeps a copy of what
   * it still needs, never `chunk` itself, so the caller may reuse its buffer.
   */
  push(chunk: Buffer, sink: RecordSink): void {
    this.#pending += chunk.length;
    if (this.#pending < this.#retryAt) {
      this.#parts.push(Buffer.from(chunk));
      return;
    }
    this.#parts.push(chunk);
    this.#drain(false, sink);
  }

  /** Ends the input and passes the remaining records to `sink`. */
  end(sink: RecordSink): void {
    this.#drain(true, sink);
  }

  #drain(final: boolean, sink: RecordSink): void {
    const data = this.#parts.length === 1 ? (this.#parts[0] ?? Buffer.alloc(0)) : Buffer.concat(this.#parts);
    let pos = 0;
    if (!this.#bomChecked) {
      if (data.length < 3 && !final) return this.#keep(data, 0);
      this.#bomChecked = true;
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) pos = 3;
    }
    const view = this.#view;
    const step = this.#step;
    let found = 0;
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
      view.reset(data, this.#line, this.#offset + pos);
      const done = readRecord(cur, pos, final, view, step);
      // A finished record over the limit is treated like an unfinished one, so the outcome does
      // not depend on how the input was chunked.
      if (done && step.next - pos <= this.#maxRecordBytes) {
        found++;
        const line = this.#line;
        this.#line += step.lines;
        pos = step.next;
        if (step.kind === 'row') sink.row(view);
        else if (step.kind === 'comment') sink.comment(line);
        else {
          sink.bad(line, 'unterminated_quote');
          // Recovery after a bad record moves backwards; the cursor only goes forwards.
          cur = new Cursor(data);
        }
        continue;
      }
      if (!done && data.length - pos <= this.#maxRecordBytes) break;
      found++;
      sink.bad(this.#line, 'too_large');
      this.#discarding = true;
    }
    this.#keep(data, pos);
    this.#retryAt = found > 0 ? 0 : Math.min(this.#pending * 2, this.#maxRecordBytes + 1);
  }

  /** Keeps a copy of `data[from..]` for the next call (a large consumed prefix can then be freed). */
  #keep(data: Buffer, from: number): void {
    const rest = Buffer.from(data.subarray(from));
    this.#parts = rest.length === 0 ? [] : [rest];
    this.#pending = rest.length;
    this.#offset += from;
  }
}

/**
 * The same tokenizer with every record materialised as a {@link CsvToken}: simpler to consume and
 * to test, at the cost of decoding every field.
 */
export class CsvTokenizer {
  readonly #scanner: CsvScanner;
  #tokens: CsvToken[] = [];
  readonly #sink: RecordSink = {
    row: (view) => this.#tokens.push({ kind: 'row', line: view.line, fields: view.texts() }),
    comment: (line) => this.#tokens.push({ kind: 'comment', line }),
    bad: (line, problem) => this.#tokens.push({ kind: 'bad', line, problem }),
  };

  /** @param maxRecordBytes a record that grows past this is reported as `too_large` and skipped. */
  constructor(maxRecordBytes: number) {
    this.#scanner = new CsvScanner(maxRecordBytes);
  }

  /** Adds a chunk; returns the tokens it completed. */
  push(chunk: Buffer): CsvToken[] {
    this.#scanner.push(chunk, this.#sink);
    return this.#take();
  }

  /** Ends the input; returns the remaining tokens. */
  end(): CsvToken[] {
    this.#scanner.end(this.#sink);
    return this.#take();
  }

  #take(): CsvToken[] {
    const tokens = this.#tokens;
    this.#tokens = [];
    return tokens;
  }
}
