/** The input reader (docs/architecture.md#input): streams the CSV file as classified rows. */
import { badItem, RowClassifier } from './classify.js';
import type { RecordView } from './csv-record.js';
import { openCsv, scanCsv } from './csv-rows.js';
import type { BadProblem, RecordSink } from './csv-tokenizer.js';
import type { ReadArtistsOptions, ReadItem } from './types.js';

/** Collects one item per record, handed on after each chunk. */
class ItemSink implements RecordSink {
  readonly #classifier: RowClassifier;
  items: ReadItem[] = [];

  constructor(classifier: RowClassifier) {
    this.#classifier = classifier;
  }

  row(view: RecordView): void {
    this.items.push(this.#classifier.item(view, this.#classifier.classify(view)));
  }

  comment(line: number): void {
    this.items.push({ type: 'skip', line, reason: 'comment' });
  }

  bad(line: number, problem: BadProblem): void {
    this.items.push(badItem(line, problem));
  }
}

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
  const sink = new ItemSink(new RowClassifier(path, options.skipIds));
  for await (const _ of scanCsv(await openCsv(path), sink)) {
    const { items } = sink;
    // A fresh array per chunk: the consumer may hold on to the items while the next chunk is read.
    sink.items = [];
    for (const item of items) yield item;
  }
}
