import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { BioGenError, InputError } from '../core/errors.js';
import { readArtists } from '../input/index.js';

/** Kinds of problems `validate` finds in an output JSONL. */
export type ValidationIssueKind =
  | 'invalid_json'
  | 'not_object'
  | 'missing_field'
  | 'error_set'
  | 'too_short'
  | 'duplicate'
  | 'torn_line'
  | 'blank_line'
  | 'empty_file';

/** One problem, on one line of the output (line 0 for the whole file). */
export interface ValidationIssue {
  line: number;
  kind: ValidationIssueKind;
  /** The record's artist id, when it could be read. */
  artistId: string | null;
  message: string;
}

/** Comparison of the output with the input CSV. */
export interface InputComparison {
  path: string;
  /** Valid artists in the input. */
  artists: number;
  /** Input rows rejected by the reader (bad or duplicate rows). */
  rowErrors: number;
  /** Input artist ids with no line in the output, in input order. */
  missing: string[];
  /** Output artist ids that are not valid artists of the input, in output order. */
  extra: string[];
}

/** What `validate` found. */
export interface ValidationResult {
  outputPath: string;
  /** True when there is no issue and, with an input, nothing missing or extra. */
  ok: boolean;
  minLength: number;
  /** Physical lines in the file (an unterminated last line counts). */
  lines: number;
  /** Lines that passed every check. */
  validRecords: number;
  /** Distinct artist ids seen (torn last line excluded). */
  uniqueIds: number;
  issueCounts: Partial<Record<ValidationIssueKind, number>>;
  issues: ValidationIssue[];
  input: InputComparison | null;
  /**
   * Successful lines per `prompt_fingerprint` (key `none` for lines without one), in order of
   * first appearance. More than one key is a warning, not a failure: the output mixes bios
   * written by different prompts (`run --resume --redo-stale` regenerates the stale ones).
   */
  promptFingerprints: Record<string, number>;
}

/** Key of {@link ValidationResult.promptFingerprints} for lines without a fingerprint. */
export const NO_FINGERPRINT = 'none';

/** The fingerprint of a successful record, `none` when absent; undefined for failure lines. */
function fingerprintOf(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
  const fields = record as Record<string, unknown>;
  if (fields.error !== null && fields.error !== undefined) return undefined;
  return typeof fields.prompt_fingerprint === 'string' ? fields.prompt_fingerprint : NO_FINGERPRINT;
}

/** Options of {@link validateOutput}. */
export interface ValidateOptions {
  /** The output JSONL to check. */
  outputPath: string;
  /** The input CSV whose every valid artist must be present. */
  inputPath?: string | undefined;
  /** Minimum length of `response_text`, in characters, after trimming. @default 50 */
  minLength?: number | undefined;
}

/** Fields every output line must have, with a string value. */
const STRING_FIELDS = ['artist_id', 'artist_name', 'response_text', 'response_id'] as const;

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

// Characters as people count them in a bio (code points), not UTF-16 units.
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

