import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import type { SimulatorHandle, SimulatorOptions, SimulatorStats } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv, type Row, type RunCliOptions } from './support/cli.js';

interface Line {
  artist_id: string;
  mode?: string;
  batch_id?: string;
  cost_usd?: number | null;
  [key: string]: unknown;
}

async function jsonl<T>(path: string): Promise<T[]> {
  if (!existsSync(path)) return [];
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);
}

interface Job {
  sim: SimulatorHandle;
  dir: string;
  input: string;
  output: string;
  ids: string[];
  run(extra?: string[], onLine?: RunCliOptions['onStderrLine']): ReturnType<typeof runCli>;
}

async function withJob(simOptions: SimulatorOptions, rows: Row[], body: (job: Job) => Promise<void>): Promise<void> {
  const sim = await startSimulator(simOptions);
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', rows);
    const output = join(dir, 'out.jsonl');
    const job: Job = {
      sim,
      dir,
      input,
      output,
      ids: rows.map((r) => r.id),
      run: (extra = [], onLine) =>
        runCli(
          [
            '--input',
            input,
            '--output',
            output,
            '--mode',
            'batch',
            '--model',
            'gpt-4.1-mini',
            '--batch-poll-interval',
            '0.01',
            ...extra,
          ],
          { env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url }, ...(onLine ? { onStderrLine: onLine } : {}) },
        ),
    };
    await body(job);
  } finally {
    await sim.close();
  }
}

function batchStats(stats: SimulatorStats) {
  const batch = stats.batch;
  assert.ok(batch);
  return batch;
}

/** No input file ran twice and no custom_id entered processing twice. */
function assertNothingTwice(stats: SimulatorStats): void {
  const batch = batchStats(stats);
  for (const [file, count] of Object.entries(batch.startedPerInputFile)) assert.equal(count, 1, `input file ${file}`);
  for (const [id, count] of Object.entries(batch.submittedPerCustomId)) assert.equal(count, 1, `artist ${id}`);
}

function assertExactly(found: Line[], ids: string[]): void {
  const seen = found.map((l) => l.artist_id);
  assert.equal(new Set(seen).size, seen.length, 'no artist twice in the output');
  assert.deepEqual([...seen].sort(), [...ids].sort());
}

interface BillingReport {
  billing: {
    mode: string;
    costUsd: number;
    standardCostUsd: number;
    savingUsd: number;
    savingPercent: number;
    linesByTier: Record<string, number>;
    batches: {
      id: string;
      part: string;
      status: string;
      requests: number;
      completed: number;
      failed: number;
      written: number;
    }[];
  };
}

test('300 artists with --batch-max-requests 100 run as 3 batches: 300 lines, each with its batch id and batch price', async () => {
  await withJob({ batchLinesPerPoll: 40 }, artists(300), async (job) => {
    const reportPath = join(job.dir, 'report.json');
    const r = await job.run(['--batch-max-requests', '100', '--report', reportPath]);
    assert.equal(r.code, 0, r.stderr);
    const found = await jsonl<Line>(job.output);
    assertExactly(found, job.ids);
    const stats = job.sim.stats();
    const created = batchStats(stats).batches.map((b) => b.id);
    assert.equal(created.length, 3);
    assert.ok(found.every((l) => l.mode === 'batch' && l.batch_id !== undefined && created.includes(l.batch_id)));
    assert.deepEqual(new Set(found.map((l) => l.batch_id)).size, 3);
    assert.ok(found.every((l) => typeof l.cost_usd === 'number' && l.cost_usd > 0));
    assertNothingTwice(stats);
    assert.match(r.stderr, /Batch check: every submitted artist came back/);
    assert.match(r.stderr, /Mode batch: 3 batch\(es\).*saved \$[0-9.]+ \(50 %\)/);
    const state = JSON.parse(await readFile(`${job.output}.batches.json`, 'utf8')) as {
      parts: { batchIds: string[] }[];
    };
    assert.deepEqual(state.parts.flatMap((p) => p.batchIds).sort(), [...created].sort());
    // The report: mode, every batch with its final counts, spend, and the saving against standard prices.
    const { billing } = JSON.parse(await readFile(reportPath, 'utf8')) as BillingReport;
    assert.equal(billing.mode, 'batch');
    assert.deepEqual(billing.batches.map((b) => b.id).sort(), [...created].sort());
    for (const b of billing.batches) {
      assert.deepEqual([b.status, b.requests, b.completed, b.failed, b.written], ['completed', 100, 100, 0, 100]);
    }
    const spent = found.reduce((sum, l) => sum + (l.cost_usd ?? 0), 0);
    assert.ok(Math.abs(billing.costUsd - spent) < 1e-6, `${billing.costUsd} vs ${spent}`);
    assert.ok(Math.abs(billing.standardCostUsd - 2 * spent) < 1e-6);
    assert.ok(Math.abs(billing.savingUsd - spent) < 1e-6);
    assert.equal(billing.savingPercent, 50);
    assert.deepEqual(billing.linesByTier, { batch: 300 });
  });
});

