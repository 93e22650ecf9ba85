import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { ConfigError } from '../src/core/errors.js';
import type { OutputRecord } from '../src/core/types.js';
import { openBioStore, type BioStore, type StoreDeps } from '../src/store/index.js';

const PG_URL = process.env.PG_URL;
const skip = PG_URL === undefined || PG_URL === '' ? 'PG_URL is not set (run scripts/ci-services.sh)' : false;

function record(id: string, text: string, extra: Partial<OutputRecord> = {}): OutputRecord {
  return {
    artist_id: id,
    artist_name: `Artist ${id}`,
    request: { model: 'gpt-test', variables: { artist_name: `Artist ${id}`, artist_data: '' } },
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
const PASSWORD = 'Pa55-w0rd-never-shown';

/** Every message any store of this file logged or threw, to check for leaked credentials. */
const messages: string[] = [];
const deps = (extra: StoreDeps = {}): StoreDeps => ({ log: (_level, message) => messages.push(message), ...extra });

/** The test URL with a password (trust auth ignores it) and optional host/port/application name. */
function urlWith(opts: { port?: number; app?: string; database?: string } = {}): string {
  const url = new URL(PG_URL ?? 'postgres://localhost/x');
  url.password = PASSWORD;
  if (opts.port !== undefined) url.port = String(opts.port);
  if (opts.database !== undefined) url.pathname = `/${opts.database}`;
  if (opts.app !== undefined) url.searchParams.set('application_name', opts.app);
  return url.toString();
}

/** A TCP relay in front of PostgreSQL that can be cut and restored, to play a dying server. */
class Relay {
  #server: net.Server | undefined;
  #sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = undefined;
  }
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('an unreachable PostgreSQL at open is a ConfigError with the password redacted', async () => {
  const port = await closedPort();
  const url = `postgres://alice:${PASSWORD}@127.0.0.1:${port}/catalog`;
  const error = await openBioStore({ url, target: 'store', testMode: false }, deps()).then(
    () => assert.fail('open should fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConfigError);
  assert.match(error.message, new RegExp(`postgres://alice:\\*\\*\\*@127\\.0\\.0\\.1:${port}/catalog`));
  assert.match(error.message, /ECONNREFUSED/);
  assert.ok(!error.message.includes(PASSWORD));
  messages.push(error.message);
});

test('a URL that is not postgres:// is a ConfigError that does not echo the password', async () => {
  const error = await openBioStore({ url: `mysql://bob:${PASSWORD}@h/db`, target: 'store', testMode: false }).then(
    () => assert.fail('open should fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConfigError);
  assert.match(error.message, /scheme 'mysql'/);
  assert.ok(!error.message.includes(PASSWORD));
});

describe('PostgreSQL store', { skip }, () => {
  const schema = `store_pg_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });

  before(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    for (const table of ['artists', 'test_artists']) {
      await admin.query(`CREATE TABLE ${schema}.${table} (
        id uuid PRIMARY KEY, name text NOT NULL, bio text,
        created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT '2000-01-01')`);
    }
    await admin.query(`INSERT INTO ${schema}.artists (id, name) VALUES ($1, 'One'), ($2, 'Two')`, [U1, U2]);
    await admin.query(`INSERT INTO ${schema}.test_artists (id, name) VALUES ($1, 'Three')`, [U3]);
  });

  after(async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
    const leaked = messages.filter((m) => m.includes(PASSWORD));
    assert.deepEqual(leaked, [], 'no message contains the password');
  });

  const open = (
    target: 'store' | 'catalog',
    testMode = false,
    url = urlWith(),
    extra: StoreDeps = {},
  ): Promise<BioStore> =>
    openBioStore({ url, target, testMode, schema, poolSize: 2, connectTimeoutMs: 2000 }, deps(extra));

  test('describe() shows the URL without its password', async () => {
    const store = await open('store');
    assert.equal(store.kind, 'postgres');
    assert.match(store.describe(), /postgres:\/\/postgres:\*\*\*@/);
    assert.ok(!store.describe().includes(PASSWORD));
    await store.close();
  });

  test('writing the same records twice keeps one row per artist and the latest bio wins', async () => {
    const store = await open('store');
    assert.deepEqual(await store.write([record('1001', 'first A'), record('1002', 'first B')]), [
      'inserted',
      'inserted',
    ]);
    assert.deepEqual(
      await store.write([
        record('1001', 'stale'),
        record('1002', 'second B'),
        record('1001', 'second A'),
        record('1003', 'C'),
      ]),
      ['updated', 'updated', 'updated', 'inserted'],
    );
    await store.close();
    const { rows } = await admin.query<{
      artist_id: string;
      bio: string;
      model: string;
      total_tokens: number;
      generated_at: Date;
    }>(
      `SELECT artist_id, bio, model, total_tokens, generated_at FROM ${schema}.artist_bios WHERE artist_id LIKE '100%' ORDER BY artist_id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.artist_id, r.bio]),
      [
        ['1001', 'second A'],
        ['1002', 'second B'],
        ['1003', 'C'],
      ],
    );
    assert.equal(rows[0]?.model, 'gpt-test');
    assert.equal(rows[0]?.total_tokens, 30);
    assert.equal(rows[0]?.generated_at.toISOString(), '2023-11-14T22:13:20.000Z');
  });

  test('stores a name full of SQL verbatim', async () => {
    const evil = "Robert'); DROP TABLE artist_bios;--";
    const store = await open('store');
    assert.deepEqual(await store.write([record(evil, `Bio of ${evil} {"a":1} \\ $1`, { artist_name: evil })]), [
      'inserted',
    ]);
    await store.close();
    const { rows } = await admin.query(`SELECT artist_name, bio FROM ${schema}.artist_bios WHERE artist_id = $1`, [
      evil,
    ]);
    assert.deepEqual(rows, [{ artist_name: evil, bio: `Bio of ${evil} {"a":1} \\ $1` }]);
  });

  test('a record the database rejects fails alone; the rest of its batch is written', async () => {
    const store = await open('store');
    const batch = Array.from({ length: 9 }, (_, i) => record(`nul-${i}`, `bio ${i}`));
    batch.splice(4, 0, record('nul-bad', 'text with a NUL \u0000 byte'));
    const before = messages.length;
    const statuses = await store.write(batch);
    await store.close();
    assert.deepEqual(statuses, [...Array<string>(4).fill('inserted'), 'error', ...Array<string>(5).fill('inserted')]);
    const logged = messages.slice(before).join('\n');
    assert.match(logged, /artist "nul-bad" failed.*22021/);
  });

  test('catalog mode updates existing rows, skips unknown ids and rejects non-UUID ids without sending them', async () => {
    const store = await open('catalog');
    assert.match(store.describe(), new RegExp(`table ${schema}\\.artists`));
    const statuses = await store.write([
      record(U1.toUpperCase(), 'bio one'),
      record(U3, 'not in artists'),
      record('not-a-uuid', 'never sent'),
      record(U2, 'bio two'),
    ]);
    await store.close();
    assert.deepEqual(statuses, ['updated', 'skipped', 'error', 'updated']);
    const { rows } = await admin.query<{ id: string; bio: string; updated_at: Date }>(
      `SELECT id, bio, updated_at FROM ${schema}.artists ORDER BY id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.id, r.bio]),
      [
        [U1, 'bio one'],
        [U2, 'bio two'],
      ],
    );
    assert.ok(
      rows.every((r) => r.updated_at.getUTCFullYear() > 2000),
      'updated_at set to now()',
    );
  });

  test('test mode updates test_artists only', async () => {
    const store = await open('catalog', true);
    assert.deepEqual(await store.write([record(U3, 'test bio'), record(U1, 'absent here')]), ['updated', 'skipped']);
    await store.close();
    const { rows } = await admin.query(`SELECT bio FROM ${schema}.test_artists`);
    assert.deepEqual(rows, [{ bio: 'test bio' }]);
    const main = await admin.query<{ bio: string | null }>(`SELECT bio FROM ${schema}.artists WHERE id = $1`, [U1]);
    assert.notEqual(main.rows[0]?.bio, 'absent here');
  });

  test('catalog mode refuses a missing table or an id column of another type than uuid, integer or text, and creates nothing', async () => {
    const other = `${schema}_empty`;
    await admin.query(`CREATE SCHEMA ${other}`);
    try {
      await assert.rejects(
        openBioStore({ url: urlWith(), target: 'catalog', testMode: false, schema: other }, deps()),
        (e: unknown) => e instanceof ConfigError && /42P01/.test(e.message) && !e.message.includes(PASSWORD),
      );
      const { rows } = await admin.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [
        other,
      ]);
      assert.deepEqual(rows, []);
      await admin.query(`CREATE TABLE ${other}.artists (id date PRIMARY KEY, bio text, updated_at timestamptz)`);
      await assert.rejects(
        openBioStore({ url: urlWith(), target: 'catalog', testMode: false, schema: other }, deps()),
        (e: unknown) => e instanceof ConfigError && /type date; catalog mode takes uuid, integer/.test(e.message),
      );
      await admin.query(`DROP TABLE ${other}.artists`);
      await admin.query(`CREATE TABLE ${other}.artists (id bigint PRIMARY KEY, bio text, updated_at timestamptz)`);
      await admin.query(`INSERT INTO ${other}.artists (id) VALUES (1001)`);
      const numbered = await openBioStore(
        { url: urlWith(), target: 'catalog', testMode: false, schema: other },
        deps(),
      );
      try {
        assert.deepEqual(await numbered.write([record('1001', 'one'), record('1002', 'two'), record('x', 'no')]), [
          'updated',
          'skipped',
          'error',
        ]);
      } finally {
        await numbered.close();
      }
      const { rows: bios } = await admin.query(`SELECT id::text AS id, bio FROM ${other}.artists`);
      assert.deepEqual(bios, [{ id: '1001', bio: 'one' }]);
    } finally {
      await admin.query(`DROP SCHEMA ${other} CASCADE`);
    }
  });

  test('a database that does not exist is a ConfigError naming SQLSTATE 3D000', async () => {
    await assert.rejects(
      openBioStore({ url: urlWith({ database: 'no_such_db' }), target: 'store', testMode: false }, deps()),
      (e: unknown) => e instanceof ConfigError && /3D000/.test(e.message) && !e.message.includes(PASSWORD),
    );
  });

  test('a server that goes away mid-run turns writes into error, never a throw, and later writes succeed', async () => {
    const target = new URL(PG_URL ?? '');
    const relay = new Relay({ host: target.hostname, port: Number(target.port || 5432) });
    await relay.start();
    const store = await open('store', false, urlWith({ port: relay.port }).replace(target.hostname, '127.0.0.1'), {
      retry: { attempts: 2, baseDelayMs: 10 },
    });
    try {
      assert.deepEqual(await store.write([record('gone-1', 'a')]), ['inserted']);
      await relay.stop();
      assert.deepEqual(await store.write([record('gone-2', 'b'), record('gone-3', 'c')]), ['error', 'error']);
      assert.deepEqual(await store.write([record('gone-4', 'd')]), ['error']);
      await relay.start();
      assert.deepEqual(await store.write([record('gone-2', 'b'), record('gone-3', 'c')]), ['inserted', 'inserted']);
    } finally {
      await store.close();
      await relay.stop();
    }
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM ${schema}.artist_bios WHERE artist_id LIKE 'gone-%'`,
    );
    assert.deepEqual(rows, [{ n: 3 }]);
  });

  test('terminated backends (idle, or killed mid-statement) are replaced and the write is retried', async () => {
    const app = `store_pg_term_${process.pid}`;
    const store = await open('store', false, urlWith({ app }), { retry: { attempts: 4, baseDelayMs: 20 } });
    const terminate = (): Promise<pg.QueryResult> =>
      admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [app]);
    try {
      assert.deepEqual(await store.write([record('term-1', 'a')]), ['inserted']);
      // Idle connection killed: the pool's error listener absorbs it.
      const killed = await terminate();
      assert.ok(killed.rowCount !== null && killed.rowCount >= 1);
      assert.deepEqual(await store.write([record('term-1', 'b')]), ['updated']);

      // Connection killed while its statement waits for a row lock held elsewhere.
      const locker = new pg.Client({ connectionString: PG_URL });
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM ${schema}.artist_bios WHERE artist_id = 'term-1' FOR UPDATE`);
      const pending = store.write([record('term-1', 'c')]);
      for (let i = 0; i < 200; i++) {
        const { rows } = await admin.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [app],
        );
        if ((rows[0] as { n: number }).n > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await terminate();
      await locker.query('COMMIT');
      await locker.end();
      assert.deepEqual(await pending, ['updated']);
    } finally {
      await store.close();
    }
    const { rows } = await admin.query(`SELECT bio FROM ${schema}.artist_bios WHERE artist_id = 'term-1'`);
    assert.deepEqual(rows, [{ bio: 'c' }]);
  });

  // Speed is measured in bench/, not asserted here: a busy CI machine would make it flake.
  test('a thousand records are written in one batch, each reported inserted', async () => {
    const store = await open('store');
    const batch = Array.from({ length: 1000 }, (_, i) => record(`speed-${i}`, `bio ${i}`));
    const statuses = await store.write(batch);
    await store.close();
    assert.equal(statuses.length, 1000);
    assert.equal(statuses.filter((s) => s === 'inserted').length, 1000);
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM ${schema}.artist_bios WHERE artist_id LIKE 'speed-%'`,
    );
    assert.deepEqual(rows, [{ n: 1000 }]);
  });
});
