/**
 * The plan's "Pause Accuracy ±5 % of threshold", made strict and repeated: with 16 workers racing
 * for the last requests, the threshold pause must come after exactly ceil(t × limit) requests and
 * the day's count must never pass the limit, run after run. Each run is held in this process on a
 * manual clock: the pause lasts exactly until the test moves the clock, whatever the machine's load.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import { artists, tempDir } from './support/cli.js';
import {
  linesMatching,
  logTime,
  pausedAndSettled,
  planEnv,
  planFiles,
  readBios,
  readState,
  resumeTime,
  startPlan,
  STORED_PROMPT,
  type StateFile,
} from './support/plan.js';

const RUNS = 20;
const AT_ONCE = 4;

interface Observed {
  run: number;
  code: number;
  duringPause: { requests: number; state: StateFile; pausedForMs: number };
  requests: number;
  lines: number;
  state: StateFile;
  paused: number;
  stderr: string;
}

async function oneRun(run: number): Promise<Observed> {
  const sim = await startSimulator({ seed: run });
  try {
    // Alternate the stored prompt and the built-in template.
    const prompt = run % 2 === 0 ? [...STORED_PROMPT] : [];
    const files = await planFiles(await tempDir(), artists(60));
    const r = startPlan(
      files,
      [
        ...prompt,
        '--max-workers',
        '16',
        '--quota-threshold',
        '0.2',
        '--daily-limit',
        '50',
        '--pause-duration',
        '0.1',
        '--on-daily-limit',
        'exit',
      ],
      planEnv(sim.url),
    );
    const pausedLine = await pausedAndSettled(r, 10);
    const duringPause = {
      requests: sim.stats().requests,
      state: await readState(files.state),
      pausedForMs: resumeTime(pausedLine) - logTime(pausedLine),
    };
    r.clock.set(resumeTime(pausedLine));
    const code = await r.done;
    const stderr = r.stderr.text;
    return {
      run,
      code,
      duringPause,
      requests: sim.stats().requests,
      lines: (await readBios(files.output)).length,
      state: await readState(files.state),
      paused: linesMatching(stderr, / WARNING: PAUSED: Daily quota 20\.0% used \(limit: 50\)/).length,
      stderr,
    };
  } finally {
    await sim.close();
  }
}

test(`16 workers, limit 50, threshold 0.2: the pause comes after exactly 10 requests and the count stops at 50 (${RUNS} runs)`, async () => {
  const results: Observed[] = [];
  for (let first = 0; first < RUNS; first += AT_ONCE) {
    const batch = Array.from({ length: Math.min(AT_ONCE, RUNS - first) }, (_, k) => oneRun(first + k));
    results.push(...(await Promise.all(batch)));
  }
  for (const o of results) {
    const label = `run ${o.run}`;
    assert.equal(o.code, 5, `${label}: exit code\n${o.stderr}`);
    assert.equal(o.paused, 1, `${label}: one threshold pause`);
    assert.equal(o.duringPause.requests, 10, `${label}: requests seen during the pause`);
    assert.equal(o.duringPause.state.requestsToday, 10, `${label}: count in the state file during the pause`);
    assert.equal(o.duringPause.state.pause?.reason, 'threshold', `${label}: pause in the state file`);
    assert.equal(o.duringPause.pausedForMs, 360_000, `${label}: the pause lasts --pause-duration 0.1 h`);
    assert.equal(o.state.requestsToday, 50, `${label}: the day's count`);
    assert.equal(o.requests, 50, `${label}: requests the simulator saw`);
    assert.equal(o.lines, 50, `${label}: lines written`);
  }
});
