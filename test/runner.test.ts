import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '../src/core/clock.js';
import { ProviderError, QuotaStopError, ShutdownError } from '../src/core/errors.js';
import { RunEmitter } from '../src/core/events.js';
import type { DispatchGate, RetryDecision } from '../src/core/gate.js';
import type { Artist, ErrorRecord, OutputRecord, ProviderSuccess } from '../src/core/types.js';
import { Runner } from '../src/pipeline/index.js';
import { createRequestBuilder, parseTemplate } from '../src/prompt/index.js';
import type { ModelProvider } from '../src/provider/index.js';

const builder = createRequestBuilder(
  { kind: 'template', template: parseTemplate('About {{artist_name}}', 't') },
  'responses',
);

function artists(n: number): Artist[] {
  return Array.from({ length: n }, (_, i) => ({ id: String(i + 1), name: `A${i + 1}`, data: undefined, line: i + 2 }));
}

function success(): ProviderSuccess {
  return {
    text: 'A bio long enough.',
    responseId: 'resp_1',
    created: 1,
    model: 'm',
    usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
    headers: new Headers(),
    requestId: 'req_1',
    durationMs: 1,
  };
}

const passGate = (decide: (e: ProviderError, attempt: number, max: number) => RetryDecision): DispatchGate => ({
  acquire: (signal) =>
    signal.aborted
      ? Promise.reject(signal.reason as Error)
      : Promise.resolve({
          settle: (outcome, info = { attempt: 1, maxRetries: 5 }) =>
            'error' in outcome ? decide(outcome.error, info.attempt, info.maxRetries) : { action: 'done' },
          cancel: () => undefined,
        }),
  snapshot: () => ({
    usedToday: 0,
    dailyLimit: undefined,
    pausedUntil: undefined,
    requestsRemaining: undefined,
    tokensRemaining: undefined,
  }),
  close: () => Promise.resolve(),
});

const simpleDecide = (e: ProviderError, attempt: number, max: number): RetryDecision =>
  e.kind === 'bad_request' || attempt > max ? { action: 'fail' } : { action: 'retry', delayMs: 1 };

function collectingSink(): {
  ok: OutputRecord[];
  failed: ErrorRecord[];
  sink: { success(r: OutputRecord): void; failure(r: ErrorRecord): void };
} {
  const ok: OutputRecord[] = [];
  const failed: ErrorRecord[] = [];
  return { ok, failed, sink: { success: (r) => ok.push(r), failure: (r) => failed.push(r) } };
}

async function* lazy(list: Artist[], pulled: { count: number }): AsyncGenerator<Artist> {
  for (const a of list) {
    pulled.count++;
    yield await Promise.resolve(a);
  }
}

test('never more requests in flight than --max-workers, and artists are pulled lazily', async () => {
  let inFlight = 0;
  let peak = 0;
  const pulled = { count: 0 };
  let maxAhead = 0;
  const { ok, sink } = collectingSink();
  const provider: ModelProvider = {
    async generate() {
      inFlight++;
      peak = Math.max(peak, inFlight);
      maxAhead = Math.max(maxAhead, pulled.count - ok.length);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return success();
    },
  };
  const runner = new Runner(
    { provider, builder, gate: passGate(simpleDecide), sink, events: new RunEmitter(), clock: systemClock },
    { maxWorkers: 3, maxRetries: 2, requestTimeoutMs: 1000, total: 30, initialDbStatus: null },
  );
  const outcome = await runner.run(lazy(artists(30), pulled));
  assert.equal(outcome.succeeded, 30);
  assert.equal(peak, 3);
  assert.ok(maxAhead <= 3, `pulled ${maxAhead} ahead of the results`);
  assert.equal(new Set(ok.map((r) => r.artist_id)).size, 30);
});

test('transient errors are retried and permanent ones go to the errors sink once', async () => {
  const calls = new Map<string, number>();
  const provider: ModelProvider = {
    generate(request) {
      const name = request.record.variables.artist_name;
      const n = (calls.get(name) ?? 0) + 1;
      calls.set(name, n);
      if (name === 'A1' && n <= 2) return Promise.reject(new ProviderError('boom', { kind: 'server', status: 500 }));
      if (name === 'A2') return Promise.reject(new ProviderError('bad', { kind: 'bad_request', status: 400 }));
      return Promise.resolve(success());
    },
  };
  const { ok, failed, sink } = collectingSink();
  const events = new RunEmitter();
  const retries: number[] = [];
  events.on('request:retry', (e) => retries.push(e.attempt));
  const runner = new Runner(
    { provider, builder, gate: passGate(simpleDecide), sink, events, clock: systemClock },
    { maxWorkers: 2, maxRetries: 5, requestTimeoutMs: 1000, total: 3, initialDbStatus: null },
  );
  const outcome = await runner.run(lazy(artists(3), { count: 0 }));
  assert.deepEqual([outcome.succeeded, outcome.failed], [2, 1]);
  assert.equal(calls.get('A1'), 3);
  assert.equal(ok.find((r) => r.artist_id === '1')?.attempts, 3);
  assert.equal(failed.length, 1);
  assert.equal(failed[0]?.artist_id, '2');
  assert.equal(failed[0]?.status, 400);
  assert.deepEqual(retries, [1, 2]);
});

