/**
 * Gives tokenized rows their meaning: artist, already done, skip or error. Internal.
 *
 * Rows are judged from their bytes wherever that is exact (see {@link RecordView}), so that a pass
 * that only counts makes no string per row; strings are made only for what a caller asks for.
 */
import type { Artist } from '../core/types.js';
import { detectHeader, isRepeatedHeader, POSITIONAL_COLUMNS, type ColumnMap } from './columns.js';
import { UNSURE, type RecordView } from './csv-record.js';
import { MAX_RECORD_BYTES } from './csv-rows.js';
import type { BadProblem } from './csv-tokenizer.js';
import { DONE, FirstSeenIndex, NEW } from './id-index.js';
import type { ReadItem, RowErrorItem, RowErrorKind } from './types.js';

/** The class of a row; `error` details come from {@link RowClassifier.error}. */
export type RowClass = 'artist' | 'already-done' | 'blank' | 'comment' | 'header' | 'error';

const TOO_LARGE = `row larger than ${MAX_RECORD_BYTES / 1024 / 1024} MiB (a quote left open?)`;

const REASONS: Readonly<Record<Exclude<RowErrorKind, 'duplicate_id'>, string>> = {
  too_few_columns: 'too few columns (need artist_id,artist_name)',
  missing_id: 'missing artist id',
  missing_name: 'missing artist name',
  unterminated_quote: 'unterminated quoted field',
  too_large: TOO_LARGE,
  nul_byte: 'contains a NUL byte (\\0), which no database text column accepts',
};

/** The error item of a record the tokenizer could not read. */
export function badItem(line: number, problem: BadProblem): RowErrorItem {
  return { type: 'error', line, kind: problem, reason: REASONS[problem] };
}

/** The trimmed value of field `i`, which must exist. */
function trimmed(view: RecordView, i: number): string {
  return (view.text(i) ?? '').trim();
}

/**
 * The artist of a row already known to be valid under `columns`.
 * @param id the trimmed id when the caller already made it.
 */
export function toArtist(view: RecordView, columns: ColumnMap, id?: string): Artist {
  const data = columns.data === undefined ? undefined : view.text(columns.data)?.trim();
  return {
    id: id ?? trimmed(view, columns.id),
    name: trimmed(view, columns.name),
    data: data === undefined || data === '' ? undefined : data,
    line: view.line,
  };
}

/** Whether a data row has both cells under `columns` (the checks of a valid artist, duplicates aside). */
export function hasArtistCells(view: RecordView, columns: ColumnMap): boolean {
  return (
    columns.id < view.count && columns.name < view.count && !view.isBlank(columns.id) && !view.isBlank(columns.name)
  );
}

let keyScratch = Buffer.allocUnsafe(256);

/** Stateful classifier of one file's rows, fed in file order. */
export class RowClassifier {
  readonly #path: string;
  // id → line of its first row (and the done ids); the only structure that grows with the file.
  readonly #firstSeen = new FirstSeenIndex();
  /** Undefined until the first content row says whether there is a header. */
  #columns: ColumnMap | undefined;
  // Details of the row just classified.
  #errorKind: RowErrorKind = 'too_few_columns';
  #firstLine = 0;
  #id: string | undefined;

  /**
   * @param path named in errors.
   * @param skipIds ids whose rows are `already-done`.
   */
  constructor(path: string, skipIds: ReadonlySet<string> | undefined) {
    this.#path = path;
    // One probe per row then answers both "duplicate?" and "already done?".
    if (skipIds !== undefined) this.#firstSeen.markDone(skipIds);
  }

  /** The column layout, once the first content row has set it. */
  get columns(): ColumnMap | undefined {
    return this.#columns;
  }

  /** The kind of the row just classified as `error` (cheaper than {@link RowClassifier.error}). */
  get errorKind(): RowErrorKind {
    return this.#errorKind;
  }

  /** @throws InputError for a header without an id or a name column. */
  classify(view: RecordView): RowClass {
    this.#id = undefined;
    if (view.count === 1 && view.isBlank(0)) return 'blank';
    // The tokenizer already drops unquoted comment lines; this catches `"# quoted",x` and the like.
    if (view.startsWithHash(0)) return 'comment';
    let columns = this.#columns;
    if (columns === undefined) {
      const header = detectHeader(view.texts(), this.#path, view.line);
      columns = this.#columns = header ?? POSITIONAL_COLUMNS;
      if (header !== undefined) return 'header';
    } else if (
      view.mayBeWord(columns.id) &&
      view.mayBeWord(columns.name) &&
      isRepeatedHeader(view.text(columns.id), view.text(columns.name))
    ) {
      return 'header';
    }
    if (columns.id >= view.count || columns.name >= view.count) return this.#fail('too_few_columns');
    if (view.hasNul()) return this.#fail('nul_byte');
    if (view.isBlank(columns.id)) return this.#fail('missing_id');
    if (view.isBlank(columns.name)) return this.#fail('missing_name');
    const first = this.#remember(view, columns.id);
    if (first === NEW) return 'artist';
    if (first === DONE) return 'already-done';
    this.#firstLine = first;
    return this.#fail('duplicate_id');
  }

  #fail(kind: RowErrorKind): 'error' {
    this.#errorKind = kind;
    return 'error';
  }

  /** Records the row's id; see {@link FirstSeenIndex.firstOrAdd} for the answer. */
  #remember(view: RecordView, field: number): number {
    const start = view.trimmedStart(field);
    const end = start === UNSURE ? UNSURE : view.trimmedEnd(field, start);
    if (end !== UNSURE) return this.#firstSeen.firstOrAdd(view.data, start, end, view.line);
    // Only decoding can trim this one (Unicode whitespace, or quotes to unescape): key it by its UTF-8.
    const id = trimmed(view, field);
    this.#id = id;
    const size = Buffer.byteLength(id);
    if (keyScratch.length < size) keyScratch = Buffer.allocUnsafe(size);
    keyScratch.write(id, 0, 'utf8');
    return this.#firstSeen.firstOrAdd(keyScratch, 0, size, view.line);
  }

  /** The error of the row just classified as `error`. */
  error(view: RecordView): RowErrorItem {
    const kind = this.#errorKind;
    if (kind !== 'duplicate_id') return { type: 'error', line: view.line, kind, reason: REASONS[kind] };
    const id = this.#id ?? trimmed(view, this.#columns?.id ?? 0);
    const reason = `duplicate artist_id '${id}' (first seen on line ${this.#firstLine})`;
    return { type: 'error', line: view.line, kind, reason };
  }

  /** The trimmed id of the row just classified as `artist` or `already-done`. */
  id(view: RecordView): string {
    return this.#id ?? trimmed(view, this.#columns?.id ?? 0);
  }

  /** The artist of the row just classified as `artist` or `already-done`. */
  artist(view: RecordView): Artist {
    return toArtist(view, this.#columns ?? POSITIONAL_COLUMNS, this.#id);
  }

  /** The item {@link readArtists} yields for the row just classified as `rowClass`. */
  item(view: RecordView, rowClass: RowClass): ReadItem {
    const { line } = view;
    switch (rowClass) {
      case 'artist':
        return { type: 'artist', artist: this.artist(view) };
      case 'already-done':
        return { type: 'already-done', line, artist: this.artist(view) };
      case 'error':
        return this.error(view);
      default:
        return { type: 'skip', line, reason: rowClass };
    }
  }
}
