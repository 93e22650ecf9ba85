/**
 * The runner ↔ gate protocol (docs/architecture.md#the-runner-gate-protocol) on the manual clock:
 * one `settle()` per sent request returns the decision, `cancel()` gives an unsent request back,
 * and an abort is an outcome of its own, never a made-up error.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ManualClock, systemClock } from '../src/core/clock.js';
import {
  ProviderError,
  QuotaStopError,
  ShutdownError,
  type ProviderErrorDetails,
  type ProviderErrorKind,
} from '../src/core/errors.js';
import { RunEmitter } from '../src/core/events.js';
import type { DispatchGate, GateOutcome } from '../src/core/gate.js';
import type { Artist, ErrorRecord, OutputRecord } from '../src/core/types.js';
import { Runner } from '../src/pipeline/index.js';
import { createRequestBuilder, parseTemplate } from '../src/prompt/index.js';
import type { ModelProvider } from '../src/provider/index.js';
import { openQuotaGate, type QuotaGateOptions } from '../src/quota/index.js';

const START = Date.parse('2026-12-01T10:00:00Z');
const USAGE = { input_tokens: 10, output_tokens: 20, total_tokens: 30 };
const ATTEMPT = { attempt: 1, maxRetries: 5 };
/**
 * 600 requests per minute with no spare room in the bucket (5 left, under the 1 % margin of 6):
 * one admission every 100 ms.
 */
const WINDOW_600 = new Headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '5' });

function failure(kind: ProviderErrorKind, details: Omit<ProviderErrorDetails, 'kind'> = {}): ProviderError {
  return new ProviderError(`simulated ${kind}`, { kind, ...details });
}

async function open(overrides: Partial<QuotaGateOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'gate-protocol-'));
  const clock = new ManualClock(START);
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
    { clock, events: new RunEmitter(), random: () => 0.5 },
  );
  return { gate, clock, signal: new AbortController().signal };
}

