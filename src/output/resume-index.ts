/**
 * The resume index (internal): which artists already have a bio in the output, and which lines
 * still owe a database write. Million-line outputs must be indexed in a few seconds, so lines in
 * the shape this tool writes (`{"artist_id":"…",…,"db_status":…,"error":null}`) are read from
 * their two ends without decoding the bio in between; any other line is fully parsed.
 */
import { readLineBatches } from './line-reader.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const HEAD = Buffer.from('{"artist_id":"');
const TAIL = Buffer.from(',"error":null}');
const STATUS_KEY = Buffer.from(',"db_status":');
const FINGERPRINT_KEY = Buffer.from(',"prompt_fingerprint":"');
/** Longest fingerprint looked for at the end of a line (ours are `sha256:` + 16 hex digits). */
const MAX_FINGERPRINT = 100;
const NULL = Buffer.from('null');
const MAX_LISTED = 20;

/** Lines whose database write is still owed (`db_status` `"pending"` or `"error"`). */
export interface DbResync {
  count: number;
  ids: string[];
  lines: number[];
}

/** What the scan of an existing output found. */
export interface ResumeIndex {
  /** Ids with a successful line (`error` null or absent). */
  doneIds: Set<string>;
  dbResync: DbResync;
  /** Non-blank lines read. */
  linesRead: number;
  /** Successful lines for an id that already had one (should be 0). */
  duplicateLines: number;
  /** Line numbers of the first duplicate lines. */
  duplicateLineNumbers: number[];
  /** Lines with a non-null `error` (written by older versions); their artists are retried. */
  failedLines: number;
  /**
   * Lines that are not output records: not JSON, not an object, no `artist_id` string, or a
   * success without a `response_text` string (such an artist is done again).
   */
  invalidLines: number;
  /** Line numbers of the first invalid lines. */
  invalidLineNumbers: number[];
  /**
   * Ids whose latest successful line was written by another prompt: its `prompt_fingerprint`
   * differs from {@link ResumeIndexOptions.currentFingerprint}, or it has none. Empty unless a
   * current fingerprint was given. These ids are not in `doneIds`: they are to be regenerated.
   */
  staleIds: Set<string>;
}

/** Options of {@link buildResumeIndex}. */
export interface ResumeIndexOptions {
  /**
   * The fingerprint of the prompt the run will send (`--redo-stale`): artists whose latest line
   * has another one are left out of `doneIds` and listed in `staleIds`.
   */
  currentFingerprint?: string | undefined;
}

/** What a line of an output says about its artist (internal to the output layer). */
export interface LineFacts {
  id: string;
  ok: boolean;
  status: string | null;
  /** The line's `prompt_fingerprint`, null when it has none. */
  fingerprint: string | null;
}

function startsWith(buf: Buffer, at: number, end: number, prefix: Buffer): boolean {
  if (end - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[at + i] !== prefix[i]) return false;
  return true;
}

/** Reads a line of our own shape from its two ends; undefined when it is not of that shape. */
function fastFacts(buf: Buffer, start: number, end: number): LineFacts | undefined {
  if (!startsWith(buf, start, end, HEAD)) return undefined;
  const idStart = start + HEAD.length;
  let idEnd = idStart;
  for (; idEnd < end; idEnd++) {
    const c = buf[idEnd];
    if (c === QUOTE) break;
    // An escaped id is rare: let JSON.parse decode it.
    if (c === BACKSLASH) return undefined;
  }
  let p = end - TAIL.length;
  if (idEnd >= p || !startsWith(buf, p, end, TAIL)) return undefined;
  while (p > idEnd && buf[p - 1] === SPACE) p--;
  let status: string | null;
  if (startsWith(buf, p - NULL.length, p, NULL)) {
    status = null;
    p -= NULL.length;
  } else if (buf[p - 1] === QUOTE) {
    const open = buf.lastIndexOf(QUOTE, p - 2);
    if (open <= idEnd || p - open > 12) return undefined;
    status = buf.toString('latin1', open + 1, p - 1);
    p = open;
  } else return undefined;
  if (!startsWith(buf, p - STATUS_KEY.length, p, STATUS_KEY)) return undefined;
  return {
    id: buf.toString('utf8', idStart, idEnd),
    ok: true,
    status,
    fingerprint: fingerprintBefore(buf, idEnd, p - STATUS_KEY.length),
  };
}

/**
 * The `prompt_fingerprint` value that ends just before `end` (where `,"db_status":` starts), as
 * the serializer writes it; null when the line has none there.
 */
function fingerprintBefore(buf: Buffer, floor: number, end: number): string | null {
  if (buf[end - 1] !== QUOTE) return null;
  const open = buf.lastIndexOf(QUOTE, end - 2);
  if (open <= floor || end - open > MAX_FINGERPRINT) return null;
  if (!startsWith(buf, open + 1 - FINGERPRINT_KEY.length, open + 1, FINGERPRINT_KEY)) return null;
  return buf.toString('latin1', open + 1, end - 1);
}

/** Full parse for lines of any other shape (older tools, hand edits); undefined when invalid. */
function slowFacts(text: string): LineFacts | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const id = record.artist_id;
  if (typeof id !== 'string' || id === '') return undefined;
  // Like the original tool: a missing, null or empty error means success.
  const error = record.error;
  const ok = error === undefined || error === null || error === '';
  // A "success" without its bio is not one: the artist is done again (the line is reported).
  if (ok && typeof record.response_text !== 'string') return undefined;
  const status = typeof record.db_status === 'string' ? record.db_status : null;
  const fingerprint = typeof record.prompt_fingerprint === 'string' ? record.prompt_fingerprint : null;
  return { id, ok, status, fingerprint };
}

