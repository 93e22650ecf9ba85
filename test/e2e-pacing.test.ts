import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

test('against a per-minute limit with a small burst, 16 workers pace evenly: at most 10 % throttled, no early retry, never over the allowed rate', async () => {
  // 1,200 requests/minute = 20 per second, but only 5 may arrive back to back: a client that
  // bursts is throttled at once; one that spends the window evenly never is.
  const sim = await startSimulator({ rpm: 1200, burstRequests: 5, latencyMs: 80, latencyJitterMs: 40, seed: 21 });
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', artists(120));
    const output = join(dir, 'o.jsonl');
    const r = await runCli(['--input', input, '--output', output, '--max-workers', '16', '--quota-threshold', '1.0'], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url },
    });
    assert.equal(r.code, 0, r.stderr);
    const stats = sim.stats();
    // The simulator runs on real time, so a loaded machine can bunch a few timers together; a
    // bursting client (the naive baseline) gets most of its requests throttled here, an even one
    // almost none. Every throttled request was retried, and never before its retry-after.
    assert.ok(stats.rateLimited <= 12, `429s received: ${stats.rateLimited}`);
    assert.equal(stats.earlyRetries, 0);
    assert.equal(stats.requests, 120 + stats.rateLimited);
    for (const [second, count] of Object.entries(stats.perSecond)) {
      assert.ok(count <= 20 + 5, `second ${second} saw ${count} requests`);
    }
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 120);
  } finally {
    await sim.close();
  }
});
