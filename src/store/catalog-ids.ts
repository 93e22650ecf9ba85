/**
 * Catalog ids follow the catalog table's `id` column (docs/hostile-servers.md#catalog-id-types):
 * a uuid column takes UUIDs, an integer column takes whole numbers in its range (the test plan's
 * ids `1001…`), a text column takes any id. A mismatch is found before the first request.
 */
import { isUuid } from './records.js';

/** The kind of the catalog table's `id` column. */
export type CatalogIdType =
  | { kind: 'uuid' }
  | { kind: 'integer'; /** Largest value the column holds. */ max: bigint; /** Declared type. */ sqlType: string }
  | { kind: 'text'; sqlType: string };

const INTEGER = /^-?(0|[1-9][0-9]*)$/u;
const MAX_BY_PG_TYPE: Readonly<Record<string, bigint>> = {
  smallint: 32_767n,
  integer: 2_147_483_647n,
  bigint: 9_223_372_036_854_775_807n,
};
const PG_TEXT_TYPES = new Set(['text', 'character varying', 'character', 'name', 'citext']);

/** The id type of a PostgreSQL column from `pg_typeof`, or undefined when catalog mode cannot use it. */
export function pgIdType(pgType: string): CatalogIdType | undefined {
  if (pgType === 'uuid') return { kind: 'uuid' };
  const max = MAX_BY_PG_TYPE[pgType];
  if (max !== undefined) return { kind: 'integer', max, sqlType: pgType };
  if (PG_TEXT_TYPES.has(pgType)) return { kind: 'text', sqlType: pgType };
  return undefined;
}

/**
 * The id type of a SQLite column from its declared type, by SQLite's own affinity rules: a type
 * containing `INT` is an integer; one named `UUID` is taken at its word; anything else is text.
 */
export function sqliteIdType(declared: string): CatalogIdType {
  const upper = declared.toUpperCase();
  if (upper.includes('INT')) return { kind: 'integer', max: MAX_BY_PG_TYPE['bigint'] ?? 0n, sqlType: declared };
  if (upper === 'UUID') return { kind: 'uuid' };
  return { kind: 'text', sqlType: declared === '' ? 'untyped' : declared };
}

/** Words for the column type in messages: `uuid`, `integer (bigint)`, `text (varchar)`. */
export function describeIdType(type: CatalogIdType): string {
  if (type.kind === 'uuid') return 'uuid';
  return type.sqlType.toLowerCase() === type.kind ? type.kind : `${type.kind} (${type.sqlType})`;
}

/** Why `id` cannot go into a column of `type`, or undefined when it can. */
export function idProblem(id: string, type: CatalogIdType): string | undefined {
  if (type.kind === 'uuid')
    return isUuid(id) ? undefined : `id ${JSON.stringify(id)} is not a UUID (8-4-4-4-12 hex digits)`;
  if (type.kind === 'text') return undefined;
  if (!INTEGER.test(id)) return `id ${JSON.stringify(id)} is not a whole number without leading zeros`;
  const value = BigInt(id);
  if (value > type.max || value < -type.max - 1n) return `id ${id} is out of range for ${type.sqlType}`;
  return undefined;
}

/** The PostgreSQL array cast that matches the column, for `unnest(ids::<cast>)`. */
export function pgArrayCast(type: CatalogIdType): 'uuid[]' | 'bigint[]' | 'text[]' {
  return type.kind === 'uuid' ? 'uuid[]' : type.kind === 'integer' ? 'bigint[]' : 'text[]';
}
