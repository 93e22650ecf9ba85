import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import { RunEmitter } from '../src/core/events.js';
import { openQuotaGate, type QuotaGateOptions } from '../src/quota/index.js';
import { initialBurst } from '../src/quota/initial-burst.js';

const START = Date.parse('2026-12-01T10:00:00Z');

/** How many of 12 waiting requests a fresh gate lets out before any answer. */
async function sentBeforeFirstAnswer(overrides: Partial<QuotaGateOptions>): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'quota-burst-'));
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
      ...overrides,
    },
    { clock: new ManualClock(START), events: new RunEmitter(), random: () => 0.5 },
  );
  const controller = new AbortController();
  let sent = 0;
  const waiting = Array.from({ length: 12 }, () =>
    gate.acquire(controller.signal).then(
      () => sent++,
      () => undefined,
    ),
  );
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  controller.abort(new Error('done'));
  await gate.close();
  await Promise.all(waiting);
  return sent;
}

describe('initial burst (manual clock)', () => {
  test('requests capped at 1,000 output tokens start with a burst of 3: their charges fit one second of 200,000 TPM', async () => {
    assert.equal(await sentBeforeFirstAnswer({ maxOutputTokens: 1000 }), 3);
  });

  test('without an output cap the provider charges 1,024 tokens up front, so the burst is 3 too', async () => {
    assert.equal(await sentBeforeFirstAnswer({ maxOutputTokens: undefined }), 3);
  });

  test('small output caps keep the burst of 8, and a fixed worker count its lone first request', async () => {
    assert.equal(await sentBeforeFirstAnswer({ maxOutputTokens: 200 }), 8);
    assert.equal(await sentBeforeFirstAnswer({ maxOutputTokens: 200, maxWorkers: 16 }), 1);
  });

  test('an output cap beyond one second of the allowance still sends one request', () => {
    assert.equal(initialBurst(50_000), 1);
    assert.equal(initialBurst(0), 8);
  });
});