async function endsWithNewline(path: string, size: number): Promise<boolean> {
  if (size === 0) return true;
  const handle = await open(path, 'r');
  try {
    const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/**
 * Checks one parsed line of an output (shape, fields, null error, bio length); returns its issues
 * and the artist id if readable. Shared with `validate --repair`.
 */
export function checkRecord(
  record: unknown,
  line: number,
  minLength: number,
): { id: string | null; issues: ValidationIssue[] } {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return {
      id: null,
      issues: [
        { line, kind: 'not_object', artistId: null, message: `expected a JSON object, got ${describeType(record)}` },
      ],
    };
  }
  const fields = record as Record<string, unknown>;
  const rawId = fields['artist_id'];
  const id = typeof rawId === 'string' && rawId.trim() !== '' ? rawId : null;
  const issues: ValidationIssue[] = [];
  const issue = (kind: ValidationIssueKind, message: string): void => {
    issues.push({ line, kind, artistId: id, message });
  };
  for (const field of STRING_FIELDS) {
    const value = fields[field];
    if (value === undefined) issue('missing_field', `missing field "${field}"`);
    else if (typeof value !== 'string')
      issue('missing_field', `field "${field}" is ${describeType(value)}, expected a string`);
    else if (field === 'artist_id' && id === null) issue('missing_field', 'field "artist_id" is empty');
  }
  if (!('error' in fields)) issue('missing_field', 'missing field "error" (expected null)');
  else if (fields['error'] !== null)
    issue('error_set', `field "error" is not null: ${JSON.stringify(fields['error'])}`);
  const text = fields['response_text'];
  if (typeof text === 'string') {
    const length = codePoints(text.trim());
    if (length < minLength) issue('too_short', `response_text has ${length} characters, fewer than ${minLength}`);
  }
  return { id, issues };
}

async function compareWithInput(inputPath: string, present: ReadonlySet<string>): Promise<InputComparison> {
  const inputIds = new Set<string>();
  let rowErrors = 0;
  try {
    for await (const item of readArtists(inputPath)) {
      if (item.type === 'artist' || item.type === 'already-done') inputIds.add(item.artist.id);
      else if (item.type === 'error') rowErrors += 1;
    }
  } catch (error) {
    if (error instanceof BioGenError) throw error;
    throw new InputError(`Cannot read input file ${inputPath}: ${fileProblem(error)}`, { cause: error });
  }
  return {
    path: inputPath,
    artists: inputIds.size,
    rowErrors,
    missing: [...inputIds].filter((id) => !present.has(id)),
    extra: [...present].filter((id) => !inputIds.has(id)),
  };
}

/**
 * Checks an output JSONL the way the user's test plan does by hand, streaming it line by line:
 * every line parses, has `artist_id`, `artist_name`, `response_text`, `response_id` and a null
 * `error`, the text is at least `minLength` characters, no id appears twice, and the last line is
 * complete. With `inputPath`, every valid input artist must have a line and no line may belong to
 * an artist outside the input.
 * @throws InputError when the output (or input) file cannot be read
 */
export async function validateOutput(options: ValidateOptions): Promise<ValidationResult> {
  const { outputPath } = options;
  const minLength = options.minLength ?? 50;
  const info = await stat(outputPath).catch((error: unknown) => {
    throw new InputError(`Cannot read output file ${outputPath}: ${fileProblem(error)}`, { cause: error });
  });
  if (!info.isFile()) throw new InputError(`Output path is not a file: ${outputPath}`);
  const terminated = await endsWithNewline(outputPath, info.size);

  const issues: ValidationIssue[] = [];
  const firstLine = new Map<string, number>();
  const promptFingerprints = new Map<string, number>();
  let lines = 0;
  let validRecords = 0;

  const check = (text: string, line: number, isLast: boolean): void => {
    const torn = isLast && !terminated;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      if (text.trim() === '') {
        issues.push({ line, kind: 'blank_line', artistId: null, message: 'blank line' });
      } else if (isLast) {
        const why = torn ? 'unterminated and not valid JSON' : 'not valid JSON';
        issues.push({ line, kind: 'torn_line', artistId: null, message: `last line is torn (${why})` });
      } else {
        issues.push({
          line,
          kind: 'invalid_json',
          artistId: null,
          message: `not valid JSON: ${(error as Error).message}`,
        });
      }
      return;
    }
    if (torn) {
      // A record without its newline is what a crash mid-append leaves; the run's repair step
      // removes it, so the artist is not counted as present.
      issues.push({ line, kind: 'torn_line', artistId: null, message: 'last line has no terminating newline' });
      return;
    }
    const result = checkRecord(record, line, minLength);
    const fingerprint = result.id === null ? undefined : fingerprintOf(record);
    if (fingerprint !== undefined) promptFingerprints.set(fingerprint, (promptFingerprints.get(fingerprint) ?? 0) + 1);
    if (result.id !== null) {
      const seen = firstLine.get(result.id);
      if (seen === undefined) firstLine.set(result.id, line);
      else {
        result.issues.push({
          line,
          kind: 'duplicate',
          artistId: result.id,
          message: `artist_id ${JSON.stringify(result.id)} already on line ${seen}`,
        });
      }
    }
    if (result.issues.length === 0) validRecords += 1;
    issues.push(...result.issues);
  };

  // One line of look-behind: only at the end do we know which line was the last one.
  let pending: string | undefined;
  const reader = createInterface({ input: createReadStream(outputPath, 'utf8'), crlfDelay: Infinity });
  for await (const text of reader) {
    if (pending !== undefined) check(pending, lines, false);
    pending = text;
    lines += 1;
  }
  if (pending !== undefined) check(pending, lines, true);
  if (lines === 0) issues.push({ line: 0, kind: 'empty_file', artistId: null, message: 'the file has no records' });

  const input =
    options.inputPath === undefined ? null : await compareWithInput(options.inputPath, new Set(firstLine.keys()));
  const issueCounts: Partial<Record<ValidationIssueKind, number>> = {};
  for (const i of issues) issueCounts[i.kind] = (issueCounts[i.kind] ?? 0) + 1;

  return {
    outputPath,
    ok: issues.length === 0 && (input === null || (input.missing.length === 0 && input.extra.length === 0)),
    minLength,
    lines,
    validRecords,
    uniqueIds: firstLine.size,
    issueCounts,
    issues,
    input,
    promptFingerprints: Object.fromEntries(promptFingerprints),
  };
}

/** A file-system failure in words (`no such file`), not as a raw `ENOENT … stat` message. */
function fileProblem(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return error instanceof Error ? error.message : String(error);
}
