import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import { ProviderError } from '../src/core/errors.js';
import { RunEmitter } from '../src/core/events.js';
import { InFlightLimit, openQuotaGate, type QuotaGate, type QuotaGateOptions } from '../src/quota/index.js';
import { TokenBucket } from '../src/simulator/token-bucket.js';

const START = Date.parse('2026-12-01T10:00:00Z');
const USAGE = { input_tokens: 100, output_tokens: 50, total_tokens: 150 };
// A stated 600/min whose bucket is nearly empty: no spare room, so admissions follow the pace.
const STATED_600 = new Headers({
  'x-ratelimit-limit-requests': '600',
  'x-ratelimit-remaining-requests': '1',
  'x-ratelimit-reset-requests': '59.9s',
});

async function open(overrides: Partial<QuotaGateOptions> = {}): Promise<{ gate: QuotaGate; clock: ManualClock }> {
  const dir = await mkdtemp(join(tmpdir(), 'quota-edge-'));
  const clock = new ManualClock(START);
  const gate = await openQuotaGate(
    {
      monitoring: true,
      threshold: 0.8,
      dailyLimit: undefined,
      pauseDurationHours: 24,
      logIntervalRequests: 1000,
      onDailyLimit: 'wait',
      statePath: join(dir, 'state.json'),
      maxWorkers: 'auto',
      maxOutputTokens: 200,
      ...overrides,
    },
    { clock, events: new RunEmitter(), random: () => 0.5 },
  );
  return { gate, clock };
}

