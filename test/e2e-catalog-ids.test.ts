import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

const PG_URL = process.env['PG_URL'];

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ latencyMs: 5, seed: 31 });
});
after(() => sim.close());
beforeEach(() => sim.reset());

const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url });

async function statuses(output: string): Promise<Record<string, unknown>> {
  const lines = (await readFile(output, 'utf8')).split('\n').filter((l) => l !== '');
  return Object.fromEntries(
    lines.map((l) => JSON.parse(l) as { artist_id: string; db_status: unknown }).map((l) => [l.artist_id, l.db_status]),
  );
}

/** A SQLite catalog next to the output (where --db-target catalog looks without --db-url). */
function sqliteCatalog(dir: string, idType: string, ids: readonly (string | number)[]): string {
  const file = join(dir, 'bios.sqlite');
  const db = new Database(file);
  db.exec(`CREATE TABLE artists (id ${idType} PRIMARY KEY, name TEXT, bio TEXT, updated_at TEXT)`);
  for (const id of ids) db.prepare('INSERT INTO artists (id) VALUES (?)').run(id);
  db.close();
  return file;
}

test('catalog mode with the test plan numeric ids (1001…) updates an INTEGER id column in SQLite', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(4));
  const file = sqliteCatalog(dir, 'INTEGER', [1001, 1002, 1003]);
  const output = join(dir, 'bios.jsonl');
  const r = await runCli(['--input', input, '--output', output, '--enable-db', '--db-target', 'catalog'], {
    env: env(),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await statuses(output), { 1001: 'updated', 1002: 'updated', 1003: 'updated', 1004: 'skipped' });
  const db = new Database(file, { readonly: true });
  const filled = db.prepare('SELECT count(*) AS n FROM artists WHERE bio IS NOT NULL').get();
  db.close();
  assert.deepEqual(filled, { n: 3 });
});

test('ids that do not fit the catalog id column stop the run with exit 3 before any request', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(4));
  sqliteCatalog(dir, 'UUID', [randomUUID()]);
  const output = join(dir, 'bios.jsonl');
  const r = await runCli(['--input', input, '--output', output, '--enable-db', '--db-target', 'catalog'], {
    env: env(),
  });
  assert.equal(r.code, 3, r.stderr);
  assert.match(
    r.stderr,
    /Catalog mode cannot write artist "1001": id "1001" is not a UUID .*, but the id column of artists is uuid\. Nothing was sent\./,
  );
  assert.equal(sim.stats().requests, 0, 'no request was sent');
});

test(
  'catalog mode follows a PostgreSQL integer id column, and a mismatch stops before any request',
  { skip: !PG_URL },
  async () => {
    assert.ok(PG_URL);
    const name = `e2e_ids_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const root = new pg.Client({ connectionString: PG_URL });
    await root.connect();
    await root.query(`CREATE DATABASE ${name}`);
    const url = PG_URL.replace(/\/[^/?]+(\?.*)?$/, `/${name}`);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('CREATE TABLE test_artists (id integer PRIMARY KEY, bio text, updated_at timestamptz)');
      await admin.query('INSERT INTO test_artists (id) VALUES (1001), (1002)');
      const dir = await tempDir();
      const input = await writeCsv(dir, 'a.csv', artists(3));
      const output = join(dir, 'bios.jsonl');
      const args = ['--input', input, '--db-url', url, '--db-target', 'catalog', '--test-mode'];
      const r = await runCli([...args, '--output', output], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await statuses(output), { 1001: 'updated', 1002: 'updated', 1003: 'skipped' });
      const { rows } = await admin.query('SELECT count(*)::int AS n FROM test_artists WHERE bio IS NOT NULL');
      assert.deepEqual(rows, [{ n: 2 }]);

      sim.reset();
      const words = await writeCsv(dir, 'w.csv', [
        { id: 'nina-simone', name: 'Nina Simone' },
        { id: 'miles-davis', name: 'Miles Davis' },
      ]);
      const bad = await runCli(
        ['--input', words, '--db-url', url, '--db-target', 'catalog', '--test-mode', '--output', join(dir, 'w.jsonl')],
        {
          env: env(),
        },
      );
      assert.equal(bad.code, 3, bad.stderr);
      assert.match(
        bad.stderr,
        /id "nina-simone" is not a whole number .*, but the id column of test_artists is integer/,
      );
      assert.equal(sim.stats().requests, 0, 'no request was sent');
    } finally {
      await admin.end();
      await root.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await root.end();
    }
  },
);
