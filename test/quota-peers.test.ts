/**
 * Provider windows shared by several processes of one key (docs/ledger.md#postgresql): each
 * paces at its part of the run's share, on the manual clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateWindows } from '../src/quota/windows.js';

const NOW = Date.UTC(2026, 11, 1, 12);
const status = {
  requestsLimit: 600,
  requestsRemaining: 600,
  requestsResetMs: 0,
  tokensLimit: undefined,
  tokensRemaining: undefined,
  tokensResetMs: undefined,
};

test('with 3 peers a process paces at a third of the stated 600 requests/min: admissions 300 ms apart instead of 100 ms', () => {
  const alone = new RateWindows({ share: 1, maxOutputTokens: 100 });
  const shared = new RateWindows({ share: 1, maxOutputTokens: 100 });
  for (const w of [alone, shared]) w.observe(status, NOW);
  shared.setPeers(3);
  assert.equal(alone.allowedRatePerMs(), 600 / 60_000);
  assert.equal(shared.allowedRatePerMs(), 200 / 60_000);
  const gaps = (w: RateWindows): number[] => {
    const times: number[] = [];
    let now = NOW;
    while (times.length < 4) {
      const next = w.nextAdmissionAt(now);
      now = Math.max(now, next);
      w.admit(now);
      times.push(now);
    }
    return times.slice(1).map((t, i) => t - (times[i] ?? 0));
  };
  assert.deepEqual(gaps(alone), [100, 100, 100]);
  assert.deepEqual(gaps(shared), [300, 300, 300]);
});

test('peers split the run share (--rate-share 0.9 with 2 peers paces each at 0.45) and a peer count below 1 counts as 1', () => {
  const w = new RateWindows({ share: 0.9, maxOutputTokens: 100 });
  w.observe(status, NOW);
  w.setPeers(2);
  assert.equal(w.allowedRatePerMs(), (0.45 * 600) / 60_000);
  w.setPeers(0);
  assert.equal(w.allowedRatePerMs(), (0.9 * 600) / 60_000);
});
