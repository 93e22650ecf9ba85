import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import { ProviderError } from '../src/core/errors.js';
import { RunEmitter, type RunEvents } from '../src/core/events.js';
import { openQuotaGate, type QuotaGate, type QuotaGateOptions, type QuotaPermit } from '../src/quota/index.js';

const START = Date.parse('2024-01-01T10:00:00Z');
const USAGE = { input_tokens: 100, output_tokens: 50, total_tokens: 150 };

async function open(
  overrides: Partial<QuotaGateOptions> = {},
): Promise<{ gate: QuotaGate; clock: ManualClock; events: RunEmitter }> {
  const dir = await mkdtemp(join(tmpdir(), 'quota-pacing-'));
  const clock = new ManualClock(START);
  const events = new RunEmitter();
  const gate = await openQuotaGate(
    {
      monitoring: true,
      threshold: 1,
      dailyLimit: undefined,
      pauseDurationHours: 24,
      logIntervalRequests: 100,
      onDailyLimit: 'wait',
      statePath: join(dir, 'state.json'),
      maxWorkers: 8,
      maxOutputTokens: undefined,
      ...overrides,
    },
    { clock, events, random: () => 0.5 },
  );
  return { gate, clock, events };
}

function headers(values: Record<string, string>): Headers {
  return new Headers(values);
}

// The bucket is nearly empty (1 of 600 left, full again in 59.9 s): no spare room to spend, so
// admissions follow the paced schedule.
const REQUESTS_600 = {
  'x-ratelimit-limit-requests': '600',
  'x-ratelimit-remaining-requests': '1',
  'x-ratelimit-reset-requests': '59.9s',
};

