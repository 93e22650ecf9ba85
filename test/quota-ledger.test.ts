import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import { exitCodeFor, QuotaStopError, ShutdownError } from '../src/core/errors.js';
import { RunEmitter, type RunEvents } from '../src/core/events.js';
import {
  LedgerDamagedError,
  openQuotaGate,
  QuotaStateError,
  type QuotaGate,
  type QuotaGateOptions,
} from '../src/quota/index.js';

const START = Date.parse('2024-01-01T10:00:00Z');
const HOUR = 3_600_000;
const USAGE = { input_tokens: 10, output_tokens: 20, total_tokens: 30 };

async function statePath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'quota-ledger-')), 'run.state.json');
}

function options(path: string, overrides: Partial<QuotaGateOptions> = {}): QuotaGateOptions {
  return {
    monitoring: true,
    threshold: 0.8,
    dailyLimit: undefined,
    pauseDurationHours: 1,
    logIntervalRequests: 100,
    onDailyLimit: 'wait',
    statePath: path,
    maxWorkers: 16,
    maxOutputTokens: undefined,
    ...overrides,
  };
}

function record(events: RunEmitter): { [K in keyof RunEvents]?: RunEvents[K][] } {
  const seen: { [K in keyof RunEvents]?: RunEvents[K][] } = {};
  const names = ['quota:init', 'quota:paused', 'quota:resumed', 'quota:warning', 'quota:metrics', 'log'] as const;
  for (const name of names) {
    events.on(name, (payload) => {
      (seen[name] ??= [] as never[]).push(payload as never);
    });
  }
  return seen;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Gives pending writes and continuations a moment, to show that nothing more happens. */
async function settleDown(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 30));
}

interface Pool {
  admitted: () => number;
  /** Admissions made on earlier UTC days, not part of the file's count. */
  newDay: () => void;
  errors: unknown[];
  stop: () => Promise<void>;
}

/** `workers` loops that acquire, check the persisted count, and settle at once (no headers). */
function startWorkers(gate: QuotaGate, workers: number, path: string): Pool {
  const controller = new AbortController();
  let admitted = 0;
  let earlierDays = 0;
  const errors: unknown[] = [];
  const loops = Array.from({ length: workers }, async () => {
    for (;;) {
      try {
        const permit = await gate.acquire(controller.signal);
        const count = ++admitted;
        const onDisk = JSON.parse(readFileSync(path, 'utf8')) as { requestsToday: number };
        assert.ok(onDisk.requestsToday >= count - earlierDays, `count ${count} on disk before acquire resolved`);
        permit.settle({ ok: true, headers: new Headers(), usage: USAGE });
      } catch (error) {
        if (!controller.signal.aborted) errors.push(error);
        return;
      }
    }
  });
  return {
    admitted: () => admitted,
    newDay: () => {
      earlierDays = admitted;
    },
    errors,
    stop: async () => {
      controller.abort(new ShutdownError());
      await Promise.all(loops);
    },
  };
}

