/**
 * The plan's "Pause Accuracy ±5 % of threshold", made strict and repeated: with 16 workers racing
 * for the last requests, the threshold pause must come after exactly ceil(t × limit) requests and
 * the day's count must never pass the limit, run after run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import { artists, tempDir } from './support/cli.js';
import {
  fastClock,
  linesMatching,
  longestGap,
  onFirst,
  pause,
  planEnv,
  planFiles,
  readBios,
  readState,
  runPlan,
  STORED_PROMPT,
  type StateFile,
} from './support/plan.js';

const RUNS = 20;
const AT_ONCE = 4;
const SCALE = 360;
const PAUSE_REAL_MS = (0.1 * 3_600_000) / SCALE;

interface Observed {
  run: number;
  code: number | null;
  duringPause: { requests: number; state: StateFile } | undefined;
  requests: number;
  gap: { before: number; gapMs: number };
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
    let duringPause: Observed['duringPause'];
    const checks: Promise<void>[] = [];
    const r = await runPlan(
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
        '--request-timeout',
        '3600',
      ],
      {
        env: planEnv(sim.url, fastClock(SCALE)),
        onStderrLine: onFirst(/ PAUSED: /, () => {
          checks.push(
            pause(PAUSE_REAL_MS * 0.4).then(async () => {
              duringPause = { requests: sim.stats().requests, state: await readState(files.state) };
            }),
          );
        }),
      },
    );
    await Promise.all(checks);
    const stats = sim.stats();
    return {
      run,
      code: r.code,
      duringPause,
      requests: stats.requests,
      gap: longestGap(stats.timeline),
      lines: (await readBios(files.output)).length,
      state: await readState(files.state),
      paused: linesMatching(r.stderr, / WARNING: PAUSED: Daily quota 20\.0% used \(limit: 50\)/).length,
      stderr: r.stderr,
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
    assert.equal(o.duringPause?.requests, 10, `${label}: requests seen during the pause`);
    assert.equal(o.duringPause?.state.requestsToday, 10, `${label}: count in the state file during the pause`);
    assert.equal(o.duringPause?.state.pause?.reason, 'threshold', `${label}: pause in the state file`);
    assert.equal(o.gap.before, 10, `${label}: the quiet time falls after the 10th request`);
    assert.ok(o.gap.gapMs >= PAUSE_REAL_MS * 0.8, `${label}: quiet for ${o.gap.gapMs} ms`);
    assert.equal(o.state.requestsToday, 50, `${label}: the day's count`);
    assert.equal(o.requests, 50, `${label}: requests the simulator saw`);
    assert.equal(o.lines, 50, `${label}: lines written`);
  }
});
