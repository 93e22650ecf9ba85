/**
 * Catalog mode writes into a table the user owns. Before the first write, make sure it is there
 * with the columns the update needs, so a wrong target fails at start with exit 3 instead of
 * turning every record into `error`.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { ConfigError } from '../core/errors.js';
import { describeDbError } from './db-errors.js';
import type { SecretScrubber } from './redact.js';
import type { StoreDatabase } from './schema.js';
import { pgIdType, sqliteIdType, type CatalogIdType } from './catalog-ids.js';

/**
 * Checks `id`, `bio` and `updated_at` exist in the catalog table and returns the type of its
 * `id` column (uuid, integer or text; another PostgreSQL type is refused).
 * @throws ConfigError
 */
export async function checkCatalogTable(
  db: Kysely<StoreDatabase>,
  kind: 'sqlite' | 'postgres',
  table: RawBuilder<unknown>,
  tableName: string,
  scrub: SecretScrubber,
): Promise<CatalogIdType> {
  try {
    await sql`SELECT id, bio, updated_at FROM ${table} WHERE 1 = 0`.execute(db);
  } catch (error) {
    throw new ConfigError(
      `Catalog table ${tableName} cannot be updated: ${describeDbError(error, scrub)}. ` +
        'Catalog mode (--db-target catalog) updates an existing table with columns id, bio and updated_at; ' +
        'use --db-target store to keep bios in the tool’s own table instead.',
      { cause: error },
    );
  }
  if (kind !== 'postgres') {
    const { rows } = await sql<{ type: string }>`
      SELECT type FROM pragma_table_info(${tableName}) WHERE name = 'id'`.execute(db);
    return sqliteIdType(rows[0]?.type ?? '');
  }
  // The outer join yields one row even for an empty table, and pg_typeof of its NULL still
  // reports the column's declared type.
  const { rows } = await sql<{ type: string }>`
    SELECT pg_typeof(t.id)::text AS type FROM (SELECT 1) AS one LEFT JOIN ${table} AS t ON false`.execute(db);
  const type = rows[0]?.type ?? 'text';
  const idType = pgIdType(type);
  if (idType === undefined) {
    throw new ConfigError(
      `Catalog table ${tableName} has an id column of type ${type}; catalog mode takes uuid, integer (smallint, integer, bigint) or text ids`,
    );
  }
  return idType;
}
