import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import { startSimulator } from '../src/simulator/index.js';
import type { SimulatorStats } from '../src/simulator/index.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0); // a whole second

async function call(url: string, body: Record<string, unknown>, key = 'sk-test'): Promise<Response> {
  const res = await fetch(`${url}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res;
}

const artist = (name: string, data = 'Singer') => ({
  prompt: { id: 'pmpt_x', variables: { artist_name: name, artist_data: data } },
});

/** Waits (in real time, with no bound but the suite's) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

test('peakInFlight counts concurrent requests and inFlight returns to zero', async () => {
  // On a manual clock no answer leaves before the test moves it: all 8 are in flight at once.
  const clock = new ManualClock(T0);
  const sim = await startSimulator({ latencyMs: 150, clock });
  try {
    const calls = Promise.all(Array.from({ length: 8 }, (_, i) => call(sim.url, artist(`P${i}`))));
    await until(() => sim.stats().inFlight === 8);
    clock.advance(150);
    await calls;
    const stats = sim.stats();
    assert.equal(stats.peakInFlight, 8);
    assert.equal(stats.inFlight, 0);
  } finally {
    await sim.close();
  }
});

test('latency and jitter delay answers within the configured range', async () => {
  const clock = new ManualClock(T0);
  const sim = await startSimulator({ latencyMs: 120, latencyJitterMs: 40, seed: 5, clock });
  try {
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const answered = call(sim.url, artist('L'));
      await until(() => clock.nextWake !== undefined);
      const wait = (clock.nextWake ?? 0) - clock.now();
      delays.push(wait);
      assert.ok(wait >= 80 && wait <= 160, `latency ${wait} ms within 120 ± 40`);
      clock.advance(wait - 1);
      assert.equal(sim.stats().inFlight, 1, 'not answered a millisecond early');
      clock.advance(1);
      await answered;
    }
    assert.ok(new Set(delays).size > 1, `jitter varies the latency: ${delays.join(', ')}`);
  } finally {
    await sim.close();
  }
});

test('earlyRetries counts only requests that came back before their retry-after elapsed', async () => {
  const clock = new ManualClock(T0);
  const sim = await startSimulator({ clock, scriptedRetryAfterMs: 1000 });
  try {
    const impatient = artist('Impatient', 'FAIL429x1');
    const patient = artist('Patient', 'FAIL429x1');
    assert.equal((await call(sim.url, impatient)).status, 429);
    assert.equal((await call(sim.url, patient)).status, 429);
    clock.advance(400);
    assert.equal((await call(sim.url, impatient)).status, 200);
    clock.advance(600);
    assert.equal((await call(sim.url, patient)).status, 200);
    assert.equal(sim.stats().earlyRetries, 1);
  } finally {
    await sim.close();
  }
});

test('a rate-limited client that ignores retry-after is caught as early', async () => {
  const clock = new ManualClock(T0);
  const sim = await startSimulator({ clock, rpm: 60, burstRequests: 1, chargeRejected: false });
  try {
    await call(sim.url, artist('R'));
    await call(sim.url, artist('R')); // 429, wait 1 s
    clock.advance(500);
    await call(sim.url, artist('R')); // early: 429 again, now wait 500 ms
    clock.advance(500);
    assert.equal((await call(sim.url, artist('R'))).status, 200);
    const stats = sim.stats();
    assert.equal(stats.earlyRetries, 1);
    assert.equal(stats.rateLimited, 2);
    assert.equal(stats.byCode.rate_limit_exceeded, 2);
  } finally {
    await sim.close();
  }
});

test('perSecond buckets arrivals by epoch second and the timeline records each answer', async () => {
  const clock = new ManualClock(T0);
  const sim = await startSimulator({ clock });
  try {
    for (let i = 0; i < 3; i++) await call(sim.url, artist('S'));
    clock.advance(1000);
    await call(sim.url, artist('T', 'FAIL500x1'));
    await call(sim.url, artist('T', 'FAIL500x1'));
    const second = T0 / 1000;
    const stats = sim.stats();
    assert.deepEqual(stats.perSecond, { [String(second)]: 3, [String(second + 1)]: 2 });
    assert.deepEqual(stats.timeline, [
      { t: T0, key: 'S', status: 200, code: null },
      { t: T0, key: 'S', status: 200, code: null },
      { t: T0, key: 'S', status: 200, code: null },
      { t: T0 + 1000, key: 'T', status: 500, code: 'server_error' },
      { t: T0 + 1000, key: 'T', status: 200, code: null },
    ]);
  } finally {
    await sim.close();
  }
});

test('totals by status, code and artist, and token usage, add up', async () => {
  const sim = await startSimulator({ apiKeys: ['sk-good'] });
  try {
    let input = 0;
    let output = 0;
    for (const body of [artist('U'), artist('U'), artist('V', 'EMPTYx1'), artist('W', 'QUOTA')]) {
      const res = await fetch(`${sim.url}/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-good' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { usage?: { input_tokens: number; output_tokens: number } };
      input += json.usage?.input_tokens ?? 0;
      output += json.usage?.output_tokens ?? 0;
    }
    await call(sim.url, artist('X'), 'sk-bad-key-123456');
    const stats = sim.stats();
    assert.equal(stats.requests, 5);
    assert.deepEqual(stats.byStatus, { '200': 3, '429': 1, '401': 1 });
    assert.deepEqual(stats.byCode, { empty: 1, insufficient_quota: 1, invalid_api_key: 1 });
    assert.deepEqual(stats.requestsPerArtist, { U: 2, V: 1, W: 1 });
    assert.deepEqual(stats.successesPerArtist, { U: 2 }, 'an empty answer is not a success');
    assert.deepEqual(stats.tokens, { input, output });
    assert.ok(input > 0 && output > 0);
  } finally {
    await sim.close();
  }
});

