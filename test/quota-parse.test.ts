import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  budgetPoint,
  computeBackoff,
  formatWait,
  nextUtcMidnight,
  parseRateLimitHeaders,
  parseResetDuration,
  retryAfterFromHeaders,
  utcDayKey,
  warningSteps,
  inspectRateLimitHeaders,
  DEFAULT_BACKOFF,
} from '../src/quota/index.js';

describe('parseResetDuration', () => {
  const accepted: Array<[string, number]> = [
    ['1s', 1000],
    ['6m0s', 360_000],
    ['1m30.5s', 90_500],
    ['120ms', 120],
    ['1.574s', 1574],
    ['2h', 7_200_000],
    ['1h2m3s', 3_723_000],
    ['20ms', 20],
    ['0s', 0],
    ['20', 20_000],
    ['0.5', 500],
    [' 8.64s ', 8640],
    ['500us', 0.5],
    ['1m', 60_000],
  ];
  for (const [value, ms] of accepted) {
    test(`reads ${JSON.stringify(value)} as ${ms} ms`, () => {
      assert.equal(parseResetDuration(value), ms);
    });
  }

  const rejected = [
    '',
    '   ',
    'garbage',
    '-5',
    '-5s',
    '-1',
    '10S',
    'NaN',
    'Infinity',
    'inf',
    '1s garbage',
    's',
    '1x',
    '1e3',
    '--1s',
  ];
  for (const value of rejected) {
    test(`rejects ${JSON.stringify(value)}`, () => {
      assert.equal(parseResetDuration(value), undefined);
    });
  }

  test('rejects a number too large to be finite', () => {
    assert.equal(parseResetDuration('9'.repeat(400)), undefined);
  });
});

describe('parseRateLimitHeaders', () => {
  test('reads all six OpenAI headers', () => {
    const headers = new Headers({
      'x-ratelimit-limit-requests': '5000',
      'x-ratelimit-remaining-requests': '4999',
      'x-ratelimit-reset-requests': '12ms',
      'x-ratelimit-limit-tokens': '4000000',
      'x-ratelimit-remaining-tokens': '3999000',
      'x-ratelimit-reset-tokens': '6m0s',
    });
    assert.deepEqual(parseRateLimitHeaders(headers), {
      requestsLimit: 5000,
      requestsRemaining: 4999,
      requestsResetMs: 12,
      tokensLimit: 4_000_000,
      tokensRemaining: 3_999_000,
      tokensResetMs: 360_000,
    });
  });

  test('leaves every field undefined when the headers are missing', () => {
    const status = parseRateLimitHeaders(new Headers());
    assert.ok(Object.values(status).every((v) => v === undefined));
    assert.equal(inspectRateLimitHeaders(new Headers()).known, false);
  });

  test('turns garbage, negative and Azure -1 values into undefined and reports them', () => {
    const headers = new Headers({
      'x-ratelimit-limit-requests': '-1',
      'x-ratelimit-remaining-requests': 'invalid',
      'x-ratelimit-reset-requests': 'bad_format',
      'x-ratelimit-limit-tokens': '-100',
      'x-ratelimit-remaining-tokens': '12.5.3',
      'x-ratelimit-reset-tokens': '-5s',
    });
    const { status, ignored, known } = inspectRateLimitHeaders(headers);
    assert.ok(Object.values(status).every((v) => v === undefined));
    assert.equal(known, false);
    assert.equal(ignored.length, 6);
    assert.deepEqual(ignored[0], { name: 'x-ratelimit-limit-requests', value: '-1' });
  });

  test('keeps zero remaining (an exhausted window) and the good fields next to bad ones', () => {
    const headers = new Headers({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': 'soon',
    });
    const status = parseRateLimitHeaders(headers);
    assert.equal(status.requestsLimit, 60);
    assert.equal(status.requestsRemaining, 0);
    assert.equal(status.requestsResetMs, undefined);
  });
});

describe('retryAfterFromHeaders', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');

  test('prefers retry-after-ms over retry-after', () => {
    assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after-ms': '1234.5', 'retry-after': '9' }), now), 1234.5);
  });

  test('reads retry-after seconds, fractional too', () => {
    assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after': '20' }), now), 20_000);
    assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after': '1.5' }), now), 1500);
  });

  test('reads an HTTP date relative to now, and a past date as 0', () => {
    const future = new Headers({ 'retry-after': 'Mon, 01 Jan 2024 00:00:30 GMT' });
    assert.equal(retryAfterFromHeaders(future, now), 30_000);
    const past = new Headers({ 'retry-after': 'Sun, 31 Dec 2023 23:00:00 GMT' });
    assert.equal(retryAfterFromHeaders(past, now), 0);
  });

  test('honours a zero retry-after-ms', () => {
    assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after-ms': '0' }), now), 0);
  });

  test('falls back to retry-after when retry-after-ms is unusable', () => {
    assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after-ms': '-5', 'retry-after': '2' }), now), 2000);
  });

  test('is undefined for missing, negative or garbage values', () => {
    assert.equal(retryAfterFromHeaders(new Headers(), now), undefined);
    assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after': '-5' }), now), undefined);
    assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after': 'soon' }), now), undefined);
  });
});

describe('backoff and budget arithmetic', () => {
  test('full-jitter backoff stays below min(cap, base × 2^(attempt−1))', () => {
    assert.equal(
      computeBackoff(1, DEFAULT_BACKOFF, () => 0.5),
      250,
    );
    assert.equal(
      computeBackoff(3, DEFAULT_BACKOFF, () => 0.5),
      1000,
    );
    assert.equal(
      computeBackoff(50, DEFAULT_BACKOFF, () => 0.999),
      29_970,
    );
    assert.equal(
      computeBackoff(4, DEFAULT_BACKOFF, () => 0),
      0,
    );
  });

  test('the threshold point is ceil(threshold × limit) without floating-point surprises', () => {
    assert.equal(budgetPoint(0.2, 50), 10);
    assert.equal(budgetPoint(0.7, 10), 7);
    assert.equal(budgetPoint(0.8, 1000), 800);
    assert.equal(budgetPoint(0.5, 7), 4);
    assert.equal(budgetPoint(0.1, 3), 1);
  });

  test('warnings fire at each 10 % step from 50 % and at the threshold, once each', () => {
    const fired: number[] = [];
    for (let used = 1; used <= 50; used++) fired.push(...warningSteps(used, 50, 0.2));
    assert.deepEqual(fired, [20, 50, 60, 70, 80, 90, 100]);
    const withEighty: number[] = [];
    for (let used = 1; used <= 10; used++) withEighty.push(...warningSteps(used, 10, 0.8));
    assert.deepEqual(withEighty, [50, 60, 70, 80, 90, 100]);
  });

  test('UTC day helpers use UTC, not local time', () => {
    const t = Date.parse('2024-03-10T23:59:59.999Z');
    assert.equal(utcDayKey(t), '2024-03-10');
    assert.equal(nextUtcMidnight(t), Date.parse('2024-03-11T00:00:00Z'));
    assert.equal(nextUtcMidnight(Date.parse('2024-03-11T00:00:00Z')), Date.parse('2024-03-12T00:00:00Z'));
  });

  test('waits are formatted for humans', () => {
    assert.equal(formatWait(45_000), '45s');
    assert.equal(formatWait(200_000), '3m 20s');
    assert.equal(formatWait(5 * 3_600_000 + 12 * 60_000), '5h 12m');
  });
});
