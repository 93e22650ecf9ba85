import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProviderError, type ProviderErrorKind } from '../src/core/errors.js';
import { readChatFinish, readResponse, removeCitationMarkers, sourcesOf } from '../src/provider/response-status.js';
import { RetryPolicy } from '../src/quota/retry-policy.js';

const policy = new RetryPolicy({ random: () => 0.5 });

function answer(status: string, extra: Record<string, unknown> = {}, text = 'A bio.') {
  return { status, output_text: text, output: [], ...extra };
}

function errorOf(kind: ProviderErrorKind, code?: string, headers?: Record<string, string>): ProviderError {
  return new ProviderError('x', {
    kind,
    status: 200,
    ...(code === undefined ? {} : { apiCode: code }),
    ...(headers === undefined ? {} : { headers: new Headers(headers) }),
  });
}

test('every response status, reason and code reads as the failure kind and code the policy acts on', () => {
  const cases: [ReturnType<typeof answer>, string, string][] = [
    [answer('completed', {}, ''), 'incomplete', 'empty_output'],
    [answer('incomplete', { incomplete_details: { reason: 'max_output_tokens' } }), 'incomplete', 'max_output_tokens'],
    [answer('incomplete', { incomplete_details: { reason: 'content_filter' } }), 'incomplete', 'content_filter'],
    [answer('failed', { error: { code: 'server_error', message: 'm' } }), 'server', 'server_error'],
    [answer('failed', { error: { code: 'vector_store_timeout', message: 'm' } }), 'server', 'vector_store_timeout'],
    [answer('failed', { error: { code: 'rate_limit_exceeded', message: 'm' } }), 'rate_limit', 'rate_limit_exceeded'],
    [answer('failed', { error: { code: 'invalid_prompt', message: 'm' } }), 'bad_request', 'invalid_prompt'],
    [answer('cancelled'), 'incomplete', 'cancelled'],
    [answer('in_progress'), 'incomplete', 'in_progress'],
  ];
  for (const [data, kind, code] of cases) {
    const reading = readResponse(data);
    assert.ok(!reading.ok, `${data.status} ${code}`);
    assert.deepEqual({ kind: reading.kind, code: reading.code }, { kind, code }, `${data.status} ${code}`);
  }
  assert.deepEqual(readResponse(answer('completed')), { ok: true, text: 'A bio.', sources: [] });
});

test('chat finish reasons read the same way', () => {
  assert.deepEqual(readChatFinish('stop', 'Text.'), { ok: true, text: 'Text.', sources: [] });
  const length = readChatFinish('length', 'Tex');
  assert.ok(!length.ok && length.code === 'max_output_tokens');
  const filtered = readChatFinish('content_filter', null);
  assert.ok(!filtered.ok && filtered.code === 'content_filter');
});

test('each reading maps to its decision: larger cap once, never retried, retried only when transient', () => {
  const d = (kind: ProviderErrorKind, code?: string, attempt = 1) => policy.decide(errorOf(kind, code), attempt, 5);
  assert.deepEqual(d('incomplete', 'max_output_tokens'), { action: 'retry', delayMs: 0, raiseOutputCap: true });
  assert.deepEqual(d('incomplete', 'content_filter'), { action: 'fail' });
  assert.deepEqual(d('server', 'server_error'), { action: 'retry', delayMs: 250 });
  assert.deepEqual(d('bad_request', 'invalid_prompt'), { action: 'fail' });
  assert.deepEqual(d('incomplete', 'empty_output'), { action: 'retry', delayMs: 250 });
  assert.deepEqual(d('incomplete', 'empty_output', 6), { action: 'fail' }, 'other incompletes use --max-retries');
});

test('x-should-retry overrides the table both ways; quota and auth still stop the run', () => {
  const decide = (kind: ProviderErrorKind, value: string) =>
    policy.decide(errorOf(kind, undefined, { 'x-should-retry': value }), 1, 5);
  assert.deepEqual(decide('server', 'false'), { action: 'fail' });
  assert.deepEqual(decide('rate_limit', 'false'), { action: 'fail' });
  assert.deepEqual(decide('bad_request', 'true'), { action: 'retry', delayMs: 250 });
  assert.deepEqual(
    policy.decide(errorOf('bad_request', undefined, { 'x-should-retry': 'true' }), 6, 5),
    { action: 'fail' },
    'still bounded by --max-retries',
  );
  assert.equal(decide('quota', 'true').action, 'stop');
  assert.equal(decide('auth', 'true').action, 'stop');
});

test('a retry-after is a floor: the delay is the hint plus up to 10 % (at most 1 s) of jitter', () => {
  const low = new RetryPolicy({ random: () => 0 });
  const high = new RetryPolicy({ random: () => 0.999 });
  const hinted = new ProviderError('x', { kind: 'overloaded', status: 503, retryAfterMs: 20_000 });
  const floor = low.decide(hinted, 1, 5);
  const top = high.decide(hinted, 1, 5);
  assert.ok(floor.action === 'retry' && floor.delayMs === 20_000);
  assert.ok(top.action === 'retry' && top.delayMs > 20_000 && top.delayMs <= 21_000);
  const limited = new ProviderError('x', { kind: 'rate_limit', status: 429 });
  const waited = high.decide(limited, 1, 5, 4000);
  assert.ok(waited.action === 'retry' && waited.delayMs >= 4000 && waited.delayMs <= 4400);
});

test('a 429 without retry headers waits for the reset of the exhausted window, not a blanket minute', () => {
  const headers = new Headers({
    'x-ratelimit-limit-requests': '500',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': '1.5s',
  });
  const hold = policy.holdOffFor(new ProviderError('x', { kind: 'rate_limit', status: 429, headers }), 1, 0);
  assert.deepEqual(hold, { ms: 1550, source: 'reset-header' });
});

test('url_citation annotations become sources and their inline markers are cut from the text', () => {
  const text = 'Born in Niafunké. ([a.org](https://a.org/x)) Played the blues. ([b.com](https://b.com/y))';
  const start = (needle: string): number => text.indexOf(needle);
  const output = [
    {
      type: 'message',
      content: [
        {
          type: 'output_text',
          text,
          annotations: [
            {
              type: 'url_citation',
              start_index: start('[a.org]'),
              end_index: start(' Played') - 1,
              url: 'https://a.org/x',
              title: 'A',
            },
            {
              type: 'url_citation',
              start_index: start('[b.com]'),
              end_index: text.length - 1,
              url: 'https://b.com/y',
              title: 'B',
            },
          ],
        },
      ],
    },
    {
      type: 'message',
      content: [
        {
          type: 'output_text',
          text: '',
          annotations: [{ type: 'url_citation', start_index: 0, end_index: 0, url: 'https://a.org/x', title: 'again' }],
        },
      ],
    },
  ];
  assert.deepEqual(sourcesOf(output), [
    { url: 'https://a.org/x', title: 'A' },
    { url: 'https://b.com/y', title: 'B' },
  ]);
  const reading = readResponse({ status: 'completed', output_text: text, output });
  assert.ok(reading.ok);
  assert.equal(reading.text, 'Born in Niafunké. Played the blues.');
  assert.equal(reading.sources.length, 2, 'each page once');
  assert.equal(
    removeCitationMarkers([{ type: 'message', content: [{ type: 'output_text', text: 'Plain.', annotations: [] }] }]),
    undefined,
  );
});
