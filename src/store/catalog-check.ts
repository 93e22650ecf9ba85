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

/** Checks `id`, `bio` and `updated_at` exist in the catalog table (and that `id` is a uuid on PostgreSQL). */
export async function checkCatalogTable(
  db: Kysely<StoreDatabase>,
  kind: 'sqlite' | 'postgres',
  table: RawBuilder<unknown>,
  tableName: string,
  scrub: SecretScrubber,
): Promise<void> {
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
  if (kind !== 'postgres') return;
  // The outer join yields one row even for an empty table, and pg_typeof of its NULL still
  // reports the column's declared type.
  const { rows } = await sql<{ type: string }>`
    SELECT pg_typeof(t.id)::text AS type FROM (SELECT 1) AS one LEFT JOIN ${table} AS t ON false`.execute(db);
  const type = rows[0]?.type;
  if (type !== undefined && type !== 'uuid') {
    throw new ConfigError(`Catalog table ${tableName} has an id column of type ${type}; catalog mode expects uuid`);
  }
}