/** Lets continuations woken by the manual clock run. */
async function tick(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('permit.cancel()', () => {
  test('a cancelled permit gives its daily count back, so the last request of the day is still sent', async () => {
    const { gate, clock, signal } = await open({ dailyLimit: 2 });
    (await gate.acquire(signal)).settle({ ok: true, headers: new Headers(), usage: USAGE });
    const unsent = await gate.acquire(signal);
    assert.equal(gate.snapshot().usedToday, 2);
    unsent.cancel();
    assert.equal(gate.snapshot().usedToday, 1);
    const last = await gate.acquire(signal);
    assert.equal(last.admittedAt, START, 'admitted at once, not on the next UTC day');
    assert.equal(clock.now(), START);
    await gate.close();
  });

  test('a cancelled permit takes no window capacity: the next request gets its slot', async () => {
    const { gate, clock, signal } = await open();
    (await gate.acquire(signal)).settle({ ok: true, headers: WINDOW_600, usage: USAGE });
    const unsent = await gate.acquire(signal);
    assert.equal(unsent.admittedAt, START);
    unsent.cancel();
    const next = await gate.acquire(signal);
    assert.equal(next.admittedAt, START, 'the cancelled slot is free again (otherwise START + 100 ms)');
    const after = gate.acquire(signal);
    await tick();
    assert.equal(gate.snapshot().usedToday, 2, 'the slot after it keeps the 100 ms spacing');
    clock.advance(100);
    assert.equal((await after).admittedAt, START + 100);
    await gate.close();
  });

  test('a cancelled permit releases its dollar reservation under --max-cost', async () => {
    const { gate, signal } = await open({
      spend: { reserveUsd: () => 0.01, actualUsd: () => 0.01, maxCostUsd: 0.01, dailyCostLimitUsd: undefined },
    });
    const unsent = await gate.acquire(signal);
    const waiting = gate.acquire(signal);
    await tick();
    assert.equal(gate.snapshot().usedToday, 1, 'the cap holds the second request back');
    unsent.cancel();
    const admitted = await waiting;
    assert.equal(gate.snapshot().usedToday, 1);
    admitted.settle({ ok: true, headers: new Headers(), usage: USAGE });
    await gate.close();
  });

  test('cancel after settle, and settle after cancel, change nothing', async () => {
    const { gate, signal } = await open({ dailyLimit: 5 });
    const sent = await gate.acquire(signal);
    assert.deepEqual(sent.settle({ ok: true, headers: new Headers(), usage: USAGE }), { action: 'done' });
    sent.cancel();
    assert.equal(gate.snapshot().usedToday, 1);
    const unsent = await gate.acquire(signal);
    unsent.cancel();
    assert.deepEqual(unsent.settle({ ok: false, error: failure('server', { status: 500 }) }, ATTEMPT), {
      action: 'done',
    });
    assert.equal(gate.snapshot().usedToday, 1);
    await gate.close();
  });
});

describe('permit.settle() returns the decision', () => {
  test('a 429 returns a retry after the shared hold-off, which holds every other worker too', async () => {
    const { gate, clock, signal } = await open();
    const permit = await gate.acquire(signal);
    const decision = permit.settle(
      { ok: false, error: failure('rate_limit', { status: 429, retryAfterMs: 2000 }) },
      ATTEMPT,
    );
    assert.deepEqual(decision, { action: 'retry', delayMs: 2100 }, 'the 2 s hold-off plus 5 % jitter');
    assert.equal(gate.snapshot().pausedUntil, START + 2000);
    const other = gate.acquire(signal);
    clock.advance(1999);
    await tick();
    assert.equal(gate.snapshot().usedToday, 1);
    clock.advance(1);
    assert.equal((await other).admittedAt, START + 2000);
    await gate.close();
  });

  test('insufficient_quota returns stop with the error that every later acquire gets', async () => {
    const { gate, signal } = await open();
    const permit = await gate.acquire(signal);
    const error = failure('quota', { status: 429, apiCode: 'insufficient_quota' });
    const decision = permit.settle({ ok: false, error }, ATTEMPT);
    assert.ok(decision.action === 'stop' && decision.error instanceof QuotaStopError);
    assert.equal(decision.error.reason, 'insufficient_quota');
    await assert.rejects(gate.acquire(signal), (e) => e === decision.error);
    await gate.close();
  });

  test('a 400 returns give-up (fail) at the first attempt and holds nobody off', async () => {
    const { gate, signal } = await open();
    const permit = await gate.acquire(signal);
    const decision = permit.settle({ ok: false, error: failure('bad_request', { status: 400 }) }, ATTEMPT);
    assert.deepEqual(decision, { action: 'fail' });
    assert.equal(gate.snapshot().pausedUntil, undefined);
    assert.equal((await gate.acquire(signal)).admittedAt, START);
    await gate.close();
  });

  test('a 500 is retried while attempts are left, then given up', async () => {
    const { gate, signal } = await open();
    const error = failure('server', { status: 500 });
    const early = (await gate.acquire(signal)).settle({ ok: false, error }, { attempt: 2, maxRetries: 2 });
    assert.equal(early.action, 'retry');
    const late = (await gate.acquire(signal)).settle({ ok: false, error }, { attempt: 3, maxRetries: 2 });
    assert.deepEqual(late, { action: 'fail' });
    await gate.close();
  });

  test('an aborted request returns done, stays counted and is not a failure', async () => {
    const { gate, signal } = await open({ dailyLimit: 5 });
    const permit = await gate.acquire(signal);
    assert.deepEqual(permit.settle({ ok: false, aborted: true }), { action: 'done' });
    assert.equal(gate.snapshot().usedToday, 1, 'the provider may have received it');
    assert.equal(gate.snapshot().pausedUntil, undefined);
    assert.equal((await gate.acquire(signal)).admittedAt, START);
    await gate.close();
  });
});

describe('the runner keeps the protocol', () => {
  const builder = createRequestBuilder(
    { kind: 'template', template: parseTemplate('About {{artist_name}}', 't') },
    'responses',
  );
  async function* artists(n: number): AsyncGenerator<Artist> {
    for (let i = 0; i < n; i++) {
      await Promise.resolve();
      yield { id: String(i + 1), name: `A${i + 1}`, data: undefined, line: i + 2 };
    }
  }

  /** A gate that admits everything and records each permit's fate. */
  function recordingGate() {
    const fates: (GateOutcome | 'cancelled')[] = [];
    const gate: DispatchGate = {
      acquire: (signal) =>
        signal.aborted
          ? Promise.reject(signal.reason as Error)
          : Promise.resolve({
              settle: (outcome) => {
                fates.push(outcome);
                return 'error' in outcome ? { action: 'fail' } : { action: 'done' };
              },
              cancel: () => fates.push('cancelled'),
            }),
      snapshot: () => ({
        usedToday: 0,
        dailyLimit: undefined,
        pausedUntil: undefined,
        requestsRemaining: undefined,
        tokensRemaining: undefined,
      }),
      close: () => Promise.resolve(),
    };
    return { gate, fates };
  }

  test('an aborted request settles as aborted and writes no error record', async () => {
    const { gate, fates } = recordingGate();
    const ok: OutputRecord[] = [];
    const failed: ErrorRecord[] = [];
    const ref: { runner?: Runner } = {};
    const provider: ModelProvider = {
      generate(_request, options) {
        queueMicrotask(() => {
          ref.runner?.stop('SIGTERM');
          ref.runner?.stop('SIGTERM');
        });
        return new Promise((_resolve, reject) => {
          options.signal?.addEventListener('abort', () => reject(new ShutdownError()), { once: true });
        });
      },
    };
    const runner = new Runner(
      {
        provider,
        builder,
        gate,
        sink: { success: (r) => ok.push(r), failure: (r) => failed.push(r) },
        events: new RunEmitter(),
        clock: systemClock,
      },
      { maxWorkers: 1, maxRetries: 1, requestTimeoutMs: 60_000, total: 3 },
    );
    ref.runner = runner;
    const outcome = await runner.run(artists(3));
    assert.equal(outcome.stopReason, 'SIGTERM');
    assert.deepEqual(fates, [{ ok: false, aborted: true }]);
    assert.deepEqual([ok.length, failed.length], [0, 0]);
  });

  test('a permit handed out as the run stops is cancelled, not settled with an error', async () => {
    const { gate: inner, fates } = recordingGate();
    const ref: { runner?: Runner } = {};
    const gate: DispatchGate = {
      ...inner,
      acquire: async (signal) => {
        const permit = await inner.acquire(signal);
        ref.runner?.stop('SIGINT');
        return permit;
      },
    };
    let sent = 0;
    const provider: ModelProvider = {
      generate: () => {
        sent++;
        return Promise.reject(new Error('never sent'));
      },
    };
    const runner = new Runner(
      { provider, builder, gate, sink: { success() {}, failure() {} }, events: new RunEmitter(), clock: systemClock },
      { maxWorkers: 1, maxRetries: 1, requestTimeoutMs: 60_000, total: 3 },
    );
    ref.runner = runner;
    const outcome = await runner.run(artists(3));
    assert.equal(outcome.stopReason, 'SIGINT');
    assert.equal(sent, 0);
    assert.deepEqual(fates, ['cancelled']);
  });
});
