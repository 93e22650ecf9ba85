import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import { startSimulator } from '../src/simulator/index.js';
import type { SimulatorOptions } from '../src/simulator/index.js';

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: {
    status?: string;
    incomplete_details?: { reason: string } | null;
    output?: { content: { text: string }[] }[];
    usage?: { output_tokens: number };
    choices?: { finish_reason: string; message: { content: string } }[];
    error?: { message: string; type: string; code: string | null; param: string | null };
  };
}

async function call(
  url: string,
  body: Record<string, unknown>,
  path = '/responses',
  signal?: AbortSignal,
): Promise<Reply> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
  const text = await res.text();
  let json: Reply['json'] = {};
  try {
    json = JSON.parse(text) as Reply['json'];
  } catch {
    // Malformed bodies are part of what is tested.
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A stored-prompt request for one artist whose data carries the fault script. */
const artist = (name: string, data = 'Singer') => ({
  prompt: { id: 'pmpt_x', variables: { artist_name: name, artist_data: data } },
});

async function withSim(options: SimulatorOptions, body: (url: string) => Promise<void>): Promise<void> {
  const sim = await startSimulator(options);
  try {
    await body(sim.url);
  } finally {
    await sim.close();
  }
}

async function statuses(url: string, body: Record<string, unknown>, n: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) seen.push((await call(url, body)).status);
  return seen;
}

test('errorRate5xx = 1 answers 500 with OpenAI’s server_error body', async () => {
  await withSim({ errorRate5xx: 1 }, async (url) => {
    const r = await call(url, artist('A'));
    assert.equal(r.status, 500);
    assert.deepEqual(r.json, {
      error: {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      },
    });
    assert.match(r.headers.get('x-request-id') ?? '', /^req_/);
  });
});

test('overloadedRate = 1 answers 503 server_is_overloaded', async () => {
  await withSim({ overloadedRate: 1 }, async (url) => {
    const r = await call(url, artist('A'));
    assert.equal(r.status, 503);
    assert.equal(r.json.error?.type, 'service_unavailable_error');
    assert.equal(r.json.error?.code, 'server_is_overloaded');
  });
});

test('timeoutRate = 1 leaves the request hanging, and close() still returns promptly', async () => {
  const sim = await startSimulator({ timeoutRate: 1 });
  const aborted = await call(sim.url, artist('A'), '/responses', AbortSignal.timeout(200)).then(
    () => 'answered',
    (e: unknown) => (e as Error).name,
  );
  assert.equal(aborted, 'TimeoutError');
  const pending = call(sim.url, artist('B')).then(
    () => 'answered',
    () => 'socket closed',
  );
  while (sim.stats().hung < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  const started = Date.now();
  await sim.close();
  assert.ok(Date.now() - started < 1000);
  assert.equal(await pending, 'socket closed');
  assert.equal(sim.stats().inFlight, 0);
  assert.equal(sim.stats().byCode.timeout, 2);
});

test('malformedRate = 1 answers 200 with a truncated JSON body', async () => {
  await withSim({ malformedRate: 1 }, async (url) => {
    const r = await call(url, artist('A'));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.throws(() => JSON.parse(r.text) as unknown, SyntaxError);
    assert.ok(r.text.startsWith('{"id":"resp_'));
  });
});

test('incompleteRate = 1 answers status incomplete (Responses) and finish_reason length (Chat)', async () => {
  await withSim({ incompleteRate: 1 }, async (url) => {
    const r = await call(url, artist('A'));
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'incomplete');
    assert.deepEqual(r.json.incomplete_details, { reason: 'max_output_tokens' });
    const chat = await call(
      url,
      { model: 'm', messages: [{ role: 'user', content: 'Artist: A' }] },
      '/chat/completions',
    );
    assert.equal(chat.json.choices?.[0]?.finish_reason, 'length');
  });
});

