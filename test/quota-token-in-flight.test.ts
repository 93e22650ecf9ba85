import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WindowStatus } from '../src/core/events.js';
import { RateWindows, type WindowCharge } from '../src/quota/windows.js';

const START = Date.parse('2026-12-01T10:00:00Z');
// 300,000 tokens a minute enforced per second: 4,500 left of a bucket that is full again in
// 0.2 s holds 5,500 tokens, room for 5 up-front charges of 1,000 (output cap, no input seen yet).
const TOKENS_PER_SECOND: WindowStatus = {
  requestsLimit: undefined,
  requestsRemaining: undefined,
  requestsResetMs: undefined,
  tokensLimit: 300_000,
  tokensRemaining: 4500,
  tokensResetMs: 200,
};
const USAGE = { input_tokens: 100, output_tokens: 150, total_tokens: 250 };

describe('token charges in flight (manual clock)', () => {
  test('a bucket of 5,500 tokens holds 5 charges of 1,000 in flight; the 6th waits for an answer', () => {
    const windows = new RateWindows({ share: 1, maxOutputTokens: 1000 });
    windows.observe(TOKENS_PER_SECOND, START);
    const inFlight: WindowCharge[] = [];
    let now = START;
    // The token pace alone (5,000 a second, 200 ms per charge) would let the 6th go at +1 s.
    while (inFlight.length < 5) {
      now = Math.max(now, windows.nextAdmissionAt(now));
      inFlight.push(windows.admit(now));
    }
    now += 5000;
    assert.equal(windows.nextAdmissionAt(now), Number.POSITIVE_INFINITY, 'no room for a 6th charge');
    const answered = inFlight.shift();
    assert.ok(answered);
    windows.settle(answered, USAGE);
    assert.ok(windows.nextAdmissionAt(now) <= now, 'an answer frees its charge');
  });

  test('a rejected request frees its reserved tokens too, and so does one never sent', () => {
    const windows = new RateWindows({ share: 1, maxOutputTokens: 1000 });
    windows.observe(TOKENS_PER_SECOND, START);
    const charges: WindowCharge[] = [];
    let now = START;
    while (charges.length < 5) {
      now = Math.max(now, windows.nextAdmissionAt(now));
      charges.push(windows.admit(now));
    }
    now += 5000;
    const [rejected, unsent] = charges;
    assert.ok(rejected && unsent);
    windows.settle(rejected, undefined);
    assert.ok(windows.nextAdmissionAt(now) <= now);
    charges.push(windows.admit(now));
    assert.equal(windows.nextAdmissionAt(now), Number.POSITIVE_INFINITY);
    windows.cancel(unsent);
    assert.ok(windows.nextAdmissionAt(now) <= now);
  });

  test('a per-minute token bucket leaves hundreds of requests in flight', () => {
    const windows = new RateWindows({ share: 1, maxOutputTokens: 1000 });
    windows.observe({ ...TOKENS_PER_SECOND, tokensRemaining: 300_000, tokensResetMs: 0 }, START);
    let now = START;
    for (let i = 0; i < 250; i++) {
      now = Math.max(now, windows.nextAdmissionAt(now));
      windows.admit(now);
    }
    assert.ok(Number.isFinite(windows.nextAdmissionAt(now)), '250 charges of 1,000 fit 300,000');
  });
});