async function readState(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

describe('daily ledger', () => {
  test('threshold pause fires after exactly ceil(t·limit) requests with 16 workers, then resumes and stops at the limit', async () => {
    const path = await statePath();
    const clock = new ManualClock(START);
    const events = new RunEmitter();
    const seen = record(events);
    const gate = await openQuotaGate(options(path, { dailyLimit: 50, threshold: 0.2 }), { clock, events });
    const pool = startWorkers(gate, 16, path);

    await waitFor(() => pool.admitted() === 10, '10 admissions');
    await settleDown();
    assert.equal(pool.admitted(), 10);
    assert.equal(seen['quota:paused']?.length, 1);
    const paused = seen['quota:paused']?.[0];
    assert.equal(paused?.reason, 'threshold');
    assert.equal(paused?.usedToday, 10);
    assert.equal(paused?.message, 'Daily quota 20.0% used (limit: 50)');
    assert.equal(paused?.resumeAt, START + HOUR);
    assert.equal(gate.snapshot().pausedUntil, START + HOUR);
    assert.equal((await readState(path)).requestsToday, 10);

    clock.advance(HOUR - 1);
    await settleDown();
    assert.equal(pool.admitted(), 10, 'still paused one ms before the resume time');

    clock.advance(1);
    await waitFor(() => pool.admitted() === 50, '50 admissions');
    await settleDown();
    assert.equal(pool.admitted(), 50, 'never more than the daily limit');
    assert.deepEqual(seen['quota:resumed']?.[0], { pausedMs: HOUR, reason: 'Auto-resume time reached' });
    const hard = seen['quota:paused']?.[1];
    assert.equal(hard?.reason, 'daily_limit');
    assert.equal(hard?.resumeAt, Date.parse('2024-01-02T00:00:00Z'));
    const countdown = seen.log?.find((l) => l.message.includes('--resume'));
    assert.ok(countdown, 'a countdown line says how to resume');
    assert.equal(countdown.level, 'info');

    // The next UTC day starts a new count, and the threshold pause fires again on that day.
    pool.newDay();
    clock.set(Date.parse('2024-01-02T00:00:00Z'));
    await waitFor(() => pool.admitted() === 60, 'ten more on the next day');
    await settleDown();
    assert.equal(pool.admitted(), 60);
    assert.equal(gate.snapshot().usedToday, 10);
    const state = await readState(path);
    assert.equal(state.day, '2024-01-02');
    assert.equal(state.requestsToday, 10);

    await pool.stop();
    assert.deepEqual(pool.errors, []);
    await gate.close();
    assert.equal(clock.pendingSleepers, 0, 'no timers left behind');
  });

  test('the countdown repeats at most every 10 minutes while waiting for the next UTC day', async () => {
    const path = await statePath();
    const clock = new ManualClock(Date.parse('2024-01-01T23:00:00Z'));
    const events = new RunEmitter();
    const seen = record(events);
    const gate = await openQuotaGate(options(path, { dailyLimit: 2, threshold: 1 }), { clock, events });
    const pool = startWorkers(gate, 2, path);
    await waitFor(() => pool.admitted() === 2, '2 admissions');
    await settleDown();
    for (let i = 0; i < 6; i++) {
      clock.advance(5 * 60_000);
      await settleDown();
    }
    const countdowns = seen.log?.filter((l) => l.message.startsWith('Daily request limit reached')) ?? [];
    assert.equal(countdowns.length, 4, 'at 23:00, 23:10, 23:20, 23:30');
    await pool.stop();
    await gate.close();
  });

  test('with onDailyLimit exit, the request after the limit is rejected with QuotaStopError', async () => {
    const path = await statePath();
    const clock = new ManualClock(START);
    const events = new RunEmitter();
    const gate = await openQuotaGate(options(path, { dailyLimit: 5, threshold: 1, onDailyLimit: 'exit' }), {
      clock,
      events,
    });
    const pool = startWorkers(gate, 4, path);
    await waitFor(() => pool.errors.length === 4, 'every worker stopped');
    assert.equal(pool.admitted(), 5);
    const error = pool.errors[0];
    assert.ok(error instanceof QuotaStopError);
    assert.equal(error.reason, 'daily_limit');
    assert.match(error.message, /--resume/);
    assert.ok(
      pool.errors.every((e) => e === error),
      'every worker gets the same latched error',
    );
    await assert.rejects(gate.acquire(new AbortController().signal), (e) => e === error);
    await gate.close();
  });

  test('a restart the same day restores the count and does not fire the threshold pause again', async () => {
    const path = await statePath();
    const clock = new ManualClock(START);
    const events = new RunEmitter();
    const first = await openQuotaGate(options(path, { dailyLimit: 50, threshold: 0.2 }), { clock, events });
    const pool = startWorkers(first, 4, path);
    await waitFor(() => pool.admitted() === 10, '10 admissions');
    await pool.stop();
    await first.close();

    // Restart during the pause: it continues until its resume time.
    const seen = record(events);
    const second = await openQuotaGate(options(path, { dailyLimit: 50, threshold: 0.2 }), { clock, events });
    assert.equal(seen['quota:init']?.[0]?.usedToday, 10);
    assert.equal(seen['quota:paused']?.[0]?.reason, 'threshold', 'the restored pause is announced');
    const waiting = startWorkers(second, 4, path);
    await settleDown();
    assert.equal(waiting.admitted(), 0);
    await waiting.stop();
    await second.close();

    // Restart after the pause, same day: runs on to the hard limit without a second pause.
    clock.advance(HOUR);
    const after = record(events);
    const third = await openQuotaGate(options(path, { dailyLimit: 50, threshold: 0.2 }), { clock, events });
    const rest = startWorkers(third, 4, path);
    await waitFor(() => rest.admitted() === 40, '40 more admissions');
    await settleDown();
    assert.equal(rest.admitted(), 40);
    assert.deepEqual(
      after['quota:paused']?.map((p) => p.reason),
      ['daily_limit'],
    );
    assert.equal((await readState(path)).requestsToday, 50);
    await rest.stop();
    await third.close();
  });

  test('a state file from an earlier UTC day starts the count at zero but keeps window limits', async () => {
    const path = await statePath();
    await writeFile(
      path,
      JSON.stringify({
        version: 1,
        day: '2023-12-31',
        requestsToday: 40,
        thresholdPauseDay: '2023-12-31',
        pause: null,
        windows: { requestsLimit: 600, tokensLimit: null, observedAt: '2023-12-31T12:00:00.000Z' },
        updatedAt: '2023-12-31T12:00:00.000Z',
      }),
    );
    const clock = new ManualClock(START);
    const events = new RunEmitter();
    const seen = record(events);
    const gate = await openQuotaGate(options(path, { dailyLimit: 50 }), { clock, events });
    assert.equal(seen['quota:init']?.[0]?.usedToday, 0);
    // Restored limits mean pacing starts at once: 600/min at threshold 0.8 is one per 125 ms.
    const signal = new AbortController().signal;
    const a = await gate.acquire(signal);
    const next = gate.acquire(signal);
    clock.advance(125);
    const b = await next;
    assert.equal(b.admittedAt - a.admittedAt, 125);
    await gate.close();
    const state = await readState(path);
    assert.equal(state.day, '2024-01-01');
    assert.equal(state.requestsToday, 2);
  });

  test('with a daily limit, a corrupt state file is refused (exit 3) and left untouched: damage never resets the budget', async () => {
    const path = await statePath();
    for (const damage of ['{"version": 1, "day": ', '', '{"foo":1}', '[]', '\0\0\0\0']) {
      await writeFile(path, damage);
      await assert.rejects(
        openQuotaGate(options(path, { dailyLimit: 50 }), { clock: new ManualClock(START), events: new RunEmitter() }),
        (e: unknown) => e instanceof LedgerDamagedError && exitCodeFor(e) === 3 && e.message.includes(path),
      );
      assert.equal(await readFile(path, 'utf8'), damage);
    }
  });

  test('without a daily limit, a corrupt state file is moved aside with a warning naming it, and the gate starts fresh', async () => {
    const path = await statePath();
    await writeFile(path, '{"version": 1, "day": ');
    const events = new RunEmitter();
    const seen = record(events);
    const gate = await openQuotaGate(options(path), { clock: new ManualClock(START), events });
    const warning = seen.log?.find((l) => l.level === 'warn');
    assert.ok(warning);
    assert.ok(warning.message.includes(path));
    assert.equal(seen['quota:init']?.[0]?.usedToday, 0);
    assert.ok((await stat(`${path}.corrupt`)).isFile());
    const permit = await gate.acquire(new AbortController().signal);
    permit.settle({ ok: true, headers: new Headers(), usage: USAGE });
    await gate.close();
    assert.equal((await readState(path)).requestsToday, 1);
  });

  test('a state file with a wrong shape is treated as corrupt, never as a crash', async () => {
    const path = await statePath();
    await writeFile(path, JSON.stringify({ version: 1, day: 'yesterday', requestsToday: -3 }));
    const events = new RunEmitter();
    const seen = record(events);
    const gate = await openQuotaGate(options(path), { clock: new ManualClock(START), events });
    assert.match(seen.log?.[0]?.message ?? '', /unexpected shape/);
    await gate.close();
  });
});

describe('when the state file cannot be written', () => {
  async function blockedPath(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'quota-ledger-'));
    await writeFile(join(dir, 'not-a-dir'), 'x');
    return join(dir, 'not-a-dir', 'state.json');
  }

  test('with a daily limit, acquire rejects with QuotaStateError instead of sending an uncounted request', async () => {
    const events = new RunEmitter();
    const gate = await openQuotaGate(options(await blockedPath(), { dailyLimit: 10 }), {
      clock: new ManualClock(START),
      events,
    });
    await assert.rejects(gate.acquire(new AbortController().signal), QuotaStateError);
    await gate.close();
  });

  test('without a daily limit, the run goes on after one warning', async () => {
    const events = new RunEmitter();
    const seen = record(events);
    const path = await blockedPath();
    const gate = await openQuotaGate(options(path), { clock: new ManualClock(START), events });
    const signal = new AbortController().signal;
    for (let i = 0; i < 3; i++) {
      const permit = await gate.acquire(signal);
      permit.settle({ ok: true, headers: new Headers(), usage: USAGE });
    }
    await gate.close();
    const warnings = seen.log?.filter((l) => l.level === 'warn' && l.message.startsWith('Could not save')) ?? [];
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0]?.message.includes(path));
  });
});

