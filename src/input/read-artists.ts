/** The input reader (DESIGN §3.4): streams the CSV file as classified rows. */
import { RowClassifier } from './classify.js';
import { readCsvTokens } from './csv-rows.js';
import type { InputScan, ReadArtistsOptions, ReadItem } from './types.js';

/**
 * Streams the artists of a CSV file, one classified row at a time, in file order. Never loads
 * the file whole; memory grows only with the set of ids seen (for duplicates).
 *
 * - `artist`: a valid row, id/name/data trimmed, empty data as undefined.
 * - `already-done`: a valid row whose id is in `options.skipIds`.
 * - `skip`: a blank line, a comment (first field starts with `#`) or a header row.
 * - `error`: a bad row (too few columns, missing id or name, duplicate id, unterminated quote,
 *   oversized row), with a `reason` meant for `Line N: <reason>, skipping`. Reading goes on after it.
 *
 * @throws InputError when the file is missing, unreadable, a directory, not UTF-8, or has a header
 *   without an id or name column. Thrown from the first `next()`, or mid-stream for bad bytes.
 */
export async function* readArtists(
  path: string,
  options: ReadArtistsOptions = {},
): AsyncGenerator<ReadItem, void, undefined> {
  const classifier = new RowClassifier(path, options.skipIds);
  for await (const batch of readCsvTokens(path)) {
    for (const token of batch) yield classifier.classify(token);
  }
}

/**
 * Reads the whole file once and counts what {@link readArtists} would yield, without keeping the
 * rows. Used to know the total before the run and to fail early on an input with no valid artist.
 * @throws InputError like {@link readArtists}.
 */
export async function scanInput(path: string, options: ReadArtistsOptions = {}): Promise<InputScan> {
  const scan: InputScan = { valid: 0, skipped: 0, errors: 0, duplicates: 0, alreadyDone: 0 };
  const classifier = new RowClassifier(path, options.skipIds);
  for await (const batch of readCsvTokens(path)) {
    for (const token of batch) {
      const item = classifier.classify(token);
      if (item.type === 'artist') scan.valid++;
      else if (item.type === 'already-done') scan.alreadyDone++;
      else if (item.type === 'skip') scan.skipped++;
      else {
        scan.errors++;
        if (item.kind === 'duplicate_id') scan.duplicates++;
      }
    }
  }
  return scan;
}
