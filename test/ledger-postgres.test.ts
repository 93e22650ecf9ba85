/**
 * The key ledger in PostgreSQL (`--ledger-url`, docs/ledger.md#postgresql) against a real
 * server: atomic reservations across connections, shared pause and provider limits, creation
 * by concurrent openers, refusal of a foreign table, an unreachable server and `quota`.
 * Skipped without PG_URL (scripts/ci-services.sh). Each test gets its own schema.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import pg from 'pg';
import { quotaCommand } from '../src/cli/quota-command.js';
import { ManualClock } from '../src/core/clock.js';
import { ledgerScope, PostgresLedger } from '../src/ledger/index.js';
import { LedgerDamagedError, LedgerUnavailableError } from '../src/quota/index.js';

const PG_URL = process.env.PG_URL;
const skip = PG_URL === undefined || PG_URL === '' ? 'PG_URL is not set (run scripts/ci-services.sh)' : false;
const NOON = Date.UTC(2026, 11, 1, 12);
const scope = ledgerScope('http://127.0.0.1:9999/v1', 'sk-ledger-test');
const created: string[] = [];

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh schema of its own (the URL sets its search_path); returns that URL. */
async function freshDatabase(): Promise<string> {
  const name = `ledger_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await admin((c) => c.query(`CREATE SCHEMA ${name}`));
  created.push(name);
  const url = new URL(PG_URL ?? 'postgres://localhost/x');
  url.searchParams.set('options', `-c search_path=${name}`);
  return url.toString();
}

after(async () => {
  if (skip !== false) return;
  await admin(async (c) => {
    for (const name of created) await c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  });
});

test(
  'two ledgers on one database never pass --daily-limit together: 25 claims each against a limit of 30 grant exactly 30',
  { skip },
  async () => {
    const url = await freshDatabase();
    const clock = new ManualClock(NOON);
    const [a, b] = await Promise.all([PostgresLedger.open(url, scope, clock), PostgresLedger.open(url, scope, clock)]);
    try {
      let granted = 0;
      for (let i = 0; i < 25; i++) {
        for (const ledger of [a, b]) {
          if (ledger.claim({ requestLimit: 30, reserveUsd: 0.001, costLimitUsd: undefined }).ok) granted++;
        }
      }
      assert.equal(granted, 30);
      assert.equal(a.usedToday, 30);
      assert.equal(b.usedToday, 30);
      assert.deepEqual(b.claim({ requestLimit: 30, reserveUsd: 0, costLimitUsd: undefined }), {
        ok: false,
        limit: 'requests',
      });
    } finally {
      await a.close();
      await b.close();
    }
  },
);

test(
  'the daily cost limit is shared: reservations stop at $0.05 and a settled-lower spend frees room for others',
  { skip },
  async () => {
    const url = await freshDatabase();
    const clock = new ManualClock(NOON);
    const a = await PostgresLedger.open(url, scope, clock);
    const b = await PostgresLedger.open(url, scope, clock);
    try {
      const ask = { requestLimit: undefined, reserveUsd: 0.02, costLimitUsd: 0.05 };
      assert.equal(a.claim(ask).ok, true);
      assert.equal(b.claim(ask).ok, true);
      assert.deepEqual(a.claim(ask), { ok: false, limit: 'cost' });
      b.addSpend(-0.015, b.day);
      assert.equal(a.claim(ask).ok, true);
      assert.equal(Math.round(a.spentTodayUsd * 1000), 45);
    } finally {
      await a.close();
      await b.close();
    }
  },
);

test('pause, threshold day and provider limits written by one process are read by another', { skip }, async () => {
  const url = await freshDatabase();
  const clock = new ManualClock(NOON);
  const a = await PostgresLedger.open(url, scope, clock);
  const b = await PostgresLedger.open(url, scope, clock);
  try {
    a.setPause({ reason: 'threshold', since: NOON, until: NOON + 360_000 });
    a.markThresholdPause(a.day);
    assert.equal(a.setWindows({ requestsLimit: 500, tokensLimit: 200_000, observedAt: NOON }), true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(b.pause, { reason: 'threshold', since: NOON, until: NOON + 360_000 });
    assert.equal(b.thresholdPauseDay, '2026-12-01');
    assert.deepEqual(b.windows, { requestsLimit: 500, tokensLimit: 200_000, observedAt: NOON });
  } finally {
    await a.close();
    await b.close();
  }
});

test(
  'a new UTC day starts at 0 requests for every process, and an unsent request is given back',
  { skip },
  async () => {
    const url = await freshDatabase();
    const clock = new ManualClock(NOON);
    const a = await PostgresLedger.open(url, scope, clock);
    try {
      for (let i = 0; i < 3; i++) a.claim({ requestLimit: 10, reserveUsd: 0, costLimitUsd: undefined });
      a.unclaim(0, a.day);
      assert.equal(a.usedToday, 2);
      clock.set(NOON + 24 * 3600_000);
      assert.equal(a.rollover(clock.now()), true);
      assert.equal(a.day, '2026-12-02');
      assert.equal(a.usedToday, 0);
    } finally {
      await a.close();
    }
  },
);

test(
  'three processes opening an empty database at once create one ledger table without an error',
  { skip },
  async () => {
    const url = await freshDatabase();
    const clock = new ManualClock(NOON);
    const ledgers = await Promise.all(Array.from({ length: 3 }, () => PostgresLedger.open(url, scope, clock)));
    try {
      for (const ledger of ledgers)
        assert.equal(ledger.claim({ requestLimit: 3, reserveUsd: 0, costLimitUsd: undefined }).ok, true);
      const own = new pg.Client({ connectionString: url });
      await own.connect();
      const rows = await own.query('SELECT requests FROM artist_bio_gen_key_ledger').finally(() => own.end());
      assert.deepEqual(rows.rows, [{ requests: 3 }]);
    } finally {
      await Promise.all(ledgers.map((l) => l.close()));
    }
  },
);

test('a table of the same name that is not a key ledger is refused, and left as it was', { skip }, async () => {
  const url = await freshDatabase();
  const own = new pg.Client({ connectionString: url });
  await own.connect();
  try {
    await own.query('CREATE TABLE artist_bio_gen_key_ledger (id int)');
    await assert.rejects(PostgresLedger.open(url, scope, new ManualClock(NOON)), LedgerDamagedError);
    const columns = await own.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'artist_bio_gen_key_ledger' AND table_schema = current_schema()",
    );
    assert.deepEqual(columns.rows, [{ column_name: 'id' }]);
  } finally {
    await own.end();
  }
});

test(
  'an unreachable ledger database is a clear exit-3 error that never shows the password',
  { skip: false },
  async () => {
    const url = 'postgres://bios:hunter2secret@127.0.0.1:1/ledger';
    const error = await PostgresLedger.open(url, scope, new ManualClock(NOON), { timeoutMs: 3000 }).then(
      () => assert.fail('opened'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof LedgerUnavailableError);
    assert.match(
      error.message,
      /The key ledger at postgres:\/\/bios:\*\*\*@127\.0\.0\.1:1\/ledger could not be opened/,
    );
    assert.doesNotMatch(error.message, /hunter2secret/);
  },
);

test(
  'quota show --ledger-url prints the shared count and the processes sending; quota reset --yes sets the count to 0',
  { skip },
  async () => {
    const url = await freshDatabase();
    const clock = new ManualClock(NOON);
    const ledger = await PostgresLedger.open(url, scope, clock);
    for (let i = 0; i < 7; i++) ledger.claim({ requestLimit: undefined, reserveUsd: 0, costLimitUsd: undefined });
    ledger.peers(NOON);
    let out = '';
    const io = {
      stdout: (text: string) => void (out += text),
      env: { OPENAI_API_KEY: 'sk-ledger-test', OPENAI_BASE_URL: 'http://127.0.0.1:9999/v1' },
      home: '/nonexistent',
      now: () => NOON,
    };
    await quotaCommand(io).parseAsync(['show', '--ledger-url', url], { from: 'user' });
    assert.match(out, /Requests today: 7\n/);
    assert.match(out, /Processes sending in the last minute: 1\n/);
    await ledger.close();
    out = '';
    await quotaCommand(io).parseAsync(['reset', '--yes', '--ledger-url', url], { from: 'user' });
    assert.match(out, /Reset the key ledger at postgres:/);
    out = '';
    await quotaCommand({ ...io, env: { ...io.env, LEDGER_URL: url } }).parseAsync(['show', '--json'], { from: 'user' });
    const shown = JSON.parse(out) as { scopes: { requests: number; reset_day: string }[] };
    assert.equal(shown.scopes[0]?.requests, 0);
    assert.equal(shown.scopes[0]?.reset_day, '2026-12-01');
  },
);

test(
  'processes sharing a scope count each other as peers; one that closes or goes quiet for a minute stops counting',
  { skip },
  async () => {
    const url = await freshDatabase();
    const clock = new ManualClock(NOON);
    const a = await PostgresLedger.open(url, scope, clock);
    const b = await PostgresLedger.open(url, scope, clock);
    const c = await PostgresLedger.open(url, scope, clock);
    try {
      assert.equal(a.peers(clock.now()), 1);
      assert.equal(b.peers(clock.now()), 2);
      assert.equal(c.peers(clock.now()), 3);
      // Asked again within 5 s: the last count, without a query.
      assert.equal(a.peers(clock.now() + 1000), 1);
      clock.advance(5000);
      assert.equal(a.peers(clock.now()), 3);
      await c.close();
      clock.advance(5000);
      assert.equal(a.peers(clock.now()), 2);
      // b says nothing for over a minute (paused, or gone without closing).
      clock.advance(61_000);
      assert.equal(a.peers(clock.now()), 1);
    } finally {
      await a.close();
      await b.close();
    }
  },
);