test('GET /__stats serves the stats and POST /__reset clears them, refills buckets and re-arms scripts', async () => {
  const clock = new ManualClock(T0);
  const sim = await startSimulator({ clock, rpm: 60, burstRequests: 2 });
  const origin = sim.url.replace(/\/v1$/, '');
  try {
    assert.equal((await call(sim.url, artist('Y', 'FAIL500x1'))).status, 500);
    assert.equal((await call(sim.url, artist('Y', 'FAIL500x1'))).status, 200);
    assert.equal((await call(sim.url, artist('Y', 'FAIL500x1'))).status, 429);
    const served = (await (await fetch(`${origin}/__stats`)).json()) as SimulatorStats;
    assert.deepEqual(served.byStatus, { '500': 1, '200': 1, '429': 1 });
    assert.equal(served.requests, 3, '/__stats itself is not counted');
    const reset = await fetch(`${origin}/__reset`, { method: 'POST' });
    assert.equal(reset.status, 200);
    const stats = sim.stats();
    assert.equal(stats.requests, 0);
    assert.deepEqual(stats.byStatus, {});
    assert.deepEqual(stats.timeline, []);
    const again = await call(sim.url, artist('Y', 'FAIL500x1'));
    assert.equal(again.status, 500, 'the scripted counter starts over');
    assert.equal(again.headers.get('x-ratelimit-remaining-requests'), '1', 'the bucket is full again');
  } finally {
    await sim.close();
  }
});

test('handle.reset() does the same as POST /__reset', async () => {
  const sim = await startSimulator({ insufficientQuotaAfter: 1 });
  try {
    assert.equal((await call(sim.url, artist('Z'))).status, 200);
    assert.equal((await call(sim.url, artist('Z'))).status, 429);
    sim.reset();
    assert.equal((await call(sim.url, artist('Z'))).status, 200);
    assert.equal(sim.stats().requests, 1);
  } finally {
    await sim.close();
  }
});
