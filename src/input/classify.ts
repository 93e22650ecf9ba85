/** Gives raw CSV tokens their meaning: artist, already done, skip or error. Internal. */
import type { Artist } from '../core/types.js';
import { detectHeader, isRepeatedHeader, POSITIONAL_COLUMNS, readCells, type ColumnMap } from './columns.js';
import { MAX_RECORD_BYTES } from './csv-rows.js';
import type { CsvToken } from './csv-tokenizer.js';
import { FirstSeenIndex } from './id-index.js';
import type { ReadItem } from './types.js';

function isBlank(fields: readonly string[]): boolean {
  return fields.length === 1 && (fields[0] ?? '').trim() === '';
}

function isComment(fields: readonly string[]): boolean {
  // The tokenizer already drops unquoted comment lines; this catches `"# quoted",x` and the like.
  return (fields[0] ?? '').trim().startsWith('#');
}

const TOO_LARGE = `row larger than ${MAX_RECORD_BYTES / 1024 / 1024} MiB (a quote left open?)`;

/** Stateful classifier of one file's tokens, fed in file order. */
export class RowClassifier {
  readonly #path: string;
  readonly #skipIds: ReadonlySet<string> | undefined;
  // id → line of its first row; the only structure that grows with the file.
  readonly #firstSeen = new FirstSeenIndex();
  /** Undefined until the first content row says whether there is a header. */
  #columns: ColumnMap | undefined;

  /**
   * @param path named in errors.
   * @param skipIds ids whose rows are `already-done`.
   */
  constructor(path: string, skipIds: ReadonlySet<string> | undefined) {
    this.#path = path;
    this.#skipIds = skipIds;
  }

  /** @throws InputError for a header without an id or a name column. */
  classify(token: CsvToken): ReadItem {
    const { line } = token;
    if (token.kind === 'comment') return { type: 'skip', line, reason: 'comment' };
    if (token.kind === 'bad') {
      return token.problem === 'unterminated_quote'
        ? { type: 'error', line, kind: 'unterminated_quote', reason: 'unterminated quoted field' }
        : { type: 'error', line, kind: 'too_large', reason: TOO_LARGE };
    }
    const { fields } = token;
    if (isBlank(fields)) return { type: 'skip', line, reason: 'blank' };
    if (isComment(fields)) return { type: 'skip', line, reason: 'comment' };
    if (this.#columns === undefined) {
      const header = detectHeader(fields, this.#path, line);
      this.#columns = header ?? POSITIONAL_COLUMNS;
      if (header !== undefined) return { type: 'skip', line, reason: 'header' };
    } else if (isRepeatedHeader(fields, this.#columns)) {
      return { type: 'skip', line, reason: 'header' };
    }
    const cells = readCells(fields, this.#columns);
    if ('kind' in cells) return { type: 'error', line, kind: cells.kind, reason: cells.reason };
    const first = this.#firstSeen.get(cells.id);
    if (first !== undefined) {
      return {
        type: 'error',
        line,
        kind: 'duplicate_id',
        reason: `duplicate artist_id '${cells.id}' (first seen on line ${first})`,
      };
    }
    this.#firstSeen.set(cells.id, line);
    const artist: Artist = { id: cells.id, name: cells.name, data: cells.data, line };
    return this.#skipIds?.has(cells.id) === true ? { type: 'already-done', line, artist } : { type: 'artist', artist };
  }
}