test('random faults are reproducible for a seed and differ between seeds', async () => {
  const run = async (seed: number): Promise<number[]> => {
    let seen: number[] = [];
    await withSim({ seed, errorRate5xx: 0.3, overloadedRate: 0.2 }, async (url) => {
      seen = await statuses(url, artist('A'), 60);
    });
    return seen;
  };
  const first = await run(7);
  assert.deepEqual(await run(7), first);
  assert.notDeepEqual(await run(8), first);
  assert.ok(first.includes(500) && first.includes(503) && first.includes(200));
});

test('a fault rate is honoured over many requests', async () => {
  await withSim({ seed: 3, errorRate5xx: 0.25 }, async (url) => {
    const seen = await statuses(url, artist('A'), 400);
    const errors = seen.filter((s) => s === 500).length;
    assert.ok(errors > 60 && errors < 140, `${errors} of 400`);
  });
});

test('FAIL500x2 fails that artist’s first two requests, then it succeeds; other artists are untouched', async () => {
  await withSim({}, async (url) => {
    const flaky = artist('Flaky', 'FAIL500x2');
    assert.equal((await call(url, artist('Calm'))).status, 200);
    assert.deepEqual(await statuses(url, flaky, 4), [500, 500, 200, 200]);
  });
});

test('scripted counters follow metadata.artist_id when it is given', async () => {
  await withSim({}, async (url) => {
    const body = (id: string) => ({
      model: 'm',
      input: 'Artist name: Same\nArtist data: FAIL503x1',
      metadata: { artist_id: id },
    });
    assert.equal((await call(url, body('1'))).status, 503);
    assert.equal((await call(url, body('2'))).status, 503, 'a different id has its own counter');
    assert.equal((await call(url, body('1'))).status, 200);
  });
});

test('FAIL429xN answers rate_limit_exceeded with the scripted retry-after', async () => {
  await withSim({ scriptedRetryAfterMs: 2500, rpm: 100, sendRetryAfterMs: true }, async (url) => {
    const r = await call(url, artist('A', 'FAIL429x1'));
    assert.equal(r.status, 429);
    assert.equal(r.json.error?.code, 'rate_limit_exceeded');
    assert.equal(r.json.error?.type, 'requests');
    assert.match(r.json.error?.message ?? '', /Limit 100, Used 100, Requested 1\. Please try again in 2\.5s\./);
    assert.equal(r.headers.get('retry-after'), '3');
    assert.equal(r.headers.get('retry-after-ms'), '2500');
    assert.equal(r.headers.get('x-ratelimit-remaining-requests'), '100', 'a scripted 429 is not charged');
    assert.equal((await call(url, artist('A', 'FAIL429x1'))).status, 200);
  });
});

test('TIMEOUTx1 hangs the first request only', async () => {
  await withSim({}, async (url) => {
    const body = artist('A', 'TIMEOUTx1');
    const first = await call(url, body, '/responses', AbortSignal.timeout(150)).then(
      () => 'answered',
      (e: unknown) => (e as Error).name,
    );
    assert.equal(first, 'TimeoutError');
    assert.equal((await call(url, body)).status, 200);
  });
});

test('MALFORMEDx1, INCOMPLETEx1 and EMPTYx1 each spoil one answer, in the order written', async () => {
  await withSim({}, async (url) => {
    const body = artist('A', 'MALFORMEDx1 INCOMPLETEx1 EMPTYx1');
    const malformed = await call(url, body);
    assert.equal(malformed.status, 200);
    assert.throws(() => JSON.parse(malformed.text) as unknown);
    assert.equal((await call(url, body)).json.status, 'incomplete');
    const empty = await call(url, body);
    assert.equal(empty.json.status, 'completed');
    assert.equal(empty.json.output?.[0]?.content[0]?.text, '');
    assert.equal(empty.json.usage?.output_tokens, 0);
    const fine = await call(url, body);
    assert.ok((fine.json.output?.[0]?.content[0]?.text ?? '').includes('A'));
  });
});

test('FAIL500x1 FAIL429x1 chain: a 500, then a 429, then success', async () => {
  await withSim({}, async (url) => {
    assert.deepEqual(await statuses(url, artist('A', 'FAIL500x1 FAIL429x1'), 3), [500, 429, 200]);
  });
});

