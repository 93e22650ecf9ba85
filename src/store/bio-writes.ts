/**
 * The two write statements, one per target and engine, each covering a whole chunk of rows in
 * a single round trip. Callers run them inside a transaction.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { pgArrayCast, type CatalogIdType } from './catalog-ids.js';
import { BIO_TABLE, type ArtistBiosRow, type StoreDatabase } from './schema.js';

/** Most rows per statement: 13 parameters a row stays far below both engines' limits. */
export const ROWS_PER_STATEMENT = 1000;

/** A bio for an existing catalog row. */
export interface CatalogRow {
  id: string;
  bio: string;
}

/** Splits rows into statement-sized chunks. */
export function chunk<T>(rows: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** `schema.table` or `table`, quoted as identifiers. */
export function tableRef(table: string, schema: string | undefined): RawBuilder<unknown> {
  return schema === undefined ? sql.table(table) : sql.table(`${schema}.${table}`);
}

/**
 * Inserts or replaces `artist_bios` rows by `artist_id`. Returns, per id, whether the row was new.
 * Ids must be unique within `rows`.
 */
export async function upsertBios(
  db: Kysely<StoreDatabase>,
  kind: 'sqlite' | 'postgres',
  schema: string | undefined,
  rows: readonly ArtistBiosRow[],
): Promise<Map<string, 'inserted' | 'updated'>> {
  const result = new Map<string, 'inserted' | 'updated'>();
  if (rows.length === 0) return result;
  const scoped = schema === undefined ? db : db.withSchema(schema);
  const insert = scoped
    .insertInto(BIO_TABLE)
    .values([...rows])
    .onConflict((oc) =>
      oc.column('artist_id').doUpdateSet((eb) => ({
        artist_name: eb.ref('excluded.artist_name'),
        bio: eb.ref('excluded.bio'),
        response_id: eb.ref('excluded.response_id'),
        prompt_id: eb.ref('excluded.prompt_id'),
        prompt_version: eb.ref('excluded.prompt_version'),
        model: eb.ref('excluded.model'),
        input_tokens: eb.ref('excluded.input_tokens'),
        output_tokens: eb.ref('excluded.output_tokens'),
        total_tokens: eb.ref('excluded.total_tokens'),
        sources: eb.ref('excluded.sources'),
        generated_at: eb.ref('excluded.generated_at'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    );
  if (kind === 'postgres') {
    // xmax is 0 only on a row version created by an INSERT, so it tells new rows from updates
    // without a second round trip.
    const returned = await insert.returning(['artist_id', sql<boolean>`(xmax = 0)`.as('inserted')]).execute();
    for (const row of returned) result.set(row.artist_id, row.inserted ? 'inserted' : 'updated');
    return result;
  }
  // SQLite runs in process, so asking which ids exist first costs no round trip.
  const existing = await scoped
    .selectFrom(BIO_TABLE)
    .select('artist_id')
    .where(
      'artist_id',
      'in',
      rows.map((r) => r.artist_id),
    )
    .execute();
  const known = new Set(existing.map((r) => r.artist_id));
  await insert.execute();
  for (const row of rows) result.set(row.artist_id, known.has(row.artist_id) ? 'updated' : 'inserted');
  return result;
}

/**
 * `UPDATE <table> SET bio, updated_at WHERE id` for a whole chunk. Returns the ids that matched
 * a row; the others do not exist in the catalog. Ids must be unique within `rows`.
 */
export async function updateCatalog(
  db: Kysely<StoreDatabase>,
  kind: 'sqlite' | 'postgres',
  table: RawBuilder<unknown>,
  rows: readonly CatalogRow[],
  idType: CatalogIdType,
): Promise<Set<string>> {
  const updated = new Set<string>();
  if (rows.length === 0) return updated;
  if (kind === 'postgres') {
    // Two array parameters instead of 2·n scalars; the position column maps results back to the
    // ids as written (uuid text may differ in case from what PostgreSQL returns).
    const ids = rows.map((r) => r.id);
    const bios = rows.map((r) => r.bio);
    const positions = rows.map((_, i) => i);
    const { rows: returned } = await sql<{ pos: number }>`
      UPDATE ${table} AS t SET bio = v.bio, updated_at = now()
      FROM unnest(${ids}::${sql.raw(pgArrayCast(idType))}, ${bios}::text[], ${positions}::int[]) AS v(id, bio, pos)
      WHERE t.id = v.id
      RETURNING v.pos`.execute(db);
    for (const { pos } of returned) {
      const row = rows[pos];
      if (row !== undefined) updated.add(row.id);
    }
    return updated;
  }
  // SQLite's RETURNING may only name the updated table, so results map back by id text.
  const values = sql.join(rows.map((r) => sql`(${r.id}, ${r.bio})`));
  const { rows: returned } = await sql<{ id: unknown }>`
    UPDATE ${table} SET bio = v.column2, updated_at = CURRENT_TIMESTAMP
    FROM (VALUES ${values}) AS v
    WHERE ${table}.id = v.column1
    RETURNING id`.execute(db);
  for (const { id } of returned) updated.add(String(id));
  return updated;
}
