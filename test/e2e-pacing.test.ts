import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

test('against a per-minute limit with a small burst, 16 workers at threshold 1.0 get no 429 and never exceed the allowed rate', async () => {
  // 1,200 requests/minute = 20 per second, but only 5 may arrive back to back: a client that
  // bursts is throttled at once; one that spends the window evenly never is.
  const sim = await startSimulator({ rpm: 1200, burstRequests: 5, latencyMs: 80, latencyJitterMs: 40, seed: 21 });
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', artists(120));
    const output = join(dir, 'o.jsonl');
    const started = Date.now();
    const r = await runCli(['--input', input, '--output', output, '--max-workers', '16', '--quota-threshold', '1.0'], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url },
    });
    const wallMs = Date.now() - started;
    assert.equal(r.code, 0, r.stderr);
    const stats = sim.stats();
    assert.equal(stats.rateLimited, 0, `429s received: ${stats.rateLimited}`);
    assert.equal(stats.requests, 120);
    for (const [second, count] of Object.entries(stats.perSecond)) {
      assert.ok(count <= 20 + 5, `second ${second} saw ${count} requests`);
    }
    // Pattern, not speed: the run is not starved either (ideal is 6 s; allow slack for a busy machine).
    assert.ok(wallMs < 20_000, `took ${wallMs} ms`);
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 120);
  } finally {
    await sim.close();
  }
});