async function tick(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Starts `count` acquirers and moves the clock `stepMs` at a time until all are admitted (or
 * `limitMs` passes). Before each step it waits until every admitted request has been handed
 * out (the state file write is real I/O), so the result does not depend on disk speed. Permits
 * are settled with `settleWith` as soon as they are granted, unless it is undefined. Returns
 * the permits in admission order.
 */
async function admitAll(
  gate: QuotaGate,
  clock: ManualClock,
  count: number,
  settleWith: Headers | undefined,
  limitMs = 10_000,
  stepMs = 1,
): Promise<QuotaPermit[]> {
  const signal = new AbortController().signal;
  const permits: QuotaPermit[] = [];
  const base = gate.snapshot().usedToday;
  const pending = Array.from({ length: count }, () =>
    gate.acquire(signal).then((permit) => {
      permits.push(permit);
      if (settleWith) permit.settle({ ok: true, headers: settleWith, usage: USAGE });
    }),
  );
  for (let elapsed = 0; permits.length < count && elapsed < limitMs; elapsed += stepMs) {
    const deadline = Date.now() + 60_000; // only a guard: a busy machine may be slow
    await tick();
    while (permits.length < gate.snapshot().usedToday - base) {
      if (Date.now() > deadline) throw new Error('an admitted request was never handed out');
      await tick();
    }
    if (permits.length < count) clock.advance(stepMs);
  }
  await Promise.all(pending);
  return permits.sort((a, b) => a.admittedAt - b.admittedAt);
}

function gaps(permits: QuotaPermit[]): number[] {
  return permits.slice(1).map((p, i) => p.admittedAt - (permits[i]?.admittedAt ?? 0));
}

async function primeWith(gate: QuotaGate, values: Record<string, string>): Promise<QuotaPermit> {
  const first = await gate.acquire(new AbortController().signal);
  first.settle({ ok: true, headers: headers(values), usage: USAGE });
  return first;
}

describe('provider window pacing', () => {
  test('admissions are spaced ~100 ms with a 600/min request limit at threshold 1.0', async () => {
    const { gate, clock } = await open({ threshold: 1 });
    await primeWith(gate, REQUESTS_600);
    const permits = await admitAll(gate, clock, 6, headers(REQUESTS_600));
    assert.deepEqual(gaps(permits), [100, 100, 100, 100, 100]);
    await gate.close();
  });

  test('admissions are spaced ~125 ms at rate share 0.8', async () => {
    const { gate, clock } = await open({ rateShare: 0.8 });
    // 125 of 600 left: above the fifth the run must leave unused, with no spare room beyond it.
    const share = {
      'x-ratelimit-limit-requests': '600',
      'x-ratelimit-remaining-requests': '125',
      'x-ratelimit-reset-requests': '47.5s',
    };
    await primeWith(gate, share);
    const permits = await admitAll(gate, clock, 5, headers(share));
    assert.deepEqual(gaps(permits), [125, 125, 125, 125]);
    await gate.close();
  });

  test('the quota threshold no longer touches the pace: 0.5 and 1.0 both space admissions 100 ms', async () => {
    for (const threshold of [0.5, 1]) {
      const { gate, clock } = await open({ threshold, dailyLimit: 10_000 });
      await primeWith(gate, REQUESTS_600);
      const permits = await admitAll(gate, clock, 6, headers(REQUESTS_600));
      assert.deepEqual(gaps(permits), [100, 100, 100, 100, 100], `threshold ${threshold}`);
      await gate.close();
    }
  });

  test('remaining below the unused headroom holds admissions off until the window resets', async () => {
    const { gate, clock, events } = await open({ rateShare: 0.8 });
    const logs: string[] = [];
    events.on('log', (l) => logs.push(l.message));
    // 50 left of 600 while 20 % (120) must stay unused: someone else is using the key.
    await primeWith(gate, {
      'x-ratelimit-limit-requests': '600',
      'x-ratelimit-remaining-requests': '50',
      'x-ratelimit-reset-requests': '55s',
    });
    const [permit] = await admitAll(gate, clock, 1, undefined, 60_000, 10);
    assert.ok(permit);
    const waited = permit.admittedAt - START;
    assert.ok(waited >= 55_000 && waited <= 55_100, `waited ${waited} ms, expected the 55 s reset`);
    assert.ok(gate.snapshot().requestsRemaining === 50);
    assert.ok(logs.some((m) => m.includes('holding off')));
    await gate.close();
  });

  test('a provider bucket smaller than the minute is judged by its own size, not the limit', async () => {
    const { gate, clock } = await open({ rateShare: 0.8 });
    // 3 of a 5-request bucket left (it refills in 200 ms at 600/min): 60 % left, not 0.5 %.
    const small = {
      'x-ratelimit-limit-requests': '600',
      'x-ratelimit-remaining-requests': '3',
      'x-ratelimit-reset-requests': '200ms',
    };
    await primeWith(gate, small);
    const permits = await admitAll(gate, clock, 3, headers(small));
    assert.deepEqual(gaps(permits), [125, 125]);
    assert.equal(permits[0]?.admittedAt, START);
    await gate.close();
  });

  test('a bogus reset cannot stall the run: a header-derived hold-off is capped at 65 s', async () => {
    const { gate, clock } = await open({ rateShare: 0.5 });
    await primeWith(gate, {
      'x-ratelimit-limit-tokens': '100000',
      'x-ratelimit-remaining-tokens': '10',
      'x-ratelimit-reset-tokens': '6h0m0s',
    });
    const [permit] = await admitAll(gate, clock, 1, undefined, 70_000, 10);
    assert.ok(permit);
    assert.ok(permit.admittedAt - START <= 65_000);
    await gate.close();
  });

  test('garbage, zero and negative headers never make anyone wait', async () => {
    const { gate, clock, events } = await open({ threshold: 0.8 });
    const logs: RunEvents['log'][] = [];
    events.on('log', (l) => logs.push(l));
    const junk = headers({
      'x-ratelimit-limit-requests': 'abc',
      'x-ratelimit-remaining-requests': '-1',
      'x-ratelimit-reset-requests': 'soon',
      'x-ratelimit-limit-tokens': '0',
      'x-ratelimit-remaining-tokens': '0',
    });
    await primeWith(gate, Object.fromEntries(junk.entries()));
    const permits = await admitAll(gate, clock, 20, junk);
    assert.equal(permits.length, 20);
    assert.ok(
      permits.every((p) => p.admittedAt === START),
      'all admitted without the clock moving',
    );
    assert.ok(logs.some((l) => l.level === 'debug' && l.message.includes('x-ratelimit-limit-requests')));
    await gate.close();
  });

  test('missing headers never block: after the first answer, nothing is paced', async () => {
    const { gate, clock } = await open();
    await primeWith(gate, {});
    const permits = await admitAll(gate, clock, 30, new Headers());
    assert.ok(permits.every((p) => p.admittedAt === START));
    await gate.close();
  });

  test('until the first answer arrives, a bounded burst of 8 requests of 200 output tokens is in flight, not one', async () => {
    const { gate } = await open({ maxWorkers: 'auto', maxOutputTokens: 200 });
    const signal = new AbortController().signal;
    const pending = Array.from({ length: 12 }, () => gate.acquire(signal));
    const all = Promise.allSettled(pending);
    await tick();
    assert.equal(gate.snapshot().usedToday, 8, 'eight admitted at once');
    const first = await pending[0];
    first?.settle({ ok: true, headers: new Headers(), usage: USAGE });
    await tick();
    // No limit is known yet: each answer lets one more in, plus one (a slow start).
    assert.equal(gate.snapshot().usedToday, 10);
    await gate.close();
    await all;
  });

  test('tokens are paced by the estimate (average input + output cap) and settled with real usage', async () => {
    const { gate, clock } = await open({ threshold: 1, maxOutputTokens: 100 });
    // 60,000 tokens per minute = 1 token per ms; estimate = 100 input + 100 cap = 200 tokens.
    const tokenHeaders = {
      'x-ratelimit-limit-tokens': '60000',
      'x-ratelimit-remaining-tokens': '100',
      'x-ratelimit-reset-tokens': '59.9s',
    };
    await primeWith(gate, tokenHeaders);
    const held = await admitAll(gate, clock, 4, undefined);
    assert.deepEqual(gaps(held), [200, 200, 200]);
    // Settling with the real 150 tokens refunds 50 ms each from the schedule.
    for (const permit of held) permit.settle({ ok: true, headers: headers(tokenHeaders), usage: USAGE });
    const settled = await admitAll(gate, clock, 4, headers(tokenHeaders));
    assert.deepEqual(gaps(settled), [150, 150, 150]);
    await gate.close();
  });

  test('with monitoring off, headers are not used for pacing', async () => {
    const { gate, clock } = await open({ monitoring: false });
    await primeWith(gate, { ...REQUESTS_600, 'x-ratelimit-remaining-requests': '0' });
    const permits = await admitAll(gate, clock, 10, headers(REQUESTS_600));
    assert.ok(permits.every((p) => p.admittedAt === START));
    await gate.close();
  });

  test('each response with rate-limit headers is reported as quota:status', async () => {
    const { gate, events } = await open();
    const statuses: RunEvents['quota:status'][] = [];
    events.on('quota:status', (s) => statuses.push(s));
    await primeWith(gate, REQUESTS_600);
    assert.deepEqual(statuses, [
      {
        requestsLimit: 600,
        requestsRemaining: 1,
        requestsResetMs: 59_900,
        tokensLimit: undefined,
        tokensRemaining: undefined,
        tokensResetMs: undefined,
      },
    ]);
    await gate.close();
  });
});

describe('limits remembered from an earlier run', () => {
  test('pace from the start, and are dropped when a success arrives with no rate-limit headers', async () => {
    const first = await open({ threshold: 1 });
    await primeWith(first.gate, REQUESTS_600);
    await first.gate.close();
    const statePath = join(await mkdtemp(join(tmpdir(), 'quota-restore-')), 'state.json');
    const seeded = await open({ threshold: 1, statePath });
    await primeWith(seeded.gate, REQUESTS_600);
    await seeded.gate.close();

    const { gate, clock, events } = await open({ threshold: 1, statePath });
    const paced = await admitAll(gate, clock, 3, undefined);
    assert.deepEqual(gaps(paced), [100, 100], 'restored limits pace before any answer');
    const notes: string[] = [];
    events.on('log', (e) => notes.push(e.message));
    for (const permit of paced) permit.settle({ ok: true, headers: headers({}), usage: USAGE });
    assert.ok(notes.some((m) => /no rate-limit headers/.test(m)));
    const free = await admitAll(gate, clock, 4, headers({}));
    assert.deepEqual(gaps(free), [0, 0, 0], 'stale limits no longer slow the run');
    await gate.close();
  });

  test('are kept when only a 429 without headers arrives (real 429s often lack them)', async () => {
    const statePath = join(await mkdtemp(join(tmpdir(), 'quota-restore-')), 'state.json');
    const seeded = await open({ threshold: 1, statePath });
    await primeWith(seeded.gate, REQUESTS_600);
    await seeded.gate.close();
    const { gate, events } = await open({ threshold: 1, statePath });
    const notes: string[] = [];
    events.on('log', (e) => notes.push(e.message));
    const permit = await gate.acquire(new AbortController().signal);
    permit.settle({
      ok: false,
      error: new ProviderError('429', { kind: 'rate_limit', status: 429, headers: headers({}) }),
    });
    assert.ok(!notes.some((m) => /no rate-limit headers/.test(m)));
    await gate.close();
  });
});
