import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WindowStatus } from '../src/core/events.js';
import { RateWindows } from '../src/quota/windows.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
// A known token limit, nothing about remaining room: admissions follow the token pace alone.
const TOKENS: WindowStatus = {
  requestsLimit: undefined,
  requestsRemaining: undefined,
  requestsResetMs: undefined,
  tokensLimit: 60_000,
  tokensRemaining: undefined,
  tokensResetMs: undefined,
};

/** A window set that has seen the limit and admitted one request (charged 1,000 tokens) at T0. */
function afterOneAdmission(): { windows: RateWindows; charge: ReturnType<RateWindows['admit']>; slot: number } {
  const windows = new RateWindows({ share: 1, maxOutputTokens: 1000 });
  windows.observe(TOKENS, T0);
  assert.ok(windows.nextAdmissionAt(T0) <= T0, 'the first request goes at once');
  const charge = windows.admit(T0);
  assert.equal(charge.tokens, 1000);
  const slot = windows.nextAdmissionAt(T0) - T0;
  assert.ok(slot > 0, 'the next request waits for the 1,000 tokens to be paid off');
  return { windows, charge, slot };
}

test('a failed request keeps its whole token charge: the next admission is as late as after a full answer', () => {
  const full = afterOneAdmission();
  full.windows.settle(full.charge, { input_tokens: 0, output_tokens: 1000, total_tokens: 1000 });
  const failed = afterOneAdmission();
  failed.windows.settle(failed.charge, undefined);
  assert.equal(failed.windows.nextAdmissionAt(T0), full.windows.nextAdmissionAt(T0));
  assert.equal(failed.windows.nextAdmissionAt(T0), T0 + failed.slot, 'nothing refunded');
});

test('an answer that used fewer tokens than charged gives the difference back; one never sent gives all back', () => {
  const small = afterOneAdmission();
  small.windows.settle(small.charge, { input_tokens: 100, output_tokens: 300, total_tokens: 400 });
  assert.equal(small.windows.nextAdmissionAt(T0) - T0, small.slot * 0.4);
  const unsent = afterOneAdmission();
  unsent.windows.cancel(unsent.charge);
  assert.equal(unsent.windows.nextAdmissionAt(T0), T0);
});

test('failed requests do not feed the token averages the next estimates use', () => {
  const { windows, charge } = afterOneAdmission();
  windows.settle(charge, undefined);
  assert.equal(windows.estimateTokens(), 1000, 'still the output cap with no input sample');
});
