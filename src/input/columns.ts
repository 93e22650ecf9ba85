/** Header detection and the mapping of CSV fields to artist columns. */
import { InputError } from '../core/errors.js';
import { looksLikeUnnamedHeader } from './plausibility.js';

/** Where each artist column sits in a row (0-based field indexes). */
export interface ColumnMap {
  id: number;
  name: number;
  /** undefined when a header has no data column. */
  data: number | undefined;
}

/** The layout of a file without a header: `artist_id,artist_name,artist_data`. */
export const POSITIONAL_COLUMNS: ColumnMap = { id: 0, name: 1, data: 2 };

// Listed by preference: with both `id` and `artist_id` present, `artist_id` is the artist's id.
const ID_NAMES = ['artist_id', 'id', 'uuid'] as const;
const NAME_NAMES = ['artist_name', 'name'] as const;
const DATA_NAMES = ['artist_data', 'data'] as const;
const ALL_NAMES: ReadonlySet<string> = new Set<string>([...ID_NAMES, ...NAME_NAMES, ...DATA_NAMES]);

function normalise(field: string | undefined): string {
  return (field ?? '').trim().toLowerCase();
}

function findColumn(names: readonly string[], normalised: readonly string[]): number | undefined {
  for (const name of names) {
    const index = normalised.indexOf(name);
    if (index !== -1) return index;
  }
  return undefined;
}

/**
 * Reads the first content row of a file. Returns the column map when the row is a header (its
 * first field is a recognised column name, or it names both an id and a name column), or
 * undefined when it is a data row.
 * @throws InputError when the row is a header without an id or a name column: no row could be valid.
 */
export function detectHeader(fields: readonly string[], path: string, line: number): ColumnMap | undefined {
  const normalised = fields.map(normalise);
  const id = findColumn(ID_NAMES, normalised);
  const name = findColumn(NAME_NAMES, normalised);
  const firstIsName = ALL_NAMES.has(normalised[0] ?? '');
  if (!firstIsName && (id === undefined || name === undefined)) {
    // Column names we do not know, but a header all the same: positional columns.
    if (looksLikeUnnamedHeader(fields)) return { id: 0, name: 1, data: fields.length > 2 ? 2 : undefined };
    return undefined;
  }
  const found = fields.map((field) => field.trim()).join(', ');
  if (id === undefined) {
    throw new InputError(
      `Input file ${path}: the header on line ${line} has no artist id column ` +
        `(expected one of ${ID_NAMES.join(', ')}; found: ${found})`,
    );
  }
  if (name === undefined) {
    throw new InputError(
      `Input file ${path}: the header on line ${line} has no artist name column ` +
        `(expected one of ${NAME_NAMES.join(', ')}; found: ${found})`,
    );
  }
  return { id, name, data: findColumn(DATA_NAMES, normalised) };
}

/**
 * True when a later row repeats the header (files concatenated with their headers): its id
 * and name cells (undefined when the row is too short) are column names rather than an artist.
 */
export function isRepeatedHeader(idCell: string | undefined, nameCell: string | undefined): boolean {
  return (
    (ID_NAMES as readonly string[]).includes(normalise(idCell)) &&
    (NAME_NAMES as readonly string[]).includes(normalise(nameCell))
  );
}
