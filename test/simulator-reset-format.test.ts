import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatResetDuration } from '../src/simulator/index.js';
import { TokenBucket } from '../src/simulator/token-bucket.js';

test('reset durations are written in OpenAI format', () => {
  const vectors: [number, string][] = [
    [120, '120ms'],
    [1, '1ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1574, '1.574s'],
    [1500, '1.5s'],
    [1050, '1.05s'],
    [59_000, '59s'],
    [60_000, '1m0s'],
    [360_000, '6m0s'],
    [90_500, '1m30.5s'],
    [3_723_000, '1h2m3s'],
    [3_600_000, '1h0m0s'],
    [28_800_000, '8h0m0s'],
    [86_400_000, '24h0m0s'],
  ];
  for (const [ms, text] of vectors) assert.equal(formatResetDuration(ms), text, `${ms} ms`);
});

test('fractions of a millisecond round up so a client waiting the printed time is never early', () => {
  assert.equal(formatResetDuration(0.2), '1ms');
  assert.equal(formatResetDuration(999.01), '1s');
  assert.equal(formatResetDuration(1000.4), '1.001s');
  assert.equal(formatResetDuration(59_999.5), '1m0s');
});

test('zero, negative and non-finite durations print 0s', () => {
  for (const ms of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(formatResetDuration(ms), '0s');
});

test('a token bucket refills continuously up to its capacity', () => {
  const bucket = new TokenBucket(10, 0.002, 0);
  bucket.take(10, 0);
  assert.equal(bucket.level(0), 0);
  assert.equal(bucket.waitFor(1, 0), 500);
  assert.equal(bucket.msUntilFull(0), 5000);
  assert.ok(Math.abs(bucket.level(1500) - 3) < 1e-9);
  assert.equal(bucket.waitFor(3, 1500), 0);
  assert.equal(bucket.level(1_000_000), 10);
  bucket.give(5, 1_000_000);
  assert.equal(bucket.level(1_000_000), 10, 'refunds never overfill');
});

test('a clock stepping backwards neither drains nor overfills a bucket', () => {
  const bucket = new TokenBucket(10, 0.002, 10_000);
  bucket.take(4, 10_000);
  assert.equal(bucket.level(5_000), 6);
  assert.ok(Math.abs(bucket.level(5_500) - 7) < 1e-9);
});
