import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WindowStatus } from '../src/core/events.js';
import { RateWindows } from '../src/quota/windows.js';

const START = Date.parse('2026-12-01T10:00:00Z');

/** 1,200 requests a minute enforced per second: a bucket of 20, `left` of them in it. */
function perSecond1200(left: number): WindowStatus {
  return {
    requestsLimit: 1200,
    requestsRemaining: left,
    requestsResetMs: (20 - left) * 50,
    tokensLimit: undefined,
    tokensRemaining: undefined,
    tokensResetMs: undefined,
  };
}

/** Admits everything due at `now`; returns how many. Each is answered at once unless `held`. */
function admitDue(windows: RateWindows, now: number, held = true): number {
  let admitted = 0;
  while (windows.nextAdmissionAt(now) <= now) {
    const charge = windows.admit(now);
    if (!held) windows.settle(charge, undefined);
    admitted++;
  }
  return admitted;
}

describe('spare room in a per-second bucket (manual clock)', () => {
  test('a full bucket of 20 is spent at once but for 2, then the pace takes over at one per 50 ms', () => {
    const windows = new RateWindows({ share: 1, maxOutputTokens: undefined });
    const first = windows.admit(START);
    windows.observe(perSecond1200(20), START + 300, first.seq);
    // One paced slot (the schedule's first) and 18 on spare room: 2 are left for jitter.
    assert.equal(admitDue(windows, START + 300), 19);
    assert.equal(windows.nextAdmissionAt(START + 300), START + 350);
  });

  test('room that refilled while the timer was late is spent once, not caught up as well', () => {
    const windows = new RateWindows({ share: 1, maxOutputTokens: undefined });
    let now = START;
    const first = windows.admit(now);
    windows.observe(perSecond1200(2), now, first.seq);
    windows.settle(first, undefined);
    for (let i = 0; i < 10; i++) {
      now = Math.max(now, windows.nextAdmissionAt(now));
      admitDue(windows, now, false);
    }
    // The timer fires 200 ms late (4 slots); an answer to the last request, read then, shows the
    // bucket holding the 2 it keeps plus those 4 slots' refill.
    now = Math.max(now, windows.nextAdmissionAt(now));
    const last = windows.admit(now);
    now += 200;
    windows.observe(perSecond1200(6), now, last.seq);
    // The 4 refilled slots plus the one due now; catching up 4 more as well would be 9.
    assert.equal(admitDue(windows, now), 5);
  });
});

describe('spare room after a burst (manual clock)', () => {
  test('an answer read while older requests of the burst have not reached the provider counts them as unseen', () => {
    const windows = new RateWindows({ share: 1, maxOutputTokens: undefined });
    const first = windows.admit(START);
    // 600 a minute, the bucket full: 588 to spare beyond the 12 kept.
    windows.observe({ ...perSecond1200(0), requestsLimit: 600, requestsRemaining: 600, requestsResetMs: 0 }, START, 1);
    windows.settle(first, undefined);
    const burst = Array.from({ length: 100 }, () => windows.admit(START));
    const last = burst.at(-1);
    assert.ok(last);
    // The last of the burst is answered first; the provider has seen only 50 of the 101 (a full
    // connection backlog delays the rest), so its header shows 550 left.
    windows.observe(
      { ...perSecond1200(0), requestsLimit: 600, requestsRemaining: 550, requestsResetMs: 5000 },
      START + 300,
      last.seq,
    );
    // 101 requests will reach the bucket of 600 and 12 stay unused: 487 at most may follow.
    assert.ok(windows.credit <= 600 - 101 - 12, `${windows.credit} more on spare room`);
  });
});

describe('spare room in a per-second token bucket (manual clock)', () => {
  test('a full bucket of 5,000 tokens (300,000 TPM per second) has no room to spare: it holds the charges in flight', () => {
    const windows = new RateWindows({ share: 1, maxOutputTokens: 1000 });
    const first = windows.admit(START);
    windows.observe(
      {
        requestsLimit: undefined,
        requestsRemaining: undefined,
        requestsResetMs: undefined,
        tokensLimit: 300_000,
        tokensRemaining: 5000,
        tokensResetMs: 0,
      },
      START + 300,
      first.seq,
    );
    windows.settle(first, undefined);
    assert.equal(windows.credit, 0);
  });
});