describe('when no daily pause applies', () => {
  async function runTo(count: number, overrides: Partial<QuotaGateOptions>) {
    const path = await statePath();
    const clock = new ManualClock(START);
    const events = new RunEmitter();
    const seen = record(events);
    const gate = await openQuotaGate(options(path, overrides), { clock, events });
    const pool = startWorkers(gate, 8, path);
    await waitFor(() => pool.admitted() >= count, `${count} admissions`);
    await settleDown();
    const admitted = pool.admitted();
    await pool.stop();
    await gate.close();
    return { admitted, seen, state: await readState(path) };
  }

  test('threshold 1.0 means no early pause, only the hard limit', async () => {
    const { admitted, seen } = await runTo(20, { dailyLimit: 20, threshold: 1 });
    assert.equal(admitted, 20);
    assert.deepEqual(
      seen['quota:paused']?.map((p) => p.reason),
      ['daily_limit'],
    );
  });

  test('no daily limit means no daily pauses', async () => {
    const { seen } = await runTo(200, { dailyLimit: undefined, threshold: 0.1 });
    assert.equal(seen['quota:paused'], undefined);
  });

  test('monitoring off enforces nothing but still counts every request', async () => {
    const { seen, state } = await runTo(30, { monitoring: false, dailyLimit: 5, threshold: 0.2 });
    assert.equal(seen['quota:paused'], undefined);
    assert.equal(seen['quota:warning'], undefined);
    assert.equal(seen['quota:init']?.[0]?.monitoring, false);
    assert.ok((state.requestsToday as number) >= 30);
  });
});

