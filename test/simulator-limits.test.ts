import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import { startSimulator } from '../src/simulator/index.js';
import type { SimulatorOptions } from '../src/simulator/index.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

interface Reply {
  status: number;
  headers: Headers;
  json: { error?: { message: string; type: string; code: string | null }; usage?: { total_tokens: number } };
}

async function call(url: string, body: Record<string, unknown>): Promise<Reply> {
  const res = await fetch(`${url}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Reply['json'] };
}

const small = (name: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  input: `Artist name: ${name}`,
  max_output_tokens: 200,
  ...extra,
});

async function withSim(options: SimulatorOptions, body: (url: string) => Promise<void>): Promise<void> {
  const sim = await startSimulator({ sendRetryAfterMs: true, ...options });
  try {
    await body(sim.url);
  } finally {
    await sim.close();
  }
}

test('a flood of 200 concurrent requests gets exactly the burst of 10 through (frozen clock)', async () => {
  const clock = new ManualClock(T0);
  await withSim({ rpm: 120, burstRequests: 10, clock }, async (url) => {
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => call(url, small(`A${i}`))));
    assert.equal(replies.filter((r) => r.status === 200).length, 10);
    const limited = replies.filter((r) => r.status === 429);
    assert.equal(limited.length, 190);
    for (const r of limited) {
      assert.equal(r.json.error?.code, 'rate_limit_exceeded');
      assert.equal(r.json.error?.type, 'requests');
    }
    // The 11th request is charged too (as OpenAI counts rejections), so it fits after two refill
    // intervals: 2 × 60 000 / 120 = 1000 ms.
    assert.equal(limited[0]?.headers.get('retry-after-ms'), '1000');
    assert.equal(limited[0]?.headers.get('retry-after'), '1');
  });
});

test('a flood on the wall clock gets the burst through, give or take one refill', async () => {
  await withSim({ rpm: 120, burstRequests: 10 }, async (url) => {
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => call(url, small(`B${i}`))));
    const elapsed = Date.now() - started;
    const ok = replies.filter((r) => r.status === 200).length;
    // No bound on `elapsed` itself: a loaded machine may take seconds; the admitted count scales with it.
    assert.ok(ok >= 10 && ok <= 10 + Math.ceil(elapsed / 500), `${ok} admitted in ${elapsed} ms`);
  });
});

test('the 429 body is exactly OpenAI’s and the wait is exact to the millisecond', async () => {
  const clock = new ManualClock(T0);
  await withSim({ rpm: 120, chargeRejected: false, clock }, async (url) => {
    for (let i = 0; i < 120; i++) assert.equal((await call(url, small('C'))).status, 200);
    const limited = await call(url, small('C'));
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.json, {
      error: {
        message:
          'Rate limit reached for gpt-4o-mini in organization org-sim on requests per min (RPM): Limit 120, Used 120, Requested 1. ' +
          'Please try again in 500ms. Visit https://platform.openai.com/account/rate-limits to learn more.',
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    });
    assert.equal(limited.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.equal(limited.headers.get('x-ratelimit-reset-requests'), '1m0s');
    assert.match(limited.headers.get('x-request-id') ?? '', /^req_/);
    clock.advance(499);
    const early = await call(url, small('C'));
    assert.equal(early.status, 429);
    assert.equal(early.headers.get('retry-after-ms'), '1');
    clock.advance(1);
    assert.equal((await call(url, small('C'))).status, 200);
  });
});

test('remaining requests drop by one per request and come back as the bucket refills', async () => {
  const clock = new ManualClock(T0);
  await withSim({ rpm: 120, burstRequests: 10, clock }, async (url) => {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await call(url, small('D'));
      seen.push(`${r.headers.get('x-ratelimit-remaining-requests')}/${r.headers.get('x-ratelimit-reset-requests')}`);
    }
    assert.deepEqual(seen, ['9/500ms', '8/1s', '7/1.5s', '6/2s']);
    assert.equal((await call(url, small('D'))).headers.get('x-ratelimit-limit-requests'), '120');
    clock.advance(1000); // +2 requests
    assert.equal((await call(url, small('D'))).headers.get('x-ratelimit-remaining-requests'), '6');
    clock.advance(60_000);
    const full = await call(url, small('D'));
    assert.equal(full.headers.get('x-ratelimit-remaining-requests'), '9');
    assert.equal(full.headers.get('x-ratelimit-reset-requests'), '500ms');
  });
});

test('tokens are charged up front with the estimate and settled with actual usage', async () => {
  const clock = new ManualClock(T0);
  await withSim({ tpm: 6000, latencyMs: 1000, clock }, async (url) => {
    const input = 'Artist name: E'; // 14 chars → 4 input tokens
    const slow = [
      call(url, { model: 'm', input, max_output_tokens: 2000 }),
      call(url, { model: 'm', input, max_output_tokens: 2000 }),
    ];
    while (clock.pendingSleepers < 2) await new Promise((resolve) => setImmediate(resolve));
    // Both in flight: 2 × (4 + 2000) charged, 1992 left, so a third such request does not fit.
    const third = await call(url, { model: 'm', input, max_output_tokens: 2000 });
    assert.equal(third.status, 429);
    assert.equal(third.json.error?.type, 'tokens');
    assert.equal(third.headers.get('x-ratelimit-remaining-tokens'), '1992');
    assert.match(third.json.error?.message ?? '', /on tokens per min \(TPM\): Limit 6000, Used 4008, Requested 2004\./);
    // The wait is the time to refill the 12 missing tokens at 0.1 token/ms.
    assert.equal(third.headers.get('retry-after-ms'), '120');
    clock.advance(1000); // +100 tokens, then both settle
    const done = await Promise.all(slow);
    const used = done.reduce((sum, r) => sum + (r.json.usage?.total_tokens ?? 0), 0);
    assert.ok(used > 200 && used < 4008, `actual usage ${used} is below the estimates`);
    const next = call(url, { model: 'm', input, max_output_tokens: 16 });
    while (clock.pendingSleepers < 1) await new Promise((resolve) => setImmediate(resolve));
    clock.advance(1000); // +100 tokens
    const after = await next;
    assert.equal(after.status, 200);
    const own = after.json.usage?.total_tokens ?? 0;
    // 1992 + 100 refill + refund (4008 − used), then this request: −20 charged, +100 refill, +(20 − own) refund.
    // Without the refund the bucket would hold 1992 + 200 − own.
    assert.equal(after.headers.get('x-ratelimit-remaining-tokens'), String(6200 - used - own));
  });
});

test('a rejected request costs one request of the window and no tokens, as OpenAI counts it', async () => {
  const clock = new ManualClock(T0);
  await withSim({ rpm: 600, burstRequests: 5, tpm: 2000, clock }, async (url) => {
    // A hanging request keeps its token charge (4 + 1500) for good.
    void call(url, { model: 'm', input: 'Artist name: F\nArtist data: TIMEOUTx1', max_output_tokens: 1500 }).catch(
      () => undefined,
    );
    while ((await fetch(url.replace('/v1', '/__stats')).then((r) => r.json() as Promise<{ hung: number }>)).hung < 1) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const rejected = await call(url, small('G', { max_output_tokens: 1000 }));
    assert.equal(rejected.status, 429);
    assert.equal(rejected.json.error?.type, 'tokens');
    assert.equal(rejected.headers.get('x-ratelimit-remaining-requests'), '3', 'the hanging and the rejected request');
    const admitted = await call(url, small('G', { max_output_tokens: 100 }));
    assert.equal(admitted.status, 200);
    assert.equal(admitted.headers.get('x-ratelimit-remaining-requests'), '2');
  });
});

test('with chargeRejected off a rejected request consumes nothing from any bucket', async () => {
  const clock = new ManualClock(T0);
  await withSim({ rpm: 600, burstRequests: 5, tpm: 2000, chargeRejected: false, clock }, async (url) => {
    // A hanging request keeps its token charge (4 + 1500) for good.
    void call(url, { model: 'm', input: 'Artist name: F\nArtist data: TIMEOUTx1', max_output_tokens: 1500 }).catch(
      () => undefined,
    );
    while ((await fetch(url.replace('/v1', '/__stats')).then((r) => r.json() as Promise<{ hung: number }>)).hung < 1) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const rejected = await call(url, small('G', { max_output_tokens: 1000 }));
    assert.equal(rejected.status, 429);
    assert.equal(rejected.json.error?.type, 'tokens');
    assert.equal(rejected.headers.get('x-ratelimit-remaining-requests'), '4', 'only the hanging request is counted');
    const admitted = await call(url, small('G', { max_output_tokens: 100 }));
    assert.equal(admitted.status, 200);
    assert.equal(admitted.headers.get('x-ratelimit-remaining-requests'), '3');
  });
});

test('a daily request cap rejects with the RPD message until the day bucket refills', async () => {
  const clock = new ManualClock(T0);
  await withSim({ rpd: 3, clock }, async (url) => {
    for (let i = 0; i < 3; i++) assert.equal((await call(url, small('H'))).status, 200);
    const capped = await call(url, small('H'));
    assert.equal(capped.status, 429);
    assert.equal(capped.json.error?.type, 'requests');
    assert.match(
      capped.json.error?.message ?? '',
      /on requests per day \(RPD\): Limit 3, Used 3, Requested 1\. Please try again in 8h0m0s\./,
    );
    assert.equal(capped.headers.get('retry-after'), '28800');
    assert.equal(capped.headers.get('x-ratelimit-limit-requests'), '3');
    clock.advance(8 * 3_600_000);
    assert.equal((await call(url, small('H'))).status, 200);
  });
});

test('with both RPM and RPD the limit that needs the longest wait is reported', async () => {
  const clock = new ManualClock(T0);
  await withSim({ rpm: 60, rpd: 2, clock }, async (url) => {
    assert.equal((await call(url, small('I'))).status, 200);
    assert.equal((await call(url, small('I'))).status, 200);
    const capped = await call(url, small('I'));
    assert.match(capped.json.error?.message ?? '', /requests per day \(RPD\)/);
    assert.equal(capped.headers.get('retry-after-ms'), String(43_200_000));
    assert.equal(capped.headers.get('x-ratelimit-limit-requests'), '60', 'headers describe the minute window');
  });
});

test('a request whose estimate exceeds the token bucket is "too large" and carries no retry hint', async () => {
  await withSim({ tpm: 1000 }, async (url) => {
    const r = await call(url, { model: 'gpt-4o', input: 'Artist name: J', max_output_tokens: 2000 });
    assert.equal(r.status, 429);
    assert.equal(r.json.error?.code, 'rate_limit_exceeded');
    assert.equal(r.json.error?.type, 'tokens');
    assert.equal(
      r.json.error?.message,
      'Request too large for gpt-4o in organization org-sim on tokens per min (TPM): Limit 1000, Requested 2004. ' +
        'The input or output tokens must be reduced in order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.',
    );
    assert.equal(r.headers.get('retry-after'), null);
    assert.equal(r.headers.get('retry-after-ms'), null);
    assert.equal(r.headers.get('x-ratelimit-remaining-tokens'), '1000', 'nothing was charged');
  });
});

test('without max_output_tokens the charge assumes 1024 output tokens', async () => {
  await withSim({ tpm: 1000 }, async (url) => {
    const r = await call(url, { model: 'gpt-4o', input: 'Artist name: K' });
    assert.equal(r.status, 429);
    assert.match(r.json.error?.message ?? '', /Requested 1028\./);
  });
});

test('no limit configured means no x-ratelimit headers', async () => {
  await withSim({}, async (url) => {
    const r = await call(url, small('L'));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-ratelimit-limit-requests'), null);
    assert.equal(r.headers.get('x-ratelimit-limit-tokens'), null);
    assert.match(r.headers.get('x-request-id') ?? '', /^req_/);
  });
});