test('kill -9 while polling, then --resume: re-attaches, no batch created twice, no artist submitted twice, 300 lines', async () => {
  await withJob({ batchLinesPerPoll: 3 }, artists(300), async (job) => {
    let killed = false;
    const first = await job.run(['--batch-max-requests', '100'], (line, child) => {
      if (!killed && /Batch batch_\w+ \(part-0003\): in_progress, [1-9]\d* completed/.test(line)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    assert.equal(first.signal, 'SIGKILL', first.stderr);
    const before = batchStats(job.sim.stats()).batches.length;
    assert.equal(before, 3);
    const second = await job.run(['--batch-max-requests', '100', '--resume']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /re-attaching to \d+ unfinished part/);
    assertExactly(await jsonl<Line>(job.output), job.ids);
    const stats = job.sim.stats();
    assert.equal(batchStats(stats).batches.length, 3, 'no batch created by the resumed run');
    assertNothingTwice(stats);
  });
});

test('a batch that expires after half its lines: the rest are resubmitted and the job completes', async () => {
  await withJob({ batchExpireCount: 1, batchExpireShare: 0.5, batchLinesPerPoll: 1000 }, artists(120), async (job) => {
    const r = await job.run(['--batch-max-requests', '60']);
    assert.equal(r.code, 0, r.stderr);
    assertExactly(await jsonl<Line>(job.output), job.ids);
    const batch = batchStats(job.sim.stats());
    const expired = batch.batches.filter((b) => b.status === 'expired');
    assert.equal(expired.length, 1);
    assert.equal(expired[0]?.completed, 30);
    // Exactly the 30 unfinished artists went out a second time, in one more batch.
    assert.equal(batch.batches.length, 3);
    const twice = Object.values(batch.submittedPerCustomId).filter((n) => n === 2).length;
    assert.equal(twice, 30);
    assert.ok(Object.values(batch.submittedPerCustomId).every((n) => n <= 2));
    assert.match(r.stderr, /expired: 30 written, 0 failed, 30 resubmitted/);
  });
});

test('per-line failures land in the errors file, and --resume submits only those artists again', async () => {
  const rows = artists(40).map((row, i) => (i % 10 === 0 ? { ...row, data: 'FAIL500x1' } : row));
  const flaky = rows.filter((r) => r.data === 'FAIL500x1').map((r) => r.id);
  await withJob({}, rows, async (job) => {
    const first = await job.run(['--max-retries', '0']);
    assert.equal(first.code, 4, first.stderr);
    const errors = await jsonl<{ artist_id: string; status: number }>(join(job.dir, 'out.errors.jsonl'));
    assert.deepEqual(errors.map((e) => e.artist_id).sort(), [...flaky].sort());
    assert.ok(errors.every((e) => e.status === 500));
    assert.equal((await jsonl<Line>(job.output)).length, 36);
    const second = await job.run(['--max-retries', '0', '--resume']);
    assert.equal(second.code, 0, second.stderr);
    assertExactly(await jsonl<Line>(job.output), job.ids);
    const batch = batchStats(job.sim.stats());
    assert.equal(batch.batches.length, 2);
    for (const [id, count] of Object.entries(batch.submittedPerCustomId)) {
      assert.equal(count, flaky.includes(id) ? 2 : 1, `artist ${id}`);
    }
  });
});

test('token_limit_exceeded at creation: the run waits for the earlier batch and completes', async () => {
  // Each part holds about 30 × 150 input tokens; the queue fits one part at a time.
  await withJob({ batchQueueTokens: 6000, batchLinesPerPoll: 10 }, artists(90), async (job) => {
    const r = await job.run(['--batch-max-requests', '30']);
    assert.equal(r.code, 0, r.stderr);
    assertExactly(await jsonl<Line>(job.output), job.ids);
    const batch = batchStats(job.sim.stats());
    assert.ok(batch.tokenLimitRejections >= 1, JSON.stringify(batch.batches));
    assert.ok(batch.batches.some((b) => b.failureCode === 'token_limit_exceeded'));
    assertNothingTwice(job.sim.stats());
    assert.match(r.stderr, /enqueued-token limit is reached/);
  });
});

test('batch status lists the parts of an interrupted job; batch cancel stops them; --resume keeps what finished', async () => {
  await withJob({ batchLinesPerPoll: 2 }, artists(60), async (job) => {
    let killed = false;
    const first = await job.run(['--batch-max-requests', '20'], (line, child) => {
      if (!killed && /\(part-0003\): in_progress, [1-9]\d* completed/.test(line)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    assert.equal(first.signal, 'SIGKILL', first.stderr);
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: job.sim.url };
    const status = await runCli(['batch', 'status', '--output', job.output], { env });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /3 part\(s\)/);
    assert.equal((status.stdout.match(/part-000\d {2}batch_\w+ {2}in_progress/g) ?? []).length, 3, status.stdout);
    const cancel = await runCli(['batch', 'cancel', '--output', job.output], { env });
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, /Cancelled 3 batch\(es\)/);
    const resumed = await job.run(['--batch-max-requests', '20', '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assertExactly(await jsonl<Line>(job.output), job.ids);
    const batch = batchStats(job.sim.stats());
    assert.equal(batch.batches.filter((b) => b.status === 'cancelled').length, 3);
    // What the cancelled batches finished was kept: those artists went out once.
    const finished = batch.batches.reduce((sum, b) => sum + (b.status === 'cancelled' ? b.completed : 0), 0);
    const once = Object.values(batch.submittedPerCustomId).filter((n) => n === 1).length;
    assert.equal(once, finished);
  });
});
