/**
 * The SQLite key ledger read and written by two ledgers on one file, as two processes would:
 * statements compiled once and the remembered window limits must never hide the other side's
 * claims from a decision, nor may the row a ledger reads once per synchronous stretch.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { ManualClock } from '../src/core/clock.js';
import { ledgerScope, SqliteLedger } from '../src/ledger/index.js';

const NOW = Date.parse('2026-12-02T10:00:00Z');
const claim = { requestLimit: 10, reserveUsd: 0, costLimitUsd: undefined };

async function twoLedgers(): Promise<{ a: SqliteLedger; b: SqliteLedger; done: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'abg-ledger-'));
  const clock = new ManualClock(NOW);
  const scope = ledgerScope('http://127.0.0.1:9/v1', 'sk-ledger-test');
  const a = await SqliteLedger.open(join(dir, 'ledger.sqlite'), scope, clock);
  const b = await SqliteLedger.open(join(dir, 'ledger.sqlite'), scope, clock);
  return {
    a,
    b,
    done: async () => {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test('a claim right after a read in the same stretch still sees the other ledger: the 11th of 10 is refused', async () => {
  const { a, b, done } = await twoLedgers();
  try {
    assert.equal(a.usedToday, 0);
    for (let i = 0; i < 9; i++) assert.equal(b.claim(claim).ok, true);
    // Still the same synchronous stretch for `a`: its claim reads afresh inside the transaction.
    assert.deepEqual(a.claim(claim), { ok: true, used: 10 });
    assert.deepEqual(b.claim(claim), { ok: false, limit: 'requests' });
    assert.deepEqual(a.claim(claim), { ok: false, limit: 'requests' });
  } finally {
    await done();
  }
});

test("a read sees the other ledger's claims at once, and a ledger sees its own writes at once", async () => {
  const { a, b, done } = await twoLedgers();
  try {
    assert.equal(a.usedToday, 0);
    b.claim(claim);
    b.claim(claim);
    assert.equal(a.usedToday, 2);
    a.claim(claim);
    assert.equal(a.usedToday, 3, 'own claim visible without waiting');
    a.setPause({ reason: 'threshold', since: NOW, until: NOW + 60_000 });
    assert.equal(a.pause?.until, NOW + 60_000, 'own pause visible without waiting');
    a.addSpend(0.25, a.day);
    assert.equal(a.spentTodayUsd, 0.25);
  } finally {
    await done();
  }
});

test('window limits are written once per change; a repeat costs nothing and reports no change', async () => {
  const { a, b, done } = await twoLedgers();
  try {
    const limits = { requestsLimit: 500, tokensLimit: 200_000, observedAt: NOW };
    assert.equal(a.setWindows(limits), true);
    assert.equal(a.setWindows({ ...limits, observedAt: NOW + 1000 }), false);
    await Promise.resolve();
    assert.equal(b.windows?.requestsLimit, 500);
    assert.equal(b.setWindows(limits), false, 'the other ledger finds them already saved');
    assert.equal(a.setWindows({ ...limits, tokensLimit: 400_000 }), true);
    await Promise.resolve();
    assert.equal(b.windows?.tokensLimit, 400_000);
  } finally {
    await done();
  }
});

test('a claim refuses on a count another process wrote after a read in the same stretch', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'abg-ledger-'));
  const file = join(dir, 'ledger.sqlite');
  const scope = ledgerScope('http://127.0.0.1:9/v1', 'sk-ledger-test');
  const a = await SqliteLedger.open(file, scope, new ManualClock(NOW));
  // A bare connection stands in for another process: nothing in this process hears of its write.
  const other = new Database(file);
  try {
    assert.equal(a.usedToday, 0);
    other.prepare('UPDATE key_ledger SET requests = 10 WHERE scope = ?').run(scope.id);
    assert.deepEqual(a.claim(claim), { ok: false, limit: 'requests' });
    await Promise.resolve();
    assert.equal(a.usedToday, 10, 'the next stretch reads the row again');
  } finally {
    other.close();
    await a.close();
    await rm(dir, { recursive: true, force: true });
  }
});
