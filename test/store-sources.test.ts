import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { OutputRecord } from '../src/core/types.js';
import { openBioStore } from '../src/store/index.js';

const PG_URL = process.env.PG_URL;
const noPg = PG_URL === undefined || PG_URL === '' ? 'PG_URL is not set (run scripts/ci-services.sh)' : false;

const SOURCES = [
  { url: 'https://example.org/a', title: 'Page A' },
  { url: 'https://example.org/b', title: 'Page "B"' },
];

function record(id: string, extra: Partial<OutputRecord> = {}): OutputRecord {
  return {
    artist_id: id,
    artist_name: `Artist ${id}`,
    request: { model: 'gpt-6-luna', variables: { artist_name: `Artist ${id}`, artist_data: '' } },
    response_text: `Bio of ${id}`,
    response_id: `resp_${id}`,
    created: 1_700_000_000,
    model: 'gpt-6-luna',
    usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30 },
    attempts: 1,
    duration_ms: 12,
    db_status: 'pending',
    error: null,
    ...extra,
  };
}

/** The first release's table, as an existing database has it (migration 001 applied, no sources). */
const OLD_TABLE = `CREATE TABLE artist_bios (artist_id text PRIMARY KEY, artist_name text NOT NULL, bio text NOT NULL,
  response_id text, prompt_id text, prompt_version text, model text, input_tokens integer, output_tokens integer,
  total_tokens integer, generated_at text, updated_at text NOT NULL)`;

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'store-sources-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sqliteRows(file: string): { artist_id: string; sources: string | null }[] {
  const db = new Database(file, { readonly: true });
  const rows = db.prepare('SELECT artist_id, sources FROM artist_bios ORDER BY artist_id').all() as {
    artist_id: string;
    sources: string | null;
  }[];
  db.close();
  return rows;
}

describe('sources in SQLite', () => {
  test('a grounded bio stores its sources as JSON text; an ungrounded one stores NULL; an update replaces them', async () => {
    const file = path.join(dir, 'new.sqlite');
    const store = await openBioStore({ sqlitePath: file, target: 'store', testMode: false });
    assert.deepEqual(await store.write([record('1', { sources: SOURCES }), record('2')]), ['inserted', 'inserted']);
    let rows = sqliteRows(file);
    assert.deepEqual(JSON.parse(rows[0]?.sources ?? 'null'), SOURCES);
    assert.equal(rows[1]?.sources, null);
    assert.deepEqual(await store.write([record('1'), record('2', { sources: SOURCES.slice(0, 1) })]), [
      'updated',
      'updated',
    ]);
    await store.close();
    rows = sqliteRows(file);
    assert.equal(rows[0]?.sources, null, 'a regenerated bio without sources does not keep stale ones');
    assert.deepEqual(JSON.parse(rows[1]?.sources ?? 'null'), [SOURCES[0]]);
    const db = new Database(file, { readonly: true });
    const urls = db
      .prepare("SELECT j.value ->> 'url' AS url FROM artist_bios, json_each(artist_bios.sources) AS j")
      .all() as { url: string }[];
    db.close();
    assert.deepEqual(urls, [{ url: 'https://example.org/a' }], 'json_each reads the column');
  });

  test('an existing database without the column gains it on open, keeps its rows, and opening again changes nothing', async () => {
    const file = path.join(dir, 'old.sqlite');
    const old = new Database(file);
    old.exec(OLD_TABLE);
    old.exec("INSERT INTO artist_bios (artist_id, artist_name, bio, updated_at) VALUES ('old', 'Old', 'kept', 'x')");
    old.close();
    const logs: string[] = [];
    const store = await openBioStore(
      { sqlitePath: file, target: 'store', testMode: false },
      { log: (_level, message) => logs.push(message) },
    );
    assert.ok(
      logs.some((m) => m.includes('2026_12_01_001_add_sources')),
      logs.join('\n'),
    );
    assert.deepEqual(await store.write([record('new', { sources: SOURCES })]), ['inserted']);
    await store.close();
    const rows = sqliteRows(file);
    assert.deepEqual(
      rows.map((r) => [r.artist_id, r.sources === null ? null : (JSON.parse(r.sources) as unknown[]).length]),
      [
        ['new', 2],
        ['old', null],
      ],
    );
    const again: string[] = [];
    const reopened = await openBioStore(
      { sqlitePath: file, target: 'store', testMode: false },
      { log: (_level, message) => again.push(message) },
    );
    await reopened.close();
    assert.ok(!again.some((m) => m.includes('Applied database migration')), again.join('\n'));
  });

  test('a table that already has a sources column (added by hand) is migrated without an error', async () => {
    const file = path.join(dir, 'hand.sqlite');
    const old = new Database(file);
    old.exec(OLD_TABLE);
    old.exec('ALTER TABLE artist_bios ADD COLUMN sources text');
    old.close();
    const store = await openBioStore({ sqlitePath: file, target: 'store', testMode: false });
    assert.deepEqual(await store.write([record('1', { sources: SOURCES })]), ['inserted']);
    await store.close();
    assert.equal(sqliteRows(file).length, 1);
  });
});

describe('sources in PostgreSQL', { skip: noPg }, () => {
  const schema = `store_src_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  before(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
  });
  after(async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  });

  test('an existing table gains a jsonb sources column once; grounded bios store their pages there', async () => {
    await admin.query(`SET search_path TO ${schema}`);
    await admin.query(
      OLD_TABLE.replace('generated_at text, updated_at text', 'generated_at timestamptz, updated_at timestamptz'),
    );
    await admin.query(
      "INSERT INTO artist_bios (artist_id, artist_name, bio, updated_at) VALUES ('old', 'Old', 'kept', now())",
    );
    const open = () => openBioStore({ url: PG_URL ?? '', target: 'store', testMode: false, schema, poolSize: 1 });
    const store = await open();
    assert.deepEqual(await store.write([record('1', { sources: SOURCES }), record('2')]), ['inserted', 'inserted']);
    await store.close();
    const reopened = await open();
    await reopened.close();
    const { rows } = await admin.query<{ artist_id: string; sources: unknown; type: string }>(
      `SELECT artist_id, sources, pg_typeof(sources)::text AS type FROM ${schema}.artist_bios ORDER BY artist_id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.artist_id, r.sources]),
      [
        ['1', SOURCES],
        ['2', null],
        ['old', null],
      ],
    );
    assert.ok(rows.every((r) => r.type === 'jsonb'));
  });
});