test('FAIL400, TOOLARGE and QUOTA apply to every request of the artist', async () => {
  await withSim({}, async (url) => {
    for (let i = 0; i < 2; i++) {
      const bad = await call(url, artist('A', 'FAIL400'));
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error?.type, 'invalid_request_error');
      const large = await call(url, artist('B', 'TOOLARGE'));
      assert.equal(large.status, 429);
      assert.match(large.json.error?.message ?? '', /^Request too large for gpt-4o-mini .* on tokens per min \(TPM\)/);
      const quota = await call(url, artist('C', 'QUOTA'));
      assert.equal(quota.status, 429);
      assert.equal(quota.json.error?.code, 'insufficient_quota');
    }
  });
});

test('insufficientQuotaAfter serves N requests, then every later one gets insufficient_quota', async () => {
  await withSim({ insufficientQuotaAfter: 3 }, async (url) => {
    assert.deepEqual(await statuses(url, artist('A'), 3), [200, 200, 200]);
    for (let i = 0; i < 2; i++) {
      const r = await call(url, artist(`B${i}`));
      assert.equal(r.status, 429);
      assert.deepEqual(Object.keys(r.json.error ?? {}).sort(), ['code', 'message', 'param', 'type']);
      assert.equal(r.json.error?.type, 'insufficient_quota');
      assert.equal(r.json.error?.code, 'insufficient_quota');
      assert.ok(
        r.json.error?.message.startsWith(
          'You exceeded your current quota, please check your plan and billing details.',
        ),
      );
      assert.equal(r.headers.get('retry-after'), null);
    }
  });
});

test('by default a 429 carries only an integer retry-after; retry-after-ms and the others can be switched', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const limited = async (options: SimulatorOptions): Promise<Headers> => {
    let headers = new Headers();
    await withSim({ rpm: 60, burstRequests: 1, chargeRejected: false, clock, ...options }, async (url) => {
      await call(url, artist('A'));
      const r = await call(url, artist('A'));
      assert.equal(r.status, 429);
      headers = r.headers;
    });
    return headers;
  };
  const byDefault = await limited({});
  assert.equal(byDefault.get('retry-after'), '1');
  assert.equal(byDefault.get('retry-after-ms'), null, 'OpenAI sends retry-after-ms only sometimes');
  const all = await limited({ sendRetryAfterMs: true });
  assert.equal(all.get('retry-after'), '1');
  assert.equal(all.get('retry-after-ms'), '1000');
  assert.equal(all.get('x-ratelimit-remaining-requests'), '0');
  const noSeconds = await limited({ sendRetryAfter: false, sendRetryAfterMs: true });
  assert.equal(noSeconds.get('retry-after'), null);
  assert.equal(noSeconds.get('retry-after-ms'), '1000');
  const none = await limited({ sendRetryAfter: false, sendRetryAfterMs: false, sendRateLimitHeaders: false });
  assert.equal(none.get('retry-after'), null);
  assert.equal(none.get('retry-after-ms'), null);
  assert.equal(none.get('x-ratelimit-remaining-requests'), null);
  assert.equal(none.get('x-ratelimit-reset-requests'), null);
  assert.match(none.get('x-request-id') ?? '', /^req_/, 'the debugging headers stay');
});

test('impossible options are rejected with a RangeError naming the option', async () => {
  await assert.rejects(startSimulator({ rpm: 0 }), /`rpm`/);
  await assert.rejects(startSimulator({ errorRate5xx: 1.5 }), /`errorRate5xx`/);
  await assert.rejects(startSimulator({ errorRate5xx: 0.6, timeoutRate: 0.6 }), /sum of the fault rates/);
  await assert.rejects(startSimulator({ rpm: 10, burstRequests: 0.5 }), /`burstRequests`/);
  await assert.rejects(startSimulator({ insufficientQuotaAfter: -1 }), /`insufficientQuotaAfter`/);
});