test('stop() lets in-flight requests finish and writes them, then dispatches nothing more', async () => {
  let started = 0;
  const { ok, sink } = collectingSink();
  const ref: { runner?: Runner } = {};
  const provider: ModelProvider = {
    async generate() {
      started++;
      if (started === 4) ref.runner?.stop('SIGINT');
      await new Promise((r) => setTimeout(r, 20));
      return success();
    },
  };
  const runner = new Runner(
    { provider, builder, gate: passGate(simpleDecide), sink, events: new RunEmitter(), clock: systemClock },
    { maxWorkers: 4, maxRetries: 1, requestTimeoutMs: 1000, total: 50, initialDbStatus: null },
  );
  ref.runner = runner;
  const outcome = await runner.run(lazy(artists(50), { count: 0 }));
  assert.equal(outcome.stopReason, 'SIGINT');
  assert.equal(started, 4);
  assert.equal(ok.length, 4, 'every in-flight result is written');
});

test('a second stop() aborts in-flight requests at once', async () => {
  const { ok, sink } = collectingSink();
  const ref: { runner?: Runner } = {};
  let aborted = 0;
  let sent = 0;
  const provider: ModelProvider = {
    generate(_req, opts) {
      sent++;
      opts.signal?.addEventListener('abort', () => aborted++, { once: true });
      queueMicrotask(() => {
        ref.runner?.stop('SIGINT');
        ref.runner?.stop('SIGINT');
      });
      return new Promise((_resolve, reject) => {
        opts.signal?.addEventListener('abort', () => reject(new ShutdownError()), { once: true });
      });
    },
  };
  const runner = new Runner(
    { provider, builder, gate: passGate(simpleDecide), sink, events: new RunEmitter(), clock: systemClock },
    // The requests never end by themselves and the drain lasts an hour: only the second stop ends them.
    {
      maxWorkers: 2,
      maxRetries: 1,
      requestTimeoutMs: 60_000,
      total: 5,
      initialDbStatus: null,
      drainTimeoutMs: 3_600_000,
    },
  );
  ref.runner = runner;
  const outcome = await runner.run(lazy(artists(5), { count: 0 }));
  assert.ok(sent >= 1);
  assert.equal(aborted, sent, 'every in-flight request was aborted');
  assert.equal(outcome.stopReason, 'SIGINT');
  assert.equal(ok.length, 0);
});

test('a stop decision from the gate ends the run with its error and keeps earlier results', async () => {
  let n = 0;
  const provider: ModelProvider = {
    generate() {
      n++;
      return n > 3
        ? Promise.reject(new ProviderError('no quota', { kind: 'quota', status: 429, apiCode: 'insufficient_quota' }))
        : Promise.resolve(success());
    },
  };
  const stopError = new QuotaStopError('quota gone', 'insufficient_quota');
  const gate = passGate((e) => (e.kind === 'quota' ? { action: 'stop', error: stopError } : { action: 'fail' }));
  const { ok, failed, sink } = collectingSink();
  const runner = new Runner(
    { provider, builder, gate, sink, events: new RunEmitter(), clock: systemClock },
    { maxWorkers: 1, maxRetries: 3, requestTimeoutMs: 1000, total: 10, initialDbStatus: null },
  );
  const outcome = await runner.run(lazy(artists(10), { count: 0 }));
  assert.equal(outcome.stopReason, 'quota');
  assert.equal(outcome.stopError, stopError);
  assert.equal(ok.length, 3);
  assert.equal(failed.length, 0, 'the artist hit by the quota error is left for --resume, not failed');
});

test('an output that fails mid-run stops dispatching, lets in-flight requests finish, then reports the error', async () => {
  let calls = 0;
  const provider: ModelProvider = {
    async generate() {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      return success();
    },
  };
  const written: string[] = [];
  const sink = {
    success(r: OutputRecord) {
      if (r.artist_id === '3') throw new Error('disk full');
      written.push(r.artist_id);
    },
    failure() {
      throw new Error('unexpected');
    },
  };
  const events = new RunEmitter();
  const stops: string[] = [];
  events.on('run:stopping', (e) => stops.push(e.reason));
  const runner = new Runner(
    { provider, builder, gate: passGate(simpleDecide), sink, events, clock: systemClock },
    { maxWorkers: 2, maxRetries: 1, requestTimeoutMs: 1000, total: 50, initialDbStatus: null },
  );
  await assert.rejects(runner.run(lazy(artists(50), { count: 0 })), /disk full/);
  assert.deepEqual(stops, ['fatal']);
  assert.ok(calls < 10, `dispatch stopped early (${calls} calls)`);
  assert.ok(written.includes('4') || calls === 3, 'the other worker still wrote its in-flight result');
});
