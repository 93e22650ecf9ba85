/**
 * The `--dry-run` estimate's arithmetic (src/cost/estimate.ts, src/quota/job-duration.ts) and
 * the reservation that covers a larger-cap retry (src/cost/request-tokens.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import {
  estimateJob,
  InputTally,
  loadCounter,
  measuringBuilder,
  priceFor,
  requestOutputCap,
  worstCaseCost,
  type ModelPrice,
} from '../src/cost/index.js';
import { createRequestBuilder, parseTemplate } from '../src/prompt/index.js';
import { allowedRequestsPerMinute, estimateDuration } from '../src/quota/index.js';

const LUNA: ModelPrice = { input: 0.1, cachedInput: 0.01, output: 0.5 };
const HALF: ModelPrice = { input: 0.05, cachedInput: 0.005, output: 0.25 };

function tally(...tokens: Array<number | undefined>): InputTally {
  const t = new InputTally();
  for (const n of tokens) t.add(n);
  return t;
}

test('expected cost is input plus half the cap; worst case adds the larger-cap retry with its input sent again', () => {
  const e = estimateJob(tally(100, 200, 300), {
    outputCap: 1000,
    retryCap: 2000,
    prices: { standard: LUNA, batch: HALF },
  });
  assert.equal(e.requests, 3);
  assert.equal(e.worstRequests, 6);
  assert.equal(e.inputTokens, 600);
  assert.equal(e.worstInputTokens, 1200);
  assert.equal(e.maxInputTokens, 300);
  assert.equal(e.expectedOutputTokens, 1500);
  assert.equal(e.worstOutputTokens, 9000);
  // 600 × $0.10 + 1500 × $0.50 per 1M = $0.00081; worst 1200 × 0.10 + 9000 × 0.50 = $0.00462.
  assert.deepEqual(e.tiers, [
    { tier: 'standard', expectedUsd: 0.00081, worstUsd: 0.00462 },
    { tier: 'batch', expectedUsd: 0.000405, worstUsd: 0.00231 },
  ]);
});

test('without a larger-cap retry the worst case is one request at the whole cap', () => {
  const e = estimateJob(tally(100, 100), { outputCap: 500, retryCap: undefined, prices: { standard: LUNA } });
  assert.equal(e.worstRequests, 2);
  assert.equal(e.worstOutputTokens, 1000);
  assert.equal(e.tiers[0]?.worstUsd, worstCaseCost(200, 1000, LUNA));
});

test('no output cap or no price gives no cost figure rather than an invented one', () => {
  assert.deepEqual(
    estimateJob(tally(10), { outputCap: undefined, retryCap: undefined, prices: { standard: LUNA } }).tiers,
    [],
  );
  const unpriced = estimateJob(tally(10), { outputCap: 100, retryCap: undefined, prices: {} });
  assert.deepEqual(unpriced.tiers, []);
  assert.equal(unpriced.expectedOutputTokens, 50);
});

test('stored-prompt requests are counted as requests but not as input tokens', () => {
  const e = estimateJob(tally(undefined, 40), { outputCap: 100, retryCap: undefined, prices: {} });
  assert.equal(e.requests, 2);
  assert.equal(e.unmeasured, 1);
  assert.equal(e.inputTokens, 40);
});

const duration = {
  threshold: 0.8,
  pauseDurationHours: 24,
  limits: undefined,
  tokensPerRequest: 1150,
};

test('50,000 requests at --daily-limit 5000 and threshold 0.8 span 13 days: the 24 h pause ends each day at 4,000', () => {
  const d = estimateDuration({ ...duration, requests: 50_000, dailyLimit: 5000 });
  assert.equal(d.requestsPerDay, 4000);
  assert.equal(d.days, 13);
  assert.equal(d.requestsPerMinute, undefined);
  assert.equal(d.sendingMinutes, undefined);
});

test('a threshold pause shorter than a day lets the day run to the hard limit', () => {
  const d = estimateDuration({ ...duration, pauseDurationHours: 2, requests: 50_000, dailyLimit: 5000 });
  assert.equal(d.requestsPerDay, 5000);
  assert.equal(d.days, 10);
});

test("requests already used today shrink the first day's room", () => {
  assert.equal(estimateDuration({ ...duration, requests: 4000, dailyLimit: 5000 }).days, 1);
  assert.equal(estimateDuration({ ...duration, requests: 4000, dailyLimit: 5000, usedToday: 1 }).days, 2);
  assert.equal(estimateDuration({ ...duration, requests: 4000, dailyLimit: 5000, usedToday: 4500 }).days, 2);
});

test('the rate is the tighter of the request and token limits, times the rate share', () => {
  assert.equal(allowedRequestsPerMinute({ requestsPerMinute: 500, tokensPerMinute: 200_000 }, 1000), 200);
  assert.equal(allowedRequestsPerMinute({ requestsPerMinute: 500, tokensPerMinute: undefined }, 1000, 0.5), 250);
  assert.equal(allowedRequestsPerMinute({ requestsPerMinute: undefined, tokensPerMinute: undefined }, 1000), undefined);
  const d = estimateDuration({
    ...duration,
    requests: 1000,
    dailyLimit: undefined,
    limits: { requestsPerMinute: 500, tokensPerMinute: 200_000 },
    tokensPerRequest: 1000,
  });
  assert.equal(d.sendingMinutes, 5);
  assert.equal(d.days, 1);
});

test('without a daily limit a slow rate alone can make a job span days', () => {
  const d = estimateDuration({
    ...duration,
    requests: 3000,
    dailyLimit: undefined,
    limits: { requestsPerMinute: 1, tokensPerMinute: undefined },
  });
  assert.equal(d.days, 3);
});

const TEMPLATE = `---
model: gpt-6-luna
max_output_tokens: 300
retry_max_output_tokens: 1000
---
Bio of {{artist_name}}.`;

test('after a cap is raised, the reservation of the next admission covers the raised request', () => {
  const builder = measuringBuilder(
    createRequestBuilder({ kind: 'template', template: parseTemplate(TEMPLATE, 'test') }, 'responses'),
    (text) => text.length,
  );
  const price = priceFor('gpt-6-luna', 'standard');
  assert.ok(price);
  const request = builder.build({ id: '1', name: 'Ada', data: '', line: 2 });
  assert.equal(builder.maxReservedOutputTokens, 300);
  const raised = builder.raiseOutputCap(request);
  assert.ok(raised);
  assert.equal(requestOutputCap(raised), 600);
  assert.equal(builder.maxReservedOutputTokens, 600);
  // The reservation rule of spendOptions: largest input × largest cap built so far.
  const reserve = worstCaseCost(builder.maxInputTokens, builder.maxReservedOutputTokens ?? 0, price);
  assert.ok(reserve >= worstCaseCost(builder.maxInputTokens, requestOutputCap(raised) ?? 0, price));
  assert.equal(builder.raiseOutputCap(raised), undefined, 'a cap is raised once only');
});

test('a 200 KB field without spaces is counted in pieces, close to the whole count, in linear time', async () => {
  const count = await loadCounter('gpt-6-luna');
  const prose = 'She said hello and kept singing through the night. '.repeat(400);
  assert.equal(count(prose), countTokens(prose), 'prose cut at spaces counts exactly');
  const run = 'x'.repeat(16_000);
  const whole = countTokens(run);
  const pieces = count(run);
  assert.ok(pieces >= whole && pieces <= whole + 8, `${pieces} vs ${whole}`);
  // 200 KB of one "word" took minutes before; in pieces it is a few hundred ms even under load.
  assert.ok(count('x'.repeat(200 * 1024)) > 0);
});
