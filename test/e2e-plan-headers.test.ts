/**
 * Rate-limit headers the tool cannot trust (docs/architecture.md#quota-and-pacing: missing or odd
 * headers never block the run): absent, zero, negative or garbage. The original tool hung on missing headers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import { artists, tempDir } from './support/cli.js';
import { finishOnClock } from './support/in-process.js';
import {
  assertOneLineEach,
  linesMatching,
  planEnv,
  planFiles,
  MIDDAY,
  readBios,
  runPlan,
  startHeaderProxy,
  startPlan,
  STORED_PROMPT,
} from './support/plan.js';

// Only a guard against a hang: the runs take a few seconds on an idle machine, and a wrong
// reading of these headers would wait for a day or forever. Generous, since CI may be busy.
const HANG_LIMIT_MS = 300_000;

test('without any rate-limit header, 20 workers against a 600 rpm key finish every artist and honour each retry-after', async () => {
  const sim = await startSimulator({ rpm: 600, burstRequests: 5, sendRateLimitHeaders: false });
  try {
    const rows = artists(30);
    const files = await planFiles(await tempDir(), rows);
    const r = await runPlan(files, [...STORED_PROMPT, '--max-workers', '20', '--verbose'], {
      env: planEnv(sim.url),
      timeoutMs: HANG_LIMIT_MS,
    });
    assert.equal(r.code, 0, r.stderr);
    assertOneLineEach(
      await readBios(files.output),
      rows.map((row) => row.id),
    );
    assert.doesNotMatch(r.stderr, /Parsed quota status/);
    const stats = sim.stats();
    assert.ok(stats.rateLimited > 0, 'the burst of 20 workers was rate limited');
    assert.equal(stats.earlyRetries, 0, 'no request was sent before its retry-after');
    assert.equal(
      linesMatching(r.stderr, / WARNING: Rate limit hit \(429 rate_limit_exceeded\)/).length,
      stats.rateLimited,
    );
  } finally {
    await sim.close();
  }
});

const ODD_HEADERS: { name: string; headers: Record<string, string>; ignored: string[] }[] = [
  {
    name: 'all zero',
    headers: {
      'x-ratelimit-limit-requests': '0',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '0s',
      'x-ratelimit-limit-tokens': '0',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '0ms',
    },
    ignored: [],
  },
  {
    name: 'zero remaining of a real limit, resetting now',
    headers: {
      'x-ratelimit-limit-requests': '5000',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '0s',
    },
    ignored: [],
  },
  {
    name: 'negative (Azure-style -1)',
    headers: {
      'x-ratelimit-limit-requests': '-1',
      'x-ratelimit-remaining-requests': '-1',
      'x-ratelimit-reset-requests': '-1',
      'x-ratelimit-limit-tokens': '-1',
      'x-ratelimit-remaining-tokens': '-5',
      'x-ratelimit-reset-tokens': '-5s',
    },
    ignored: ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-tokens'],
  },
  {
    name: 'garbage',
    headers: {
      'x-ratelimit-limit-requests': 'abc',
      'x-ratelimit-remaining-requests': 'NaN',
      'x-ratelimit-reset-requests': 'soon',
      'x-ratelimit-limit-tokens': '1e999',
      'x-ratelimit-remaining-tokens': '',
      'x-ratelimit-reset-tokens': '6m0sx',
      'retry-after': 'tomorrow',
      'retry-after-ms': 'later',
    },
    ignored: ['x-ratelimit-limit-requests', 'x-ratelimit-reset-requests', 'x-ratelimit-limit-tokens'],
  },
];

for (const { name, headers, ignored } of ODD_HEADERS) {
  test(`rate-limit headers ${name}: the run neither stops nor slows down`, { timeout: HANG_LIMIT_MS }, async () => {
    const sim = await startSimulator({ scriptedRetryAfterMs: 200, sendRetryAfterMs: true });
    const proxy = await startHeaderProxy(sim.url, headers);
    try {
      // One artist gets a 429 whose retry hints are replaced too: the tool must fall back on its own
      // backoff. The run is held on a manual clock, moved whenever the run waits: at the end it
      // tells how long the run waited in all, in its own time.
      const rows = artists(12, (i) => (i === 6 ? `Artist ${i} FAIL429x1` : `Artist ${i}`));
      const files = await planFiles(await tempDir(), rows);
      const r = startPlan(files, [...STORED_PROMPT, '--max-workers', '4', '--verbose'], planEnv(proxy.url));
      assert.equal(await finishOnClock(r), 0, r.stderr.text);
      const stderr = r.stderr.text;
      assertOneLineEach(
        await readBios(files.output),
        rows.map((row) => row.id),
      );
      const waited = r.clock.now() - Date.parse(MIDDAY);
      assert.ok(waited > 0 && waited <= 10_000, `the run waited ${waited} ms of its time in all`);
      assert.equal(sim.stats().requests, 13);
      const retried = (await readBios(files.output)).filter((line) => line.attempts > 1).map((line) => line.artist_id);
      assert.deepEqual(retried, ['1006']);
      for (const header of ignored) {
        assert.match(stderr, new RegExp(` DEBUG: Ignoring rate-limit header ${header}: `), header);
      }
    } finally {
      await proxy.close();
      await sim.close();
    }
  });
}
