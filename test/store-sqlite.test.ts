import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { ConfigError } from '../src/core/errors.js';
import type { OutputRecord } from '../src/core/types.js';
import { openBioStore, type BioStore, type StoreLogLevel } from '../src/store/index.js';

function record(id: string, text: string, extra: Partial<OutputRecord> = {}): OutputRecord {
  return {
    artist_id: id,
    artist_name: `Artist ${id}`,
    request: { prompt_id: 'pmpt_1', version: '3', variables: { artist_name: `Artist ${id}`, artist_data: '' } },
    response_text: text,
    response_id: `resp_${id}`,
    created: 1_700_000_000,
    model: 'gpt-test',
    usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30 },
    attempts: 1,
    duration_ms: 12,
    db_status: 'pending',
    error: null,
    ...extra,
  };
}

const U1 = '123e4567-e89b-12d3-a456-426614174000';
const U2 = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
const U3 = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'store-sqlite-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function createCatalog(file: string, table: string, ids: string[]): void {
  const db = new Database(file);
  db.exec(`CREATE TABLE ${table} (id TEXT PRIMARY KEY, name TEXT NOT NULL, bio TEXT, updated_at TEXT)`);
  const insert = db.prepare(`INSERT INTO ${table} (id, name, bio, updated_at) VALUES (?, ?, NULL, '2000-01-01')`);
  for (const id of ids) insert.run(id, `Artist ${id}`);
  db.close();
}

describe('SQLite store mode', () => {
  test('opens the file in WAL mode and creates artist_bios', async () => {
    const file = path.join(dir, 'wal.sqlite');
    const store = await openBioStore({ sqlitePath: file, target: 'store', testMode: false });
    assert.equal(store.kind, 'sqlite');
    assert.match(store.describe(), /wal\.sqlite \(store mode, table artist_bios\)/);
    await store.close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const columns = (db.prepare('PRAGMA table_info(artist_bios)').all() as { name: string }[]).map((c) => c.name);
    db.close();
    assert.deepEqual(columns, [
      'artist_id',
      'artist_name',
      'bio',
      'response_id',
      'prompt_id',
      'prompt_version',
      'model',
      'input_tokens',
      'output_tokens',
      'total_tokens',
      'generated_at',
      'updated_at',
      'sources',
    ]);
  });

  test('writing the same records twice keeps one row per artist and the latest bio wins', async () => {
    const file = path.join(dir, 'upsert.sqlite');
    const store = await openBioStore({ sqlitePath: file, target: 'store', testMode: false });
    const first = await store.write([record('1001', 'first A'), record('1002', 'first B')]);
    assert.deepEqual(first, ['inserted', 'inserted']);
    // Same ids again, plus a repeat of 1001 inside one batch: the last one in the batch wins.
    const second = await store.write([
      record('1001', 'stale A'),
      record('1002', 'second B'),
      record('1001', 'second A'),
    ]);
    assert.deepEqual(second, ['updated', 'updated', 'updated']);
    await store.close();
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT * FROM artist_bios ORDER BY artist_id').all() as Record<string, unknown>[];
    db.close();
    assert.equal(rows.length, 2);
    assert.equal(rows[0]?.bio, 'second A');
    assert.equal(rows[1]?.bio, 'second B');
    assert.equal(rows[0]?.prompt_id, 'pmpt_1');
    assert.equal(rows[0]?.prompt_version, '3');
    assert.equal(rows[0]?.model, 'gpt-test');
    assert.equal(rows[0]?.total_tokens, 30);
    assert.equal(rows[0]?.generated_at, '2023-11-14T22:13:20.000Z');
    assert.match(String(rows[0]?.updated_at), /^\d{4}-\d\d-\d\dT/);
  });

  test('stores a name full of SQL verbatim', async () => {
    const file = path.join(dir, 'inject.sqlite');
    const evil = "Robert'); DROP TABLE artist_bios;--";
    const store = await openBioStore({ sqlitePath: file, target: 'store', testMode: false });
    assert.deepEqual(await store.write([record(evil, `Bio of ${evil}`, { artist_name: evil })]), ['inserted']);
    await store.close();
    const db = new Database(file, { readonly: true });
    const row = db.prepare('SELECT artist_id, artist_name, bio FROM artist_bios').get() as Record<string, string>;
    db.close();
    assert.deepEqual(row, { artist_id: evil, artist_name: evil, bio: `Bio of ${evil}` });
  });

  test('an empty bio is never written and reported as error', async () => {
    const file = path.join(dir, 'empty.sqlite');
    const messages: string[] = [];
    const store = await openBioStore(
      { sqlitePath: file, target: 'store', testMode: false },
      { log: (_l, m) => messages.push(m) },
    );
    assert.deepEqual(await store.write([record('1', '   '), record('2', 'ok')]), ['error', 'inserted']);
    await store.close();
    assert.ok(messages.some((m) => m.includes('"1"') && m.includes('empty')));
  });

  test('a write after close returns error instead of throwing', async () => {
    const store = await openBioStore({ sqlitePath: path.join(dir, 'closed.sqlite'), target: 'store', testMode: false });
    await store.close();
    await store.close();
    assert.deepEqual(await store.write([record('1', 'x')]), ['error']);
  });

  test('a file that cannot be created is a ConfigError', async () => {
    await assert.rejects(
      openBioStore({ sqlitePath: path.join(dir, 'missing-dir', 'x.sqlite'), target: 'store', testMode: false }),
      (error: unknown) => error instanceof ConfigError && /Cannot open SQLite database/.test(error.message),
    );
  });

  test('a database locked by another process is retried, then reported as error, then written once free', async () => {
    const file = path.join(dir, 'busy.sqlite');
    const logs: { level: StoreLogLevel; message: string }[] = [];
    const store = await openBioStore(
      { sqlitePath: file, target: 'store', testMode: false, busyTimeoutMs: 1 },
      { log: (level, message) => logs.push({ level, message }), retry: { attempts: 3, baseDelayMs: 5 } },
    );
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const statuses = await store.write([record('1', 'a'), record('2', 'b')]);
    assert.deepEqual(statuses, ['error', 'error']);
    assert.equal(logs.filter((l) => l.message.includes('retry')).length, 2, 'two retries after the first try');
    assert.ok(logs.some((l) => l.level === 'error' && l.message.includes('SQLITE_BUSY')));
    other.exec('ROLLBACK');
    other.close();
    assert.deepEqual(await store.write([record('1', 'a'), record('2', 'b')]), ['inserted', 'inserted']);
    await store.close();
  });

  // Speed is measured in bench/, not asserted here: a busy CI machine would make it flake.
  test('a thousand records go through in one batch, each reported inserted', async () => {
    const store = await openBioStore({ sqlitePath: path.join(dir, 'speed.sqlite'), target: 'store', testMode: false });
    const batch = Array.from({ length: 1000 }, (_, i) => record(String(i), `bio ${i}`));
    const statuses = await store.write(batch);
    await store.close();
    assert.equal(statuses.length, 1000);
    assert.equal(statuses.filter((s) => s === 'inserted').length, 1000);
  });
});