describe('quota events', () => {
  test('warnings at the threshold and each 10 % step from 50 %, metrics every N requests', async () => {
    const path = await statePath();
    const clock = new ManualClock(START);
    const events = new RunEmitter();
    const seen = record(events);
    const gate = await openQuotaGate(
      options(path, { dailyLimit: 50, threshold: 0.2, logIntervalRequests: 10, pauseDurationHours: 0.1 }),
      { clock, events },
    );
    assert.deepEqual(seen['quota:init'], [{ dailyLimit: 50, threshold: 0.2, monitoring: true, usedToday: 0 }]);
    const pool = startWorkers(gate, 3, path);
    await waitFor(() => pool.admitted() === 10, 'threshold');
    clock.advance(6 * 60_000);
    await waitFor(() => pool.admitted() === 50, 'limit');
    await pool.stop();
    await gate.close();
    assert.deepEqual(
      seen['quota:warning']?.map((w) => [w.percent, w.usedToday]),
      [
        [20, 10],
        [50, 25],
        [60, 30],
        [70, 35],
        [80, 40],
        [90, 45],
        [100, 50],
      ],
    );
    assert.deepEqual(
      seen['quota:metrics']?.map((m) => m.usedToday),
      [10, 20, 30, 40, 50],
    );
  });
});
