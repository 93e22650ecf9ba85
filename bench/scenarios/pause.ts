/**
 * Scenario 5: the threshold pause stops at exactly ceil(threshold × limit) requests, however
 * many workers race for the last slots. Phase 2 of the user's test plan (30 artists, daily limit
 * 50, threshold 0.2, pause 0.1 h) is run repeatedly with 16 workers. Each run is the real `run`
 * command held in this process on a clock 360 times faster than the wall clock (injected through
 * its dependencies), so the 6-minute pause lasts one second.
 *
 * The count before the pause is the simulator's request counter read shortly after the tool
 * logs PAUSED (every request sent by then has arrived; the pause still has most of its second
 * to run). Each run must then resume, finish all 30 artists, and send 30 requests in all.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from '../../src/cli/run-command.js';
import { createScaledClock } from '../../src/core/clock.js';
import { countFileLines } from '../lib/clients.js';
import { writeArtistsCsv } from '../lib/fixtures.js';
import { startSimulatorProcess, type SimulatorProcess } from '../lib/simulator.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';

const ARTISTS = 30;
const DAILY_LIMIT = 50;
const THRESHOLD = 0.2;
const PAUSE_HOURS = 0.1;
const WORKERS = 16;
/** 0.1 h = 360 s of tool time = 1 s of real time. */
const CLOCK_SCALE = 360;
/** How long after the PAUSED line the simulator's counter is read. */
const SETTLE_MS = 250;

interface PauseRun {
  beforePause: number | undefined;
  totalRequests: number;
  written: number;
  resumed: boolean;
  wallMs: number;
}

async function onePhase2(
  ctx: BenchContext,
  dir: string,
  input: string,
  simulator: SimulatorProcess,
): Promise<PauseRun> {
  await mkdir(dir, { recursive: true });
  await simulator.reset();
  const output = path.join(dir, 'test_phase2.jsonl');
  const logFile = path.join(dir, 'test_run.log');
  let counted: Promise<number> | undefined;
  let stderr = '';
  const capture = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const text = String(chunk);
      stderr += text;
      if (counted === undefined && text.includes('PAUSED:')) {
        counted = sleep(SETTLE_MS).then(async () => (await simulator.stats()).requests);
      }
      callback();
    },
  });
  let code: number | undefined;
  const started = performance.now();
  const args = ['run', '--input', input, '--output', output, '--max-workers', String(WORKERS), '--quota-monitoring']
    .concat(['--quota-threshold', String(THRESHOLD), '--daily-limit', String(DAILY_LIMIT)])
    .concat(['--pause-duration', String(PAUSE_HOURS), '--verbose', '--log-file', logFile]);
  await runCommand({
    deps: () => ({
      argv: args,
      // Each run keeps its key ledger in its own folder: with the user's (HOME's) ledger the runs
      // would share one daily count, and the fourth would wait for the next UTC day.
      env: { OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: simulator.url, XDG_STATE_HOME: path.join(dir, '.state') },
      cwd: dir,
      stdout: capture,
      stderr: capture,
      signals: new EventEmitter(),
      clock: createScaledClock({ scale: CLOCK_SCALE }),
    }),
    setExitCode: (exit) => {
      code = exit;
    },
  })
    .exitOverride()
    .parseAsync(args.slice(1), { from: 'user' });
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`phase 2 run exited with ${String(code)}:\n${stderr.slice(-2000)}`);
  const log = await readFile(logFile, 'utf8');
  return {
    beforePause: counted === undefined ? undefined : await counted,
    totalRequests: (await simulator.stats()).requests,
    written: await countFileLines(output),
    resumed: log.includes('RESUMED:'),
    wallMs,
  };
}

async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const repeats = ctx.quick ? 5 : 20;
  const expected = Math.ceil(THRESHOLD * DAILY_LIMIT);
  const dir = path.join(ctx.workDir, 'pause');
  const input = path.join(dir, 'test_artists_30.csv');
  await mkdir(dir, { recursive: true });
  await writeArtistsCsv(input, ARTISTS);
  const simulator = await startSimulatorProcess();
  const runs: PauseRun[] = [];
  try {
    for (let i = 1; i <= repeats; i++) {
      const result = await onePhase2(ctx, path.join(dir, `run-${i}`), input, simulator);
      runs.push(result);
      if (i % 5 === 0 || i === repeats)
        ctx.log(`${i}/${repeats} runs, counts before the pause so far: ${counts(runs)}`);
    }
  } finally {
    await simulator.stop();
  }
  const exact = runs.filter((r) => r.beforePause === expected).length;
  const complete = runs.filter((r) => r.written === ARTISTS && r.resumed && r.totalRequests === ARTISTS).length;
  return {
    rows: [
      {
        metric: `requests before the pause (${repeats} runs)`,
        value: `${exact}/${repeats} exactly ${expected} (seen: ${counts(runs)})`,
        raw: exact / repeats,
        goal: `exactly ${expected} every time`,
        pass: exact === repeats,
      },
      {
        metric: 'runs that resumed and finished all 30',
        value: `${complete}/${repeats}`,
        raw: complete / repeats,
        goal: `${repeats}/${repeats}`,
        pass: complete === repeats,
      },
    ],
    notes: [
      `Test plan phase 2 with ${WORKERS} workers: ${ARTISTS} artists, --daily-limit ${DAILY_LIMIT}, --quota-threshold ` +
        `${THRESHOLD}, --pause-duration ${PAUSE_HOURS}; tool clock ${CLOCK_SCALE}× faster, simulator without limits.`,
    ],
    details: { repeats, expected, runs },
  };
}

/** The distinct counts seen, e.g. `10 ×20` or `10 ×19, 11 ×1`. */
function counts(runs: readonly PauseRun[]): string {
  const seen = new Map<string, number>();
  for (const r of runs) {
    const key = r.beforePause === undefined ? 'no pause' : String(r.beforePause);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].map(([count, times]) => `${count} ×${times}`).join(', ');
}

/** Scenario 5. */
export const pauseScenario: Scenario = { id: 5, title: 'Pause accuracy', run };
