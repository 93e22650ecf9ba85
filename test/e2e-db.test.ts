import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

const PG_URL = process.env['PG_URL'];

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ latencyMs: 10, seed: 11 });
});
after(() => sim.close());

const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url });

async function records(path: string): Promise<{ artist_id: string; db_status: unknown; response_text: string }[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { artist_id: string; db_status: unknown; response_text: string });
}

test('--enable-db stores every bio in a SQLite file next to the output, idempotently across resumed runs', async () => {
  const dir = await tempDir();
  const rows = artists(20, (i) => (i === 7 ? "Robert'); DROP TABLE artists;--" : `Artist ${i}`));
  const input = await writeCsv(dir, 'a.csv', rows);
  const output = join(dir, 'bios.jsonl');
  const r = await runCli(['--input', input, '--output', output, '--enable-db', '--max-workers', '4'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  const lines = await records(output);
  assert.equal(lines.length, 20);
  for (const l of lines) assert.ok(l.db_status === 'inserted' || l.db_status === 'updated', String(l.db_status));
  const db = new Database(join(dir, 'bios.sqlite'), { readonly: true });
  try {
    const count = db.prepare('SELECT COUNT(*) AS n FROM artist_bios').get() as { n: number };
    assert.equal(count.n, 20);
    const evil = db.prepare('SELECT artist_name, bio FROM artist_bios WHERE artist_id = ?').get('1007') as {
      artist_name: string;
      bio: string;
    };
    assert.equal(evil.artist_name, "Robert'); DROP TABLE artists;--");
    assert.equal(evil.bio, lines.find((l) => l.artist_id === '1007')?.response_text);
  } finally {
    db.close();
  }
  const again = await runCli(['--input', input, '--output', output, '--enable-db', '--resume'], { env: env() });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /Nothing left to do/);
  const db2 = new Database(join(dir, 'bios.sqlite'), { readonly: true });
  assert.equal((db2.prepare('SELECT COUNT(*) AS n FROM artist_bios').get() as { n: number }).n, 20);
  db2.close();
});

async function withDatabase(fn: (url: string, admin: pg.Client) => Promise<void>): Promise<void> {
  assert.ok(PG_URL);
  const name = `e2e_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const root = new pg.Client({ connectionString: PG_URL });
  await root.connect();
  await root.query(`CREATE DATABASE ${name}`);
  const url = PG_URL.replace(/\/[^/?]+(\?.*)?$/, `/${name}`);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await fn(url, admin);
  } finally {
    await admin.end();
    await root.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await root.end();
  }
}

test(
  'catalog mode updates an existing test_artists table and counts updated and skipped',
  { skip: !PG_URL },
  async () => {
    await withDatabase(async (url, admin) => {
      await admin.query(
        'CREATE TABLE test_artists (id UUID PRIMARY KEY, name VARCHAR(255) NOT NULL, bio TEXT, created_at TIMESTAMPTZ DEFAULT now(), updated_at TIMESTAMPTZ DEFAULT now())',
      );
      const ids = Array.from({ length: 6 }, () => randomUUID());
      for (const id of ids.slice(0, 4))
        await admin.query('INSERT INTO test_artists (id, name) VALUES ($1, $2)', [id, `N ${id.slice(0, 4)}`]);
      const dir = await tempDir();
      const input = await writeCsv(
        dir,
        'a.csv',
        ids.map((id, i) => ({ id, name: `Catalog Artist ${i}` })),
      );
      const output = join(dir, 'bios.jsonl');
      const r = await runCli(
        ['--input', input, '--output', output, '--db-url', url, '--db-target', 'catalog', '--test-mode'],
        { env: env() },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /password/i);
      const statuses = Object.fromEntries((await records(output)).map((l) => [l.artist_id, l.db_status]));
      for (const id of ids.slice(0, 4)) assert.equal(statuses[id], 'updated');
      for (const id of ids.slice(4)) assert.equal(statuses[id], 'skipped');
      const filled = await admin.query('SELECT COUNT(*)::int AS n FROM test_artists WHERE bio IS NOT NULL');
      assert.equal((filled.rows[0] as { n: number }).n, 4);
    });
  },
);

/** A TCP relay to PostgreSQL that the test can cut, as if the database went away. */
async function startRelay(target: URL): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test(
  'a database that dies mid-run never loses a bio: lines say db_status "error" and db sync completes the table',
  { skip: !PG_URL },
  async () => {
    await withDatabase(async (url, admin) => {
      const target = new URL(url);
      const relay = await startRelay(target);
      try {
        const viaRelay = url.replace(`${target.hostname}:${target.port}`, `127.0.0.1:${relay.port}`);
        const dir = await tempDir();
        const rows = artists(40);
        const input = await writeCsv(dir, 'a.csv', rows);
        const output = join(dir, 'bios.jsonl');
        let cut = false;
        const r = await runCli(['--input', input, '--output', output, '--db-url', viaRelay, '--max-workers', '2'], {
          env: env(),
          onStderrLine: (line) => {
            if (!cut && /Processed artist 10\//.test(line)) {
              cut = true;
              relay.cut();
            }
          },
        });
        assert.equal(r.code, 0, r.stderr);
        const lines = await records(output);
        assert.equal(lines.length, 40, 'every bio reached the JSONL');
        const errors = lines.filter((l) => l.db_status === 'error').length;
        assert.ok(errors > 0, 'writes after the cut are marked error');
        const before = await admin.query('SELECT COUNT(*)::int AS n FROM artist_bios');
        assert.ok((before.rows[0] as { n: number }).n < 40);
        const sync = await runCli(['db', 'sync', output, '--db-url', url], { env: {} });
        assert.equal(sync.code, 0, sync.stdout + sync.stderr);
        const afterSync = await admin.query('SELECT COUNT(*)::int AS n FROM artist_bios');
        assert.equal((afterSync.rows[0] as { n: number }).n, 40);
      } finally {
        await relay.close();
      }
    });
  },
);

test('an unreachable database at start exits 3 with the password redacted', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(2));
  const r = await runCli(
    ['--input', input, '--output', join(dir, 'o.jsonl'), '--db-url', 'postgres://bio:s3cretPassw0rd@127.0.0.1:1/nope'],
    { env: env(), timeoutMs: 300_000 },
  );
  assert.equal(r.code, 3, r.stderr);
  assert.doesNotMatch(r.stderr + r.stdout, /s3cretPassw0rd/);
  assert.match(r.stderr, /bio:\*\*\*@127\.0\.0\.1/);
});