/**
 * Facts of the line `buf[start, end)`: fast for lines of our own shape, parsed otherwise;
 * undefined for a blank or invalid line.
 */
export function lineFacts(buf: Buffer, start: number, end: number): LineFacts | undefined {
  const facts = fastFacts(buf, start, end);
  if (facts !== undefined) return facts;
  const text = buf.toString('utf8', start, end);
  return text.trim() === '' ? undefined : slowFacts(text);
}

/** Streams an output file and builds its resume index. The file must exist. */
export async function buildResumeIndex(path: string, options: ResumeIndexOptions = {}): Promise<ResumeIndex> {
  const current = options.currentFingerprint;
  const index: ResumeIndex = {
    doneIds: new Set(),
    dbResync: { count: 0, ids: [], lines: [] },
    linesRead: 0,
    duplicateLines: 0,
    duplicateLineNumbers: [],
    failedLines: 0,
    invalidLines: 0,
    invalidLineNumbers: [],
    staleIds: new Set(),
  };
  for await (const batch of readLineBatches(path)) {
    const { buf, starts, ends } = batch;
    for (let i = 0; i < starts.length; i++) {
      const start = starts[i] ?? 0;
      const end = ends[i] ?? start;
      const line = batch.firstLine + i;
      let facts = fastFacts(buf, start, end);
      if (facts === undefined) {
        const text = buf.toString('utf8', start, end);
        if (text.trim() === '') continue;
        facts = slowFacts(text);
      }
      index.linesRead++;
      if (facts === undefined) {
        index.invalidLines++;
        if (index.invalidLineNumbers.length < MAX_LISTED) index.invalidLineNumbers.push(line);
        continue;
      }
      if (!facts.ok) {
        index.failedLines++;
        continue;
      }
      if (index.doneIds.has(facts.id)) {
        index.duplicateLines++;
        if (index.duplicateLineNumbers.length < MAX_LISTED) index.duplicateLineNumbers.push(line);
      } else index.doneIds.add(facts.id);
      // The latest line of an artist decides: a regenerated line supersedes the stale one before it.
      if (current !== undefined) {
        if (facts.fingerprint === current) index.staleIds.delete(facts.id);
        else index.staleIds.add(facts.id);
      }
      if (facts.status === 'pending' || facts.status === 'error') {
        index.dbResync.count++;
        index.dbResync.ids.push(facts.id);
        index.dbResync.lines.push(line);
      }
    }
  }
  for (const id of index.staleIds) index.doneIds.delete(id);
  return index;
}
