import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

interface Line {
  artist_id: string;
  cost_usd: number;
}

async function lines(path: string): Promise<Line[]> {
  if (!existsSync(path)) return [];
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

const sum = (found: Line[]): number => found.reduce((total, line) => total + line.cost_usd, 0);

interface CostJob {
  sim: SimulatorHandle;
  output: string;
  state: string;
  run(extra: string[]): ReturnType<typeof runCli>;
}

/** A batch job of 120 artists in parts of 20, with its own simulator and its own ledger file. */
async function withCostJob(body: (job: CostJob) => Promise<void>): Promise<void> {
  const sim = await startSimulator({ batchLinesPerPoll: 1000 });
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', artists(120));
    const output = join(dir, 'out.jsonl');
    const state = join(dir, 'ledger.json');
    const base = ['--input', input, '--output', output, '--mode', 'batch', '--model', 'gpt-4.1-mini'];
    const options = ['--batch-poll-interval', '0.01', '--batch-max-requests', '20', '--state-file', state];
    await body({
      sim,
      output,
      state,
      run: (extra) =>
        runCli([...base, ...options, ...extra], { env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url } }),
    });
  } finally {
    await sim.close();
  }
}

/** The worst case of one part that a stop message names ("may cost up to $X at batch prices"). */
function partWorstCase(stderr: string): number {
  const match = /next batch \(20 requests\) may cost up to \$([0-9.]+) at batch prices/.exec(stderr);
  assert.ok(match?.[1] !== undefined, stderr);
  return Number(match[1]);
}

function createdBatches(sim: SimulatorHandle): number {
  return sim.stats().batch?.batches.length ?? 0;
}

test('batch --max-cost reserves each part at batch prices: never exceeded, exit 5 with the resume command, --resume with a higher cap completes', async () => {
  await withCostJob(async (job) => {
    // A cap below one part's worst case submits nothing at all.
    const tiny = await job.run(['--max-cost', '0.000001']);
    assert.equal(tiny.code, 5, tiny.stderr);
    assert.equal(createdBatches(job.sim), 0);
    assert.equal((await lines(job.output)).length, 0);
    const worst = partWorstCase(tiny.stderr);

    // Room for one and a half parts: parts go one at a time while a reservation is out, and the
    // job stops once what was spent plus the next part's worst case would pass the cap.
    const cap = worst * 1.5;
    const capped = await job.run(['--max-cost', String(cap), '--resume']);
    assert.equal(capped.code, 5, capped.stderr);
    assert.match(capped.stderr, /Cost limit reached: this job has spent \$[0-9.]+ of --max-cost/);
    assert.match(capped.stderr, /To continue: artist-bio-gen .*--resume/);
    const partial = await lines(job.output);
    assert.ok(partial.length > 0 && partial.length < 120, `${partial.length} lines`);
    assert.equal(partial.length % 20, 0, 'whole parts only');
    assert.ok(sum(partial) <= cap, `spent ${sum(partial)} > cap ${cap}`);
    const created = createdBatches(job.sim);
    assert.equal(created, partial.length / 20);

    const resumed = await job.run(['--max-cost', '1', '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const all = await lines(job.output);
    assert.deepEqual(
      all.map((l) => l.artist_id).sort(),
      artists(120)
        .map((r) => r.id)
        .sort(),
    );
    const batch = job.sim.stats().batch;
    assert.ok(batch);
    assert.equal(batch.batches.length, 6, 'each part submitted once over the three runs');
    assert.ok(Object.values(batch.submittedPerCustomId).every((n) => n === 1));
    const ledger = JSON.parse(await readFile(job.state, 'utf8')) as { spentUsd: number; requestsToday: number };
    // Reservations settled to what the answers cost; batch requests are not daily requests.
    assert.ok(Math.abs(ledger.spentUsd - sum(all)) < 1e-6, `${ledger.spentUsd} vs ${sum(all)}`);
    assert.equal(ledger.requestsToday, 0);
  });
});

test('batch --daily-cost-limit counts the key ledger at batch prices and stops before passing it (exit 5)', async () => {
  await withCostJob(async (job) => {
    const tiny = await job.run(['--daily-cost-limit', '0.000001']);
    assert.equal(tiny.code, 5, tiny.stderr);
    assert.match(tiny.stderr, /Daily cost limit reached/);
    assert.equal(createdBatches(job.sim), 0);
    const limit = partWorstCase(tiny.stderr) * 1.5;
    const capped = await job.run(['--daily-cost-limit', String(limit), '--resume']);
    assert.equal(capped.code, 5, capped.stderr);
    assert.match(capped.stderr, /Daily cost limit reached: the API key has spent/);
    const partial = await lines(job.output);
    assert.ok(partial.length > 0 && partial.length < 120, `${partial.length} lines`);
    const ledger = JSON.parse(await readFile(job.state, 'utf8')) as { spentUsd: number };
    assert.ok(ledger.spentUsd <= limit, `ledger ${ledger.spentUsd} > ${limit}`);
    assert.ok(Math.abs(ledger.spentUsd - sum(partial)) < 1e-6);
  });
});
