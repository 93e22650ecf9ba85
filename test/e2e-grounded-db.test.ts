import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

const PG_URL = process.env.PG_URL;

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ seed: 21 });
});
after(() => sim.close());

const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url });

interface Line {
  artist_id: string;
  db_status: unknown;
  sources?: { url: string; title: string }[];
}

async function lines(path: string): Promise<Line[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
}

/** artist_id → sources of each JSONL line, the shape the database must hold too. */
function sourcesById(records: readonly Line[]): Map<string, unknown> {
  return new Map(records.map((l) => [l.artist_id, l.sources ?? null]));
}

test('a grounded run (--web-search) stores each bio’s sources in the JSONL and in the SQLite table', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(4));
  const output = join(dir, 'bios.jsonl');
  const r = await runCli(['--input', input, '--output', output, '--web-search', '--enable-db'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  const records = await lines(output);
  assert.equal(records.length, 4);
  for (const l of records) {
    assert.equal(l.sources?.length, 2, 'the simulator cites two pages per grounded answer');
    assert.equal(l.db_status, 'inserted');
  }
  const db = new Database(join(dir, 'bios.sqlite'), { readonly: true });
  const rows = db.prepare('SELECT artist_id, sources FROM artist_bios').all() as {
    artist_id: string;
    sources: string | null;
  }[];
  db.close();
  assert.deepEqual(
    new Map(rows.map((row) => [row.artist_id, row.sources === null ? null : (JSON.parse(row.sources) as unknown)])),
    sourcesById(records),
  );
});

test(
  'a grounded run stores the sources in PostgreSQL as jsonb, and db sync writes them too',
  { skip: !PG_URL },
  async () => {
    assert.ok(PG_URL);
    const name = `e2e_src_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const root = new pg.Client({ connectionString: PG_URL });
    await root.connect();
    await root.query(`CREATE DATABASE ${name}`);
    const url = PG_URL.replace(/\/[^/?]+(\?.*)?$/, `/${name}`);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const dir = await tempDir();
      const input = await writeCsv(dir, 'a.csv', artists(3));
      const output = join(dir, 'bios.jsonl');
      const r = await runCli(['--input', input, '--output', output, '--web-search', '--db-url', url], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      const records = await lines(output);
      const read = async (): Promise<Map<string, unknown>> => {
        const { rows } = await admin.query<{ artist_id: string; sources: unknown }>(
          'SELECT artist_id, sources FROM artist_bios',
        );
        return new Map(rows.map((row) => [row.artist_id, row.sources]));
      };
      assert.deepEqual(await read(), sourcesById(records));
      await admin.query('UPDATE artist_bios SET sources = NULL');
      const sync = await runCli(['db', 'sync', output, '--db-url', url], { env: {} });
      assert.equal(sync.code, 0, sync.stdout + sync.stderr);
      assert.deepEqual(await read(), sourcesById(records), 'db sync carries the sources from the JSONL');
    } finally {
      await admin.end();
      await root.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await root.end();
    }
  },
);