async function tick(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

/** Sends one request that takes `latencyMs` of clock time and answers 200 with the stated limit. */
async function answerAfter(gate: QuotaGate, clock: ManualClock, latencyMs: number): Promise<void> {
  const permit = await gate.acquire(new AbortController().signal);
  clock.advance(latencyMs);
  permit.settle({ ok: true, headers: STATED_600, usage: USAGE });
}

describe('auto concurrency (manual clock)', () => {
  test('the in-flight limit is rate × latency × 1.25 + 2, between 1 and the cap', () => {
    const limit = new InFlightLimit({ mode: 'auto', maxInFlight: 100 });
    limit.answered({ latencyMs: 2000, ok: true, now: 2000, inFlight: 1 });
    assert.equal(limit.limit(0.01), 27); // 10/s × 2 s × 1.25 + 2
    assert.equal(limit.limit(1), 100, 'capped');
    assert.equal(new InFlightLimit({ mode: 8 }).limit(0.01), Number.POSITIVE_INFINITY, 'a fixed count: workers cap');
  });

  test('auto concurrency rises with latency and falls when latency drops', async () => {
    const { gate, clock } = await open();
    const limits: number[] = [];
    for (const latency of [500, 4000, 8000, 200]) {
      for (let i = 0; i < 30; i++) await answerAfter(gate, clock, latency);
      limits.push(gate.inFlightLimit);
    }
    // 600/min = 10/s: ~8, ~52, ~102 and ~5 requests in flight.
    const [fast, slow, slower, fastAgain] = limits;
    assert.ok(fast !== undefined && slow !== undefined && slower !== undefined && fastAgain !== undefined);
    assert.ok(fast >= 7 && fast <= 10, `500 ms → ${fast}`);
    assert.ok(slow > fast && slow >= 48 && slow <= 55, `4 s → ${slow}`);
    assert.ok(slower > slow && slower >= 95 && slower <= 105, `8 s → ${slower}`);
    assert.ok(fastAgain < fast && fastAgain <= 6, `200 ms → ${fastAgain}`);
    await gate.close();
  });

  test('a run without known limits starts with a burst of 8 and doubles it each round trip', () => {
    const limit = new InFlightLimit({ mode: 'auto' });
    assert.equal(limit.limit(undefined), 8);
    for (let i = 0; i < 8; i++) limit.answered({ latencyMs: 1000, ok: true, now: 1000, inFlight: 8 });
    assert.equal(limit.limit(undefined), 16);
    limit.rateLimited(16, false);
    assert.equal(limit.limit(undefined), 8, 'a 429 halves it');
    for (let i = 0; i < 8; i++) limit.answered({ latencyMs: 1000, ok: true, now: 1000, inFlight: 8 });
    assert.equal(limit.limit(undefined), 9, 'then it grows by one per round trip');
  });
});

describe('pacing at the edge (manual clock)', () => {
  test('the pace converges under a per-second enforcement tighter than the stated limit', async () => {
    const { gate, clock } = await open();
    // The provider states 600/min (10/s) but enforces 8 per second.
    const bucket = new TokenBucket(8, 8 / 1000, START);
    const signal = new AbortController().signal;
    const log: { t: number; ok: boolean }[] = [];
    let handedOut = 0;
    let stop = false;
    const worker = async (): Promise<void> => {
      while (!stop) {
        let permit;
        try {
          permit = await gate.acquire(signal);
        } catch {
          return;
        }
        handedOut++;
        const now = clock.now();
        if (bucket.waitFor(1, now) === 0) {
          bucket.take(1, now);
          permit.settle({ ok: true, headers: STATED_600, usage: USAGE });
          log.push({ t: now, ok: true });
        } else {
          const error = new ProviderError('rate limited', {
            kind: 'rate_limit',
            status: 429,
            retryAfterMs: Math.ceil(bucket.waitFor(1, now)),
          });
          permit.settle({ ok: false, error }, { attempt: 1, maxRetries: 5 });
          log.push({ t: now, ok: false });
        }
      }
    };
    const workers = Array.from({ length: 20 }, () => worker());
    for (let elapsed = 0; elapsed < 40_000; elapsed += 50) {
      const deadline = Date.now() + 60_000; // only a guard: a busy machine may be slow
      await tick();
      while (handedOut < gate.snapshot().usedToday) {
        if (Date.now() > deadline) throw new Error('an admitted request was never handed out');
        await tick();
      }
      clock.advance(50);
    }
    stop = true;
    await gate.close();
    await Promise.all(workers);
    const late = log.filter((entry) => entry.t >= START + 15_000);
    const ok = late.filter((entry) => entry.ok).length;
    const limited = late.length - ok;
    // 25 s at 8/s = 200: the run keeps at least 85 % of what the provider really allows …
    assert.ok(ok >= 170 && ok <= 208, `${ok} successes in the last 25 s`);
    // … and is rarely rate limited once converged.
    assert.ok(limited <= 0.03 * late.length, `${limited} 429s of ${late.length} requests in the last 25 s`);
    const early = log.filter((entry) => entry.t < START + 15_000 && !entry.ok).length;
    assert.ok(early >= 1, 'the stated pace was too fast at first');
  });

  test('429s to the initial burst, sent before any limit was known, leave the pace at the stated limit', async () => {
    const { gate, clock } = await open();
    const signal = new AbortController().signal;
    // No limit known yet: a burst of 8 goes out at once, into a provider bucket that holds only 5.
    const burst = await Promise.all(Array.from({ length: 8 }, () => gate.acquire(signal)));
    assert.equal(clock.now(), START);
    clock.advance(100);
    const [first, ...rest] = burst;
    assert.ok(first !== undefined);
    first.settle({ ok: true, headers: STATED_600, usage: USAGE });
    for (const [i, permit] of rest.entries()) {
      if (i < 4) {
        permit.settle({ ok: true, headers: STATED_600, usage: USAGE });
        continue;
      }
      const error = new ProviderError('rate limited', { kind: 'rate_limit', status: 429, retryAfterMs: 200 });
      permit.settle({ ok: false, error }, { attempt: 1, maxRetries: 5 });
    }
    // After the provider's hold-off, requests follow the stated 600/min: one every 100 ms, not
    // a pace lowered by 429s that no pacing could have avoided.
    const a = gate.acquire(signal);
    clock.advance(400);
    const admitted = await a;
    const next = gate.acquire(signal);
    clock.advance(99);
    await tick();
    assert.equal(gate.snapshot().usedToday, 9, 'not before 100 ms');
    clock.advance(1);
    for (let i = 0; i < 5; i++) await tick();
    assert.equal(gate.snapshot().usedToday, 10, 'admitted after exactly 100 ms');
    const b = await next;
    assert.equal(b.admittedAt - admitted.admittedAt, 100);
    await gate.close();
  });

  test('spare room in the bucket is spent at once: a job smaller than the bucket is not paced', async () => {
    const { gate, clock } = await open();
    const signal = new AbortController().signal;
    const first = await gate.acquire(signal);
    // 590 of 600 left: plenty of room beyond the paced schedule.
    first.settle({
      ok: true,
      headers: new Headers({
        'x-ratelimit-limit-requests': '600',
        'x-ratelimit-remaining-requests': '590',
        'x-ratelimit-reset-requests': '1s',
      }),
      usage: USAGE,
    });
    const pending = Array.from({ length: 100 }, () => gate.acquire(signal));
    await Promise.all(pending);
    assert.equal(gate.snapshot().usedToday, 101, 'all 100 admitted with no clock time passing');
    assert.equal(clock.now(), START);
    await gate.close();
  });

  test('the token charge is estimated like the provider: output cap or 1,024, plus input', async () => {
    const { gate, clock } = await open({ maxOutputTokens: undefined });
    const signal = new AbortController().signal;
    // 61,440 tokens per minute with 1,024 charged per request: one request per second.
    const tokens = new Headers({
      'x-ratelimit-limit-tokens': '61440',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '60s',
    });
    const first = await gate.acquire(signal);
    first.settle({ ok: false, error: new ProviderError('x', { kind: 'server', status: 500, headers: tokens }) });
    // The failed request keeps its charge (test/quota-failed-charge.test.ts): one slot later.
    clock.advance(1000);
    const a = await gate.acquire(signal);
    const next = gate.acquire(signal);
    clock.advance(999);
    await tick();
    assert.equal(gate.snapshot().usedToday, 2, 'the second request waits for 1,024 tokens');
    clock.advance(1);
    const b = await next;
    assert.equal(b.admittedAt - a.admittedAt, 1000);
    await gate.close();
  });
});