describe('SQLite catalog mode', () => {
  let file: string;
  let store: BioStore;
  const logs: string[] = [];
  before(async () => {
    file = path.join(dir, 'catalog.sqlite');
    createCatalog(file, 'artists', [U1, U2]);
    createCatalog(file, 'test_artists', [U3]);
    store = await openBioStore(
      { sqlitePath: file, target: 'catalog', testMode: false },
      { log: (_l, m) => logs.push(m) },
    );
  });
  after(async () => {
    await store.close();
  });

  test('updates existing rows and reports unknown ids as skipped', async () => {
    const statuses = await store.write([record(U1, 'bio one'), record(U3, 'not in artists'), record(U2, 'bio two')]);
    assert.deepEqual(statuses, ['updated', 'skipped', 'updated']);
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT id, bio, updated_at FROM artists ORDER BY id').all() as Record<string, string>[];
    const testRow = db.prepare('SELECT bio FROM test_artists').get() as { bio: string | null };
    db.close();
    assert.deepEqual(
      rows.map((r) => [r.id, r.bio]),
      [
        [U1, 'bio one'],
        [U2, 'bio two'],
      ],
    );
    assert.ok(
      rows.every((r) => r.updated_at !== '2000-01-01'),
      'updated_at is touched',
    );
    assert.equal(testRow.bio, null, 'test_artists untouched outside test mode');
  });

  test('a text id column takes any id; an integer one takes whole numbers and turns other ids into error', async () => {
    assert.deepEqual(await store.write([record('1001', 'numeric id'), record(U1, 'bio again')]), [
      'skipped',
      'updated',
    ]);
    const numeric = path.join(dir, 'numeric.sqlite');
    const db = new Database(numeric);
    db.exec('CREATE TABLE artists (id INTEGER PRIMARY KEY, bio TEXT, updated_at TEXT)');
    db.prepare('INSERT INTO artists (id) VALUES (1001)').run();
    db.close();
    logs.length = 0;
    const numbered = await openBioStore(
      { sqlitePath: numeric, target: 'catalog', testMode: false },
      { log: (_l, m) => logs.push(m) },
    );
    const statuses = await numbered.write([record('1001', 'one'), record('1002', 'two'), record(U1, 'uuid')]);
    await numbered.close();
    assert.deepEqual(statuses, ['updated', 'skipped', 'error']);
    assert.ok(
      logs.some((m) => m.includes(U1) && /not a whole number.*integer/.test(m)),
      logs.join('\n'),
    );
    const check = new Database(numeric, { readonly: true });
    assert.deepEqual(check.prepare('SELECT id, bio FROM artists').all(), [{ id: 1001, bio: 'one' }]);
    check.close();
  });

  test('test mode writes test_artists', async () => {
    const testStore = await openBioStore({ sqlitePath: file, target: 'catalog', testMode: true });
    assert.match(testStore.describe(), /table test_artists/);
    assert.deepEqual(await testStore.write([record(U3, 'test bio'), record(U1, 'not there')]), ['updated', 'skipped']);
    await testStore.close();
    const db = new Database(file, { readonly: true });
    const row = db.prepare('SELECT bio FROM test_artists WHERE id = ?').get(U3) as { bio: string };
    db.close();
    assert.equal(row.bio, 'test bio');
  });

  test('never creates a missing database file or table', async () => {
    const absent = path.join(dir, 'absent.sqlite');
    await assert.rejects(openBioStore({ sqlitePath: absent, target: 'catalog', testMode: false }), ConfigError);
    assert.equal(existsSync(absent), false);
    const bare = path.join(dir, 'bare.sqlite');
    new Database(bare).close();
    await assert.rejects(
      openBioStore({ sqlitePath: bare, target: 'catalog', testMode: false }),
      (error: unknown) =>
        error instanceof ConfigError && /artists/.test(error.message) && /--db-target store/.test(error.message),
    );
    const db = new Database(bare, { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    db.close();
    assert.deepEqual(tables, [], 'no table was created in catalog mode');
  });
});
