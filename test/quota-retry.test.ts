import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import {
  AuthStopError,
  ProviderError,
  QuotaStopError,
  ShutdownError,
  type ProviderErrorDetails,
  type ProviderErrorKind,
} from '../src/core/errors.js';
import { RunEmitter, type RunEvents } from '../src/core/events.js';
import { openQuotaGate, RetryPolicy, type QuotaGate, type QuotaGateOptions } from '../src/quota/index.js';

const START = Date.parse('2024-01-01T10:00:00Z');
const USAGE = { input_tokens: 10, output_tokens: 20, total_tokens: 30 };

function failure(kind: ProviderErrorKind, details: Omit<ProviderErrorDetails, 'kind'> = {}): ProviderError {
  return new ProviderError(`simulated ${kind}`, { kind, ...details });
}

async function open(overrides: Partial<QuotaGateOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'quota-retry-'));
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
      maxWorkers: 4,
      maxOutputTokens: undefined,
      ...overrides,
    },
    { clock, events, random: () => 0.5 },
  );
  return { gate, clock, events };
}

/** Ends the gentle start so several requests may be in flight. */
async function warmUp(gate: QuotaGate): Promise<void> {
  const permit = await gate.acquire(new AbortController().signal);
  permit.settle({ ok: true, headers: new Headers(), usage: USAGE });
}

/** Requests admitted so far: admission counts synchronously, before the permit is handed out. */
function admitted(gate: QuotaGate): number {
  return gate.snapshot().usedToday;
}

