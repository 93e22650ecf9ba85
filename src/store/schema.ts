/**
 * The tool's own table and its migrations. Migrations are code (not files) so they ship inside
 * `dist/`. They only ever touch `artist_bios` and Kysely's bookkeeping tables; the user's catalog
 * tables are never created or altered.
 */
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { errorCode } from './db-errors.js';

/** Name of the bio table in store mode. */
export const BIO_TABLE = 'artist_bios';

/** Row of `artist_bios` as written by the store. Timestamps are ISO 8601 strings on input. */
export interface ArtistBiosRow {
  artist_id: string;
  artist_name: string;
  bio: string;
  response_id: string | null;
  prompt_id: string | null;
  prompt_version: string | null;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  /**
   * Pages a grounded bio cites, as JSON text (`[{"url","title"}]`); null when it cites none.
   * PostgreSQL keeps it as `jsonb`, SQLite as `text` (read it with `json_each`).
   */
  sources: string | null;
  generated_at: string | null;
  updated_at: string;
}

/** Kysely view of the tables the store writes through the query builder. */
export interface StoreDatabase {
  artist_bios: ArtistBiosRow;
}

/**
 * Builds the migration set. PostgreSQL gets `timestamptz` columns; SQLite stores ISO text.
 * Keys sort in the order they must run.
 */
export function buildMigrations(kind: 'sqlite' | 'postgres', schema: string | undefined): Record<string, Migration> {
  const timestamp = kind === 'postgres' ? sql`timestamptz` : sql`text`;
  return {
    '2026_01_01_001_create_artist_bios': {
      async up(db: Kysely<unknown>) {
        const builder = schema === undefined ? db.schema : db.schema.withSchema(schema);
        await builder
          .createTable(BIO_TABLE)
          .ifNotExists()
          .addColumn('artist_id', 'text', (col) => col.primaryKey())
          .addColumn('artist_name', 'text', (col) => col.notNull())
          .addColumn('bio', 'text', (col) => col.notNull())
          .addColumn('response_id', 'text')
          .addColumn('prompt_id', 'text')
          .addColumn('prompt_version', 'text')
          .addColumn('model', 'text')
          .addColumn('input_tokens', 'integer')
          .addColumn('output_tokens', 'integer')
          .addColumn('total_tokens', 'integer')
          .addColumn('generated_at', timestamp)
          .addColumn('updated_at', timestamp, (col) => col.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        const builder = schema === undefined ? db.schema : db.schema.withSchema(schema);
        await builder.dropTable(BIO_TABLE).ifExists().execute();
      },
    },
    '2026_12_01_001_add_sources': {
      async up(db: Kysely<unknown>) {
        // Idempotent: a table that already has the column (added by hand, say) is left alone.
        if (kind === 'postgres') {
          const table = schema === undefined ? sql.table(BIO_TABLE) : sql.table(`${schema}.${BIO_TABLE}`);
          await sql`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS sources jsonb`.execute(db);
          return;
        }
        const { rows } = await sql<{ name: string }>`SELECT name FROM pragma_table_info(${BIO_TABLE})`.execute(db);
        if (rows.some((r) => r.name === 'sources')) return;
        await db.schema.alterTable(BIO_TABLE).addColumn('sources', 'text').execute();
      },
      async down(db: Kysely<unknown>) {
        const builder = schema === undefined ? db.schema : db.schema.withSchema(schema);
        await builder.alterTable(BIO_TABLE).dropColumn('sources').execute();
      },
    },
  };
}

/** Brings `artist_bios` to the latest version; throws the migration's error on failure. */
export async function migrateToLatest(
  db: Kysely<StoreDatabase>,
  kind: 'sqlite' | 'postgres',
  schema: string | undefined,
): Promise<string[]> {
  const migrations = buildMigrations(kind, schema);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (error === undefined) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    // The migrator lists every table of every schema; another session dropping a schema or
    // table meanwhile fails that listing by name. The catalog has moved on: look again.
    if (attempt < CATALOG_RACE_ATTEMPTS && CATALOG_RACE.has(errorCode(error) ?? '')) continue;
    throw error instanceof Error ? error : new Error('Database migration failed', { cause: error });
  }
}

/** SQLSTATEs of a catalog that changed under a query: schema or table dropped meanwhile. */
const CATALOG_RACE = new Set(['3F000', '42P01']);
const CATALOG_RACE_ATTEMPTS = 5;
