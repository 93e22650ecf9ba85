import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import { startSimulator } from '../src/simulator/index.js';
import type { SimulatorOptions } from '../src/simulator/index.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

interface Reply {
  status: number;
  headers: Headers;
}

async function call(url: string, name: string): Promise<Reply> {
  const res = await fetch(`${url}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify({ model: 'gpt-4o-mini', input: `Artist name: ${name}`, max_output_tokens: 100 }),
  });
  await res.arrayBuffer();
  return { status: res.status, headers: res.headers };
}

async function withSim(options: SimulatorOptions, body: (url: string) => Promise<void>): Promise<void> {
  const sim = await startSimulator({ sendRetryAfterMs: true, ...options });
  try {
    await body(sim.url);
  } finally {
    await sim.close();
  }
}

async function sequential(url: string, count: number, prefix: string): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (let i = 0; i < count; i++) replies.push(await call(url, `${prefix}${i}`));
  return replies;
}

test('per-second enforcement: 600 RPM admits a burst of 10, not 600', async () => {
  const clock = new ManualClock(T0);
  await withSim({ rpm: 600, perSecond: true, clock }, async (url) => {
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => call(url, `P${i}`)));
    assert.equal(replies.filter((r) => r.status === 200).length, 10);
    const ok = replies.find((r) => r.status === 200);
    assert.equal(ok?.headers.get('x-ratelimit-limit-requests'), '600', 'the stated limit stays per minute');
  });
});

test('per-second enforcement refills a sixtieth of the limit per second', async () => {
  const clock = new ManualClock(T0);
  await withSim({ rpm: 600, perSecond: true, chargeRejected: false, clock }, async (url) => {
    assert.equal((await sequential(url, 10, 'R')).filter((r) => r.status === 200).length, 10);
    assert.equal((await call(url, 'R10')).status, 429);
    clock.advance(500);
    const after = await sequential(url, 6, 'S');
    assert.deepEqual(
      after.map((r) => r.status),
      [200, 200, 200, 200, 200, 429],
    );
  });
});

test('per-second token enforcement sizes the token bucket at a sixtieth of TPM', async () => {
  const clock = new ManualClock(T0);
  // 6 000 TPM per second = a bucket of 100 tokens; each request is charged ~4 + 100.
  await withSim({ tpm: 6000, perSecond: true, clock }, async (url) => {
    const reply = await call(url, 'T');
    assert.equal(reply.status, 429);
    assert.equal(reply.headers.get('x-ratelimit-limit-tokens'), '6000');
  });
});

test('each charged rejection pushes the next free slot back by one refill interval', async () => {
  const clock = new ManualClock(T0);
  await withSim({ rpm: 120, burstRequests: 2, clock }, async (url) => {
    const replies = await sequential(url, 5, 'C');
    assert.deepEqual(
      replies.map((r) => r.status),
      [200, 200, 429, 429, 429],
    );
    // 120 RPM refills one request per 500 ms; each rejection is one more request owed (its own
    // included), up to one bucket of debt.
    assert.deepEqual(
      replies.slice(2).map((r) => r.headers.get('retry-after-ms')),
      ['1000', '1500', '1500'],
    );
    assert.equal(replies[4]?.headers.get('x-ratelimit-remaining-requests'), '0', 'a debt reads as 0');
    // The debt is two requests (one bucket): 1.5 s later exactly one request fits, not two.
    clock.advance(1500);
    assert.equal((await call(url, 'D')).status, 200);
    assert.equal((await call(url, 'E')).status, 429);
  });
});

test('the debt of a flood of rejections is bounded by one bucket', async () => {
  const clock = new ManualClock(T0);
  await withSim({ rpm: 120, burstRequests: 2, clock }, async (url) => {
    await Promise.all(Array.from({ length: 100 }, (_, i) => call(url, `F${i}`)));
    // Two slots owed at most (the bucket's size) plus the two refills to free one request.
    clock.advance(1499);
    assert.equal((await call(url, 'G')).status, 429);
    clock.advance(2001);
    assert.equal((await call(url, 'H')).status, 200);
  });
});

test('with chargeRejected off rejections cost nothing', async () => {
  const clock = new ManualClock(T0);
  await withSim({ rpm: 120, burstRequests: 2, chargeRejected: false, clock }, async (url) => {
    const replies = await sequential(url, 5, 'N');
    assert.deepEqual(
      replies.slice(2).map((r) => r.headers.get('retry-after-ms')),
      ['500', '500', '500'],
    );
  });
});
