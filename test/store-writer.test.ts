import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import type { DbStatus, OutputRecord } from '../src/core/types.js';
import { classifyDbError, createDbWriter, isUuid, redactDbUrl, type BioStore } from '../src/store/index.js';
import { createSecretScrubber } from '../src/store/redact.js';
import { dbRetryDelayMs, resolveDbRetryPolicy, withDbRetry } from '../src/store/retry.js';

function record(id: string): OutputRecord {
  return {
    artist_id: id,
    artist_name: id,
    request: { variables: { artist_name: id, artist_data: '' } },
    response_text: `bio ${id}`,
    response_id: 'r',
    created: 0,
    model: 'm',
    usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
    attempts: 1,
    duration_ms: 1,
    db_status: 'pending',
    error: null,
  };
}

/** A store whose writes are recorded and can be held open. */
class FakeStore implements BioStore {
  readonly kind = 'sqlite' as const;
  readonly target = 'store' as const;
  batches: string[][] = [];
  active = 0;
  maxActive = 0;
  gate: Promise<void> = Promise.resolve();
  failWith: Error | undefined = undefined;
  describe(): string {
    return 'fake';
  }
  async write(records: readonly OutputRecord[]): Promise<DbStatus[]> {
    this.batches.push(records.map((r) => r.artist_id));
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    await this.gate;
    this.active -= 1;
    if (this.failWith !== undefined) throw this.failWith;
    return records.map((r) => (r.artist_id.endsWith('x') ? 'error' : 'inserted'));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('createDbWriter', () => {
  test('a full batch leaves at once; the rest waits maxDelayMs', async () => {
    const store = new FakeStore();
    const clock = new ManualClock(0);
    const results: [string, DbStatus][] = [];
    const writer = createDbWriter(store, {
      maxBatch: 3,
      maxDelayMs: 500,
      clock,
      onResult: (r, s) => void results.push([r.artist_id, s]),
    });
    for (const id of ['a', 'b', 'c', 'd', 'ex']) writer.enqueue(record(id));
    await tick();
    assert.deepEqual(store.batches, [['a', 'b', 'c']]);
    assert.equal(writer.pending, 2);
    clock.advance(499);
    await tick();
    assert.equal(store.batches.length, 1, 'not before the delay');
    clock.advance(1);
    await tick();
    assert.deepEqual(store.batches, [
      ['a', 'b', 'c'],
      ['d', 'ex'],
    ]);
    assert.deepEqual(results, [
      ['a', 'inserted'],
      ['b', 'inserted'],
      ['c', 'inserted'],
      ['d', 'inserted'],
      ['ex', 'error'],
    ]);
    assert.equal(writer.pending, 0);
  });

  test('one batch is in flight at a time, so records keep their order', async () => {
    const store = new FakeStore();
    let release: () => void = () => undefined;
    store.gate = new Promise((resolve) => (release = resolve));
    const order: string[] = [];
    const writer = createDbWriter(store, {
      maxBatch: 2,
      clock: new ManualClock(),
      onResult: (r) => void order.push(r.artist_id),
    });
    for (const id of ['1', '2', '3', '4', '5', '6']) writer.enqueue(record(id));
    await tick();
    assert.equal(store.batches.length, 1, 'the second batch waits for the first');
    release();
    await writer.flush();
    assert.equal(store.maxActive, 1);
    assert.deepEqual(store.batches, [
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
    assert.deepEqual(order, ['1', '2', '3', '4', '5', '6']);
  });

  test('flush writes a partial batch now and resolves after its results were reported', async () => {
    const store = new FakeStore();
    const seen: string[] = [];
    const writer = createDbWriter(store, {
      maxBatch: 100,
      maxDelayMs: 60_000,
      clock: new ManualClock(),
      onResult: async (r) => {
        await tick();
        seen.push(r.artist_id);
      },
    });
    writer.enqueue(record('1'));
    writer.enqueue(record('2'));
    await writer.flush();
    assert.deepEqual(seen, ['1', '2']);
    await writer.flush(); // nothing queued: resolves at once
  });

  test('close flushes and then refuses new records', async () => {
    const store = new FakeStore();
    const writer = createDbWriter(store, { clock: new ManualClock(), onResult: () => undefined });
    writer.enqueue(record('1'));
    await writer.close();
    assert.deepEqual(store.batches, [['1']]);
    assert.throws(() => writer.enqueue(record('2')), /DbWriter is closed/);
    await writer.close();
  });

  test('a throwing callback or a store that rejects never breaks the writer', async () => {
    const store = new FakeStore();
    store.failWith = new Error('contract broken');
    const logs: string[] = [];
    const statuses: DbStatus[] = [];
    const writer = createDbWriter(store, {
      clock: new ManualClock(),
      log: (_l, m) => logs.push(m),
      onResult: (r, s) => {
        statuses.push(s);
        if (r.artist_id === '1') throw new Error('callback bug');
      },
    });
    writer.enqueue(record('1'));
    writer.enqueue(record('2'));
    await writer.flush();
    assert.deepEqual(statuses, ['error', 'error']);
    assert.ok(logs.some((m) => m.includes('contract broken')));
    assert.ok(logs.some((m) => m.includes('callback bug')));
    store.failWith = undefined;
    writer.enqueue(record('3'));
    await writer.flush();
    assert.deepEqual(statuses, ['error', 'error', 'inserted']);
  });
});

describe('classifyDbError', () => {
  const withCode = (code: string): Error => Object.assign(new Error('message text is ignored'), { code });

  for (const code of [
    '08006',
    '08001',
    '40001',
    '40P01',
    '57P01',
    '53300',
    'ECONNRESET',
    'ECONNREFUSED',
    'SQLITE_BUSY',
    'SQLITE_BUSY_SNAPSHOT',
  ]) {
    test(`${code} is transient`, () => assert.equal(classifyDbError(withCode(code)).kind, 'transient'));
  }
  for (const code of ['42P01', '42703', '28P01', '3D000', 'SQLITE_ERROR']) {
    test(`${code} is permanent and not row-specific`, () =>
      assert.deepEqual(classifyDbError(withCode(code)), { kind: 'permanent', rowSpecific: false, code }));
  }
  for (const code of ['22P02', '22021', '23505', 'SQLITE_CONSTRAINT_TRIGGER']) {
    test(`${code} is permanent and row-specific`, () =>
      assert.deepEqual(classifyDbError(withCode(code)), { kind: 'permanent', rowSpecific: true, code }));
  }
  test('the message never decides: "deadlock" text with a permanent code stays permanent', () => {
    const error = Object.assign(new Error('deadlock detected, connection reset'), { code: '42P01' });
    assert.equal(classifyDbError(error).kind, 'permanent');
  });
  test('a dropped connection without a code (pg "Connection terminated") is transient', () => {
    assert.equal(classifyDbError(new Error('Connection terminated unexpectedly')).kind, 'transient');
  });
  test('an AggregateError of refused connections is transient', () => {
    const error = new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], '');
    assert.deepEqual(classifyDbError(error), { kind: 'transient', rowSpecific: false, code: 'ECONNREFUSED' });
  });
});

describe('withDbRetry', () => {
  test('retries transient failures with growing delays, then gives up', async () => {
    const policy = resolveDbRetryPolicy({ attempts: 3, baseDelayMs: 100 });
    const clock = new ManualClock();
    const delays: number[] = [];
    let calls = 0;
    const outcome = withDbRetry(
      () => {
        calls += 1;
        return Promise.reject(Object.assign(new Error('x'), { code: '40001' }));
      },
      policy,
      clock,
      (_e, _c, _retry, delay) => delays.push(delay),
    );
    for (let i = 0; i < 10; i++) {
      await tick();
      clock.advance(1000);
    }
    const result = await outcome;
    assert.equal(calls, 3);
    assert.equal(result.ok, false);
    assert.equal(delays.length, 2);
    assert.ok(delays[0]! >= 80 && delays[0]! <= 120, `first delay ${delays[0]}`);
    assert.ok(delays[1]! >= 240 && delays[1]! <= 360, `second delay ${delays[1]}`);
  });

  test('does not retry a permanent failure', async () => {
    let calls = 0;
    const result = await withDbRetry(
      () => {
        calls += 1;
        return Promise.reject(Object.assign(new Error('x'), { code: '42P01' }));
      },
      resolveDbRetryPolicy(),
      new ManualClock(),
    );
    assert.equal(calls, 1);
    assert.ok(!result.ok && result.errorClass.code === '42P01');
  });

  test('delays are capped', () => {
    const policy = resolveDbRetryPolicy({ baseDelayMs: 100, maxDelayMs: 500 });
    assert.equal(
      dbRetryDelayMs(policy, 10, () => 0.5),
      500,
    );
  });
});

describe('redaction', () => {
  test('redactDbUrl masks the password and keeps the rest', () => {
    assert.equal(redactDbUrl('postgres://user:secret@host:5432/db'), 'postgres://user:***@host:5432/db');
    assert.equal(redactDbUrl('postgresql://u:p%40ss@h/db?sslmode=require'), 'postgresql://u:***@h/db?sslmode=require');
    assert.equal(redactDbUrl('postgres://u@h/db?password=topsecret'), 'postgres://u@h/db?password=***');
    assert.equal(redactDbUrl('postgres://user@host/db'), 'postgres://user@host/db');
  });

  test('a URL the parser rejects is still masked', () => {
    assert.equal(redactDbUrl('postgres://user:se cret@ho st:5432/db'), 'postgres://user:***@ho st:5432/db');
  });

  test('the scrubber removes the password in raw and decoded form from any text', () => {
    const scrub = createSecretScrubber('postgres://u:p%40ss@h/db');
    assert.equal(
      scrub('failed for postgres://u:p%40ss@h/db with p@ss and p%40ss'),
      'failed for postgres://u:***@h/db with *** and ***',
    );
  });
});

test('isUuid accepts the hyphenated form in any case and nothing else', () => {
  for (const ok of [
    '123e4567-e89b-12d3-a456-426614174000',
    'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
    '00000000-0000-0000-0000-000000000000',
  ]) {
    assert.ok(isUuid(ok), ok);
  }
  for (const bad of [
    'not-a-uuid',
    '123e4567-e89b-12d3-a456',
    '123e4567-e89b-12d3-a456-426614174000-extra',
    '123g4567-e89b-12d3-a456-426614174000',
    '',
    '123',
    '123e4567_e89b_12d3_a456_426614174000',
  ]) {
    assert.ok(!isUuid(bad), bad);
  }
});