/** Lets sleepers woken by the ManualClock run their continuations. */
async function tick(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('retry policy table (random fixed at 0.5)', () => {
  const policy = new RetryPolicy({ random: () => 0.5 });

  test('server, network, timeout, malformed, incomplete: full-jitter backoff from 500 ms, capped at 30 s', () => {
    for (const kind of ['server', 'network', 'timeout', 'malformed', 'incomplete'] as const) {
      assert.deepEqual(policy.decide(failure(kind), 1, 5), { action: 'retry', delayMs: 250 }, kind);
      assert.deepEqual(policy.decide(failure(kind), 3, 5), { action: 'retry', delayMs: 1000 }, kind);
      assert.deepEqual(policy.decide(failure(kind), 5, 5), { action: 'retry', delayMs: 4000 }, kind);
      assert.deepEqual(policy.decide(failure(kind), 6, 5), { action: 'fail' }, `${kind} after maxRetries`);
    }
    assert.deepEqual(policy.decide(failure('server'), 20, 30), { action: 'retry', delayMs: 15_000 });
  });

  test('delays spread over the whole interval as random goes from 0 to 1', () => {
    const low = new RetryPolicy({ random: () => 0 }).decide(failure('server'), 4, 5);
    const high = new RetryPolicy({ random: () => 0.999 }).decide(failure('server'), 4, 5);
    assert.deepEqual(low, { action: 'retry', delayMs: 0 });
    assert.equal(high.action, 'retry');
    assert.ok(high.action === 'retry' && high.delayMs > 3990 && high.delayMs < 4000);
  });

  test('overloaded backs off longer: base 2 s, cap 60 s', () => {
    assert.deepEqual(policy.decide(failure('overloaded'), 1, 5), { action: 'retry', delayMs: 1000 });
    assert.deepEqual(policy.decide(failure('overloaded'), 10, 20), { action: 'retry', delayMs: 30_000 });
  });

  test('a 503 retry-after is a floor for the backoff', () => {
    assert.deepEqual(policy.decide(failure('overloaded', { retryAfterMs: 7000 }), 1, 5), {
      action: 'retry',
      delayMs: 7350, // 7 s, plus jitter of up to 10 % (random 0.5)
    });
  });

  test('bad_request and too_large fail the artist at once', () => {
    assert.deepEqual(policy.decide(failure('bad_request', { status: 400 }), 1, 5), { action: 'fail' });
    assert.deepEqual(policy.decide(failure('too_large', { status: 429 }), 1, 5), { action: 'fail' });
  });

  test('rate limits retry beyond maxRetries, up to maxRetries + 20 attempts', () => {
    assert.deepEqual(policy.decide(failure('rate_limit'), 25, 5, 1200), { action: 'retry', delayMs: 1260 });
    assert.deepEqual(policy.decide(failure('slow_down'), 25, 5), { action: 'retry', delayMs: 0 });
    assert.deepEqual(policy.decide(failure('rate_limit'), 26, 5), { action: 'fail' });
  });

  test('quota and auth stop the run with errors that say how to resume', () => {
    const quota = policy.decide(failure('quota', { status: 429, apiCode: 'insufficient_quota' }), 1, 5);
    assert.equal(quota.action, 'stop');
    assert.ok(quota.action === 'stop' && quota.error instanceof QuotaStopError);
    assert.equal(quota.error.reason, 'insufficient_quota');
    assert.match(quota.error.message, /--resume/);
    const auth = policy.decide(failure('auth', { status: 401 }), 1, 5);
    assert.ok(auth.action === 'stop' && auth.error instanceof AuthStopError);
    assert.match(auth.error.message, /HTTP 401/);
  });

  test('the 429 hold-off prefers retry-after, then the reset header of the limit type, then a backoff', () => {
    const reset = new Headers({ 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-reset-tokens': '6m0s' });
    assert.deepEqual(policy.holdOffFor(failure('rate_limit', { retryAfterMs: 1500, headers: reset }), 1, START), {
      ms: 1500,
      source: 'retry-after',
    });
    assert.deepEqual(policy.holdOffFor(failure('rate_limit', { apiType: 'requests', headers: reset }), 1, START), {
      ms: 2050,
      source: 'reset-header',
    });
    assert.deepEqual(policy.holdOffFor(failure('rate_limit', { apiType: 'tokens', headers: reset }), 1, START), {
      ms: 65_000,
      source: 'reset-header',
    });
    assert.deepEqual(policy.holdOffFor(failure('rate_limit'), 3, START), { ms: 2000, source: 'backoff' });
    assert.equal(policy.holdOffFor(failure('server'), 1, START), undefined);
  });

  test('retry-after values are read from the headers when the provider did not set retryAfterMs', () => {
    const headers = new Headers({ 'retry-after': '3' });
    assert.deepEqual(policy.holdOffFor(failure('rate_limit', { headers }), 1, START), {
      ms: 3000,
      source: 'retry-after',
    });
  });

  test('an absurd retry-after is capped at 120 s', () => {
    assert.equal(policy.holdOffFor(failure('rate_limit', { retryAfterMs: 3_600_000 }), 1, START)?.ms, 120_000);
  });
});

describe('shared 429 hold-off in the gate', () => {
  test('every worker holds off until retry-after, and settle returns a retry after the remaining hold-off', async () => {
    const { gate, clock } = await open();
    await warmUp(gate);
    const signal = new AbortController().signal;
    const permit = await gate.acquire(signal);
    const error = failure('rate_limit', { status: 429, apiCode: 'rate_limit_exceeded', retryAfterMs: 3000 });
    // The remaining hold-off is the floor; each worker adds up to 10 % (at most 1 s) of jitter.
    const decision = permit.settle({ ok: false, error }, { attempt: 1, maxRetries: 5 });
    assert.deepEqual(decision, { action: 'retry', delayMs: 3150 });
    assert.equal(gate.snapshot().pausedUntil, START + 3000);

    const before = admitted(gate);
    const other = gate.acquire(signal);
    clock.advance(2999);
    await tick();
    assert.equal(admitted(gate), before, 'another worker is held off too');
    assert.equal(permit.settle({ ok: false, error }), decision, 'a second settle changes nothing');
    assert.equal(gate.snapshot().pausedUntil, START + 3000);
    clock.advance(1);
    const granted = await other;
    assert.equal(granted.admittedAt, START + 3000);
    granted.settle({ ok: true, headers: new Headers(), usage: USAGE });
    await gate.close();
  });

  test('a later 429 with a shorter retry-after never shortens the hold-off', async () => {
    const { gate, clock } = await open();
    await warmUp(gate);
    const signal = new AbortController().signal;
    const [a, b] = [await gate.acquire(signal), await gate.acquire(signal)];
    a.settle({ ok: false, error: failure('rate_limit', { retryAfterMs: 5000 }) });
    b.settle({ ok: false, error: failure('rate_limit', { retryAfterMs: 1000 }) });
    const before = admitted(gate);
    const next = gate.acquire(signal);
    clock.advance(4000);
    await tick();
    assert.equal(admitted(gate), before);
    clock.advance(1000);
    assert.equal((await next).admittedAt, START + 5000);
    await gate.close();
  });

  test('a long hold-off is announced as a rate_limit pause and its end as a resume', async () => {
    const { gate, clock, events } = await open();
    const paused: RunEvents['quota:paused'][] = [];
    const resumed: RunEvents['quota:resumed'][] = [];
    events.on('quota:paused', (p) => paused.push(p));
    events.on('quota:resumed', (r) => resumed.push(r));
    await warmUp(gate);
    const signal = new AbortController().signal;
    const permit = await gate.acquire(signal);
    permit.settle({
      ok: false,
      error: failure('rate_limit', { apiCode: 'rate_limit_exceeded', retryAfterMs: 20_000 }),
    });
    assert.equal(paused.length, 1);
    assert.equal(paused[0]?.reason, 'rate_limit');
    assert.equal(paused[0]?.resumeAt, START + 20_000);
    const next = gate.acquire(signal);
    clock.advance(20_000);
    await next;
    assert.deepEqual(resumed, [{ pausedMs: 20_000, reason: 'Rate limit hold-off ended' }]);
    await gate.close();
  });

  test('slow_down halves the pace of a known request window', async () => {
    const { gate, clock } = await open({ threshold: 1 });
    const signal = new AbortController().signal;
    const window = new Headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '599' });
    const first = await gate.acquire(signal);
    first.settle({ ok: true, headers: window, usage: USAGE });
    const second = await gate.acquire(signal);
    second.settle({ ok: false, error: failure('slow_down', { status: 429, apiCode: 'slow_down', retryAfterMs: 0 }) });
    const third = gate.acquire(signal);
    clock.advance(100);
    await tick();
    assert.equal(admitted(gate), 2, 'not at the normal 100 ms spacing');
    clock.advance(100);
    const a = await third;
    assert.equal(a.admittedAt, START + 200);
    const fourth = gate.acquire(signal);
    clock.advance(199);
    await tick();
    assert.equal(admitted(gate), 3);
    clock.advance(1);
    assert.equal((await fourth).admittedAt - a.admittedAt, 200);
    await gate.close();
  });

  test('a 429 without any hint still holds everyone off with a backoff', async () => {
    const { gate, clock } = await open();
    await warmUp(gate);
    const signal = new AbortController().signal;
    const permit = await gate.acquire(signal);
    const error = failure('rate_limit', { status: 429 });
    const decision = permit.settle({ ok: false, error }, { attempt: 1, maxRetries: 5 });
    assert.deepEqual(decision, { action: 'retry', delayMs: 525 });
    const next = gate.acquire(signal);
    clock.advance(499);
    await tick();
    assert.equal(admitted(gate), 2);
    clock.advance(1);
    assert.equal((await next).admittedAt, START + 500);
    await gate.close();
  });
});

describe('without rate-limit headers', () => {
  test('a wave of 429s halves the requests in flight once, and successes grow it back', async () => {
    const { gate, clock } = await open({ maxWorkers: 16 });
    await warmUp(gate);
    const signal = new AbortController().signal;
    const wave = await Promise.all(Array.from({ length: 8 }, () => gate.acquire(signal)));
    for (const permit of wave) permit.settle({ ok: false, error: failure('rate_limit', { retryAfterMs: 100 }) });
    const base = admitted(gate);
    const next = Array.from({ length: 6 }, () => gate.acquire(signal));
    clock.advance(100);
    await tick();
    assert.equal(admitted(gate) - base, 4, 'half of the 8 that were in flight');
    const granted = await Promise.all(next.slice(0, 4));
    granted[0]?.settle({ ok: true, headers: new Headers(), usage: USAGE });
    await tick();
    assert.equal(admitted(gate) - base, 5, 'a finished request frees its slot');
    for (const permit of granted.slice(1)) permit.settle({ ok: true, headers: new Headers(), usage: USAGE });
    await Promise.all(next);
    assert.equal(admitted(gate) - base, 6);
    await gate.close();
  });

  test('a later 429 inside the same hold-off does not halve the cap again', async () => {
    const { gate, clock } = await open({ maxWorkers: 16 });
    await warmUp(gate);
    const signal = new AbortController().signal;
    const wave = await Promise.all(Array.from({ length: 8 }, () => gate.acquire(signal)));
    for (const permit of wave) permit.settle({ ok: false, error: failure('rate_limit', { retryAfterMs: 1000 }) });
    const base = admitted(gate);
    const next = Array.from({ length: 4 }, () => gate.acquire(signal));
    clock.advance(1000);
    await Promise.all(next);
    assert.equal(admitted(gate) - base, 4);
    await gate.close();
  });
});

describe('stop latch, abort and close', () => {
  test('insufficient_quota stops every later acquire with the same error', async () => {
    const { gate } = await open();
    await warmUp(gate);
    const signal = new AbortController().signal;
    const [permit, other] = [await gate.acquire(signal), await gate.acquire(signal)];
    const error = failure('quota', { status: 429, apiCode: 'insufficient_quota' });
    const decision = permit.settle({ ok: false, error });
    assert.ok(decision.action === 'stop' && decision.error instanceof QuotaStopError);
    await assert.rejects(gate.acquire(signal), (e) => e === decision.error);
    const again = other.settle({ ok: false, error: failure('quota', { status: 429 }) });
    assert.ok(again.action === 'stop' && again.error === decision.error);
    await gate.close();
  });

  test('a 401 stops the run with AuthStopError, and waiting workers are released with it', async () => {
    // Charges of 200 tokens: the initial burst is 8 (docs/pacing.md#concurrency).
    const { gate } = await open({ maxWorkers: 'auto', maxOutputTokens: 200 });
    const signal = new AbortController().signal;
    const [first] = await Promise.all(Array.from({ length: 8 }, () => gate.acquire(signal)));
    const waiting = gate.acquire(signal); // beyond the initial burst: waits for an answer
    const error = failure('auth', { status: 401 });
    const decision = first?.settle({ ok: false, error });
    await assert.rejects(waiting, AuthStopError);
    assert.ok(decision?.action === 'stop' && decision.error instanceof AuthStopError);
    await gate.close();
  });

  test('aborting a waiting acquire rejects promptly with the signal reason and leaves no timer', async () => {
    const { gate, clock } = await open({ dailyLimit: 1, threshold: 1 });
    await warmUp(gate); // uses the whole budget: the next acquire waits for the next UTC day
    const controller = new AbortController();
    const waiting = gate.acquire(controller.signal);
    await tick();
    assert.equal(admitted(gate), 1);
    assert.equal(clock.pendingSleepers, 1);
    const reason = new ShutdownError('stop now');
    controller.abort(reason);
    await assert.rejects(waiting, (e) => e === reason);
    assert.equal(clock.pendingSleepers, 0);
    await assert.rejects(gate.acquire(controller.signal), (e) => e === reason);
    await gate.close();
  });

  test('close rejects waiting callers with ShutdownError and cancels timers', async () => {
    const { gate, clock } = await open({ dailyLimit: 1, threshold: 1 });
    await warmUp(gate);
    const waiting = gate.acquire(new AbortController().signal);
    await tick();
    assert.equal(clock.pendingSleepers, 1);
    const rejected = assert.rejects(waiting, ShutdownError);
    await gate.close();
    await rejected;
    assert.equal(clock.pendingSleepers, 0);
    await assert.rejects(gate.acquire(new AbortController().signal), ShutdownError);
  });
});
