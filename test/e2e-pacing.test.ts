import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, tempDir, writeCsv } from './support/cli.js';
import { finishOnClock, startRun, type InProcessRun } from './support/in-process.js';

const START = Date.parse('2026-12-01T10:00:00Z');
const ARTISTS = 60;

/**
 * Runs 60 artists against 1,200 requests/minute (one every 50 ms) of which only 5 may arrive
 * back to back, with the run and the simulator on one manual clock. The clock moves only when both
 * are idle: no file write pending, every request sent has arrived, every answer sent has been
 * read. A loaded machine then cannot bunch requests up (as real time or a clock stepping on its
 * own can): a 429 is the client's own doing, and the counts are exact.
 */
async function paceOnOneClock(workers: string[]): Promise<{ run: InProcessRun; sim: SimulatorHandle; output: string }> {
  const clock = new ManualClock(START);
  const sim = await startSimulator({
    rpm: 1200,
    burstRequests: 5,
    latencyMs: 80,
    latencyJitterMs: 40,
    seed: 21,
    clock,
  });
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(ARTISTS));
  const output = join(dir, 'o.jsonl');
  const run = startRun(['--input', input, '--output', output, ...workers, '--verbose'], {
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url },
    cwd: dir,
    start: START,
    clock,
  });
  const sent = (): number => run.stderr.matching(/ Sending request for /).length;
  const read = (): number => run.stderr.matching(/ Processed artist | Rate limit hit /).length;
  try {
    const code = await finishOnClock(run, {
      probe: () => sim.stats().requests,
      ready: () => {
        const stats = sim.stats();
        if (process.getActiveResourcesInfo().some((kind) => kind.startsWith('FSReq'))) return false;
        return sent() === stats.requests && read() === stats.requests - stats.inFlight;
      },
    });
    assert.equal(code, 0, run.stderr.text);
  } catch (error) {
    await sim.close();
    throw error;
  }
  return { run, sim, output };
}

/** No second saw more than the provider lets through: 20 a second plus the burst of 5. */
function assertWithinRate(perSecond: Record<string, number>): void {
  for (const [second, count] of Object.entries(perSecond)) {
    assert.ok(count <= 20 + 5, `second ${second} saw ${count} requests`);
  }
}

async function assertAllWritten(output: string): Promise<void> {
  const lines = (await readFile(output, 'utf8')).trim().split('\n');
  assert.equal(lines.length, ARTISTS);
}

test('16 workers against 1,200/min with a burst of 5, on one clock with the provider: 60 requests, zero 429s, never faster than the limit', async () => {
  const { run, sim, output } = await paceOnOneClock(['--max-workers', '16']);
  try {
    const stats = sim.stats();
    assert.equal(stats.rateLimited, 0);
    assert.equal(stats.requests, ARTISTS);
    assertWithinRate(stats.perSecond);
    // One request alone, then one every 50 ms: never faster than the stated limit, but for the
    // bucket's spare room (5 of which 2 are kept for jitter, so 3 slots), and no stall.
    const elapsed = run.clock.now() - START;
    assert.ok(elapsed >= (ARTISTS - 4) * 50 && elapsed <= 2 * ARTISTS * 50, `the run took ${elapsed} ms of its clock`);
    await assertAllWritten(output);
  } finally {
    await sim.close();
  }
});

test('auto concurrency against a burst of 5: an initial burst of 3 (charges of 1,000 tokens) fits it, then the stated pace holds with zero 429s', async () => {
  const { run, sim, output } = await paceOnOneClock([]);
  try {
    const stats = sim.stats();
    // The burst is bounded by its token charges (docs/pacing.md#concurrency): 3 requests before
    // any answer can come back (40 ms at the soonest), not one lone request (the idle start) and
    // not 8 (3 of them rejected). On a loaded machine one of the 3 may leave after the clock
    // moved on a step, so they are counted up to the first possible answer, not at START only.
    const beforeAnswer = stats.timeline.filter((entry) => entry.t < START + 40).length;
    assert.equal(beforeAnswer, 3, `${beforeAnswer} requests before the first answer`);
    assert.equal(stats.rateLimited, 0);
    assert.equal(stats.requests, ARTISTS);
    assert.equal(stats.earlyRetries, 0);
    assert.equal(run.stderr.matching(/Rate limited although paced/).length, 0, 'the pace was never lowered');
    assertWithinRate(stats.perSecond);
    await assertAllWritten(output);
  } finally {
    await sim.close();
  }
});
