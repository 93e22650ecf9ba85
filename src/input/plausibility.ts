/**
 * Whether a file looks like an artist list at all, judged before any request is paid for. See
 * docs/hostile-servers.md#junk-input.
 */
import { InputError } from '../core/errors.js';
import type { Artist } from '../core/types.js';

const HAS_DIGIT = /\d/;
const LABEL = /^[\p{L}][\p{L} _.-]*$/u;
const ID_LABEL = /(?:id|key|code|uuid|identifier|number|no)$/i;
const NAME_LABEL = /name|artist|title|band|performer|act/i;
/** Rows a file needs before "most rows invalid" refuses it. */
const MIN_ROWS_FOR_RATIO = 20;
/** An id without spaces or markup: letters, digits and `_ . : / -`. */
const PLAUSIBLE_ID = /^[\p{L}\p{N}_.:/-]{1,128}$/u;

/**
 * True when a first row is a header with column names the tool does not know (e.g.
 * `ArtistID,ArtistName,Description`): its id cell is a label with no digit that reads like an
 * id column, and its name cell is a label that reads like a name column. No real id looks like that.
 */
export function looksLikeUnnamedHeader(fields: readonly string[]): boolean {
  if (fields.length < 2) return false;
  const id = (fields[0] ?? '').trim();
  const name = (fields[1] ?? '').trim();
  if (HAS_DIGIT.test(id) || HAS_DIGIT.test(name) || !LABEL.test(id) || !LABEL.test(name)) return false;
  return ID_LABEL.test(id.replace(/[\s_.-]/g, '')) && NAME_LABEL.test(name);
}

/** True when `id` could be an artist id (no spaces, quotes or markup). */
export function isPlausibleId(id: string): boolean {
  return PLAUSIBLE_ID.test(id);
}

/** What the input scan found, as far as the plausibility check needs it. */
export interface ScanFigures {
  valid: number;
  errors: number;
  /** The first valid artists. */
  preview: readonly Artist[];
}

/**
 * Refuses an input that does not look like an artist file: most rows invalid, or most of its
 * first artists with ids no catalog would use (`--input README.md`). `--force` skips the check.
 * @throws InputError (exit 1) naming the figures and the way out
 */
export function checkLooksLikeArtists(path: string, scan: ScanFigures): void {
  const rows = scan.valid + scan.errors;
  if (rows === 0) return;
  const reasons: string[] = [];
  // A handful of rows is judged by its ids only: a few bad rows in a small file are a typo, not junk.
  if (rows >= MIN_ROWS_FOR_RATIO && scan.errors > scan.valid) {
    reasons.push(`${String(scan.errors)} of its ${String(rows)} rows are invalid`);
  }
  const implausible = scan.preview.filter((a) => !isPlausibleId(a.id));
  if (scan.preview.length > 0 && implausible.length * 2 > scan.preview.length) {
    const sample = implausible
      .slice(0, 3)
      .map((a) => `line ${String(a.line)}: "${a.id.slice(0, 40)}"`)
      .join('; ');
    reasons.push(
      `${String(implausible.length)} of its first ${String(scan.preview.length)} artists have ids no catalog would use (${sample})`,
    );
  }
  if (reasons.length === 0) return;
  throw new InputError(
    `Input ${path} does not look like an artist file: ${reasons.join(', and ')}. Nothing was sent. ` +
      `Expected CSV rows artist_id,artist_name[,artist_data]; pass --force to process its ${String(scan.valid)} valid rows anyway.`,
  );
}
