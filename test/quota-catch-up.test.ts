import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WindowStatus } from '../src/core/events.js';
import { RateWindows } from '../src/quota/windows.js';

const START = Date.parse('2026-12-01T10:00:00Z');
// 1,200 requests a minute enforced per second: 10 left of a bucket that is full again in 0.5 s
// holds 20, so no spare room, and admissions follow the 50 ms pace.
const PER_SECOND_1200: WindowStatus = {
  requestsLimit: 1200,
  requestsRemaining: 10,
  requestsResetMs: 500,
  tokensLimit: undefined,
  tokensRemaining: undefined,
  tokensResetMs: undefined,
};

/** Admits everything due at `now`; returns how many. */
function admitDue(windows: RateWindows, now: number, log: number[]): number {
  let admitted = 0;
  while (windows.nextAdmissionAt(now) <= now) {
    windows.admit(now);
    log.push(now);
    admitted++;
  }
  return admitted;
}

describe('late pacing timers (manual clock)', () => {
  test('a timer that fires 30 ms late every time still admits 20 requests a second at 1,200 RPM', () => {
    const windows = new RateWindows({ share: 1, maxOutputTokens: undefined });
    windows.observe(PER_SECOND_1200, START);
    const log: number[] = [];
    let now = START;
    while (now < START + 10_000) {
      admitDue(windows, now, log);
      // The pacing timer is set for the next slot and fires 30 ms (more than half a slot) late.
      now = windows.nextAdmissionAt(now) + 30;
    }
    // Late by 30 ms each time, a schedule restarting at the firing time would admit one per 80 ms (125).
    assert.ok(log.length >= 199 && log.length <= 201, `${log.length} admissions in 10 s`);
    for (const [i, t] of log.entries()) {
      assert.ok(t >= START + i * 50, `admission ${i + 1} at +${t - START} ms is ahead of its slot`);
    }
  });

  test('after an idle gap the schedule catches up at most 4 slots at once, not the idle time', () => {
    const windows = new RateWindows({ share: 1, maxOutputTokens: undefined });
    windows.observe(PER_SECOND_1200, START);
    const log: number[] = [];
    admitDue(windows, START, log);
    // Nobody waits for 2 s: 40 slots go unused.
    const burst = admitDue(windows, START + 2000, log);
    assert.equal(burst, 5, 'the slot due now plus 4 caught-up slots');
    assert.equal(admitDue(windows, START + 2049, log), 0, 'then the pace is 50 ms again');
    assert.equal(admitDue(windows, START + 2050, log), 1);
  });

  test('a small bucket limits the catch-up to a quarter of it', () => {
    const windows = new RateWindows({ share: 1, maxOutputTokens: undefined });
    // 600 a minute with a bucket of 5 (1 left, full again in 0.4 s): one slot of catch-up.
    windows.observe({ ...PER_SECOND_1200, requestsLimit: 600, requestsRemaining: 1, requestsResetMs: 400 }, START);
    const log: number[] = [];
    admitDue(windows, START, log);
    assert.equal(admitDue(windows, START + 2000, log), 2, 'the slot due now plus 1 caught-up slot');
  });
});
