/**
 * Scenario 3: memory stays flat as the catalog grows. A dry run streams a generated
 * million-row CSV; two real runs, ten times apart in size, should peak at about the same RSS.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { countFileLines, startOurs } from '../lib/clients.js';
import { writeArtistsCsv, type IdStyle } from '../lib/fixtures.js';
import { fixed, megabytes, median, seconds, spread } from '../lib/figures.js';
import type { Measured } from '../lib/process.js';
import { startSimulatorProcess } from '../lib/simulator.js';
import type { BenchContext, Row, Scenario, ScenarioResult } from '../lib/types.js';

const DRY_RUN_GOAL_MB = 150;
const GROWTH_GOAL = 1.2;
const WORKERS = 64;

function check(m: Measured, what: string): Measured {
  if (m.code !== 0) throw new Error(`${what} exited with ${String(m.code)}:\n${m.stderr.slice(-2000)}`);
  if (m.peakRssMb === undefined) throw new Error(`${what}: peak RSS could not be measured`);
  return m;
}

async function dryRuns(
  ctx: BenchContext,
  dir: string,
  rows: number,
  repeats: number,
  style: IdStyle,
): Promise<Measured[]> {
  const input = path.join(dir, `dry-${style}.csv`);
  await writeArtistsCsv(input, rows, style);
  const runs: Measured[] = [];
  for (let i = 0; i < repeats; i++) {
    const m = await startOurs(['run', '--input', input, '--dry-run', '--quiet'], undefined, {
      cwd: dir,
      timeoutMs: 300_000,
    }).done;
    runs.push(check(m, 'dry run'));
    ctx.log(`dry run, ${rows.toLocaleString('en-US')} ${style} ids: ${megabytes(m.peakRssMb)}, ${seconds(m.wallMs)}`);
  }
  await rm(input, { force: true });
  return runs;
}

async function realRun(ctx: BenchContext, dir: string, url: string, artists: number): Promise<Measured> {
  const cwd = path.join(dir, `run-${artists}`);
  await mkdir(cwd, { recursive: true });
  const input = path.join(cwd, 'artists.csv');
  const output = path.join(cwd, 'out.jsonl');
  await writeArtistsCsv(input, artists);
  const m = check(
    await startOurs(['run', '--input', input, '--output', output, '--max-workers', String(WORKERS), '--quiet'], url, {
      cwd,
      timeoutMs: 600_000,
    }).done,
    `run of ${artists} artists`,
  );
  const written = await countFileLines(output);
  if (written !== artists) throw new Error(`run of ${artists} artists wrote ${written} bios`);
  ctx.log(`run of ${artists.toLocaleString('en-US')} artists: peak ${megabytes(m.peakRssMb)}, ${seconds(m.wallMs)}`);
  await rm(cwd, { recursive: true, force: true });
  return m;
}

async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const dryRows = ctx.quick ? 100_000 : 1_000_000;
  const [small, large] = ctx.quick ? [2000, 20_000] : [10_000, 100_000];
  const dir = path.join(ctx.workDir, 'memory');
  await mkdir(dir, { recursive: true });

  const repeats = ctx.quick ? 1 : 3;
  const dry = {
    uuid: await dryRuns(ctx, dir, dryRows, repeats, 'uuid'),
    short: await dryRuns(ctx, dir, dryRows, repeats, 'short'),
  };
  const simulator = await startSimulatorProcess();
  let smallRun: Measured;
  let largeRun: Measured;
  try {
    smallRun = await realRun(ctx, dir, simulator.url, small);
    await simulator.reset();
    largeRun = await realRun(ctx, dir, simulator.url, large);
  } finally {
    await simulator.stop();
  }

  const smallPeak = smallRun.peakRssMb ?? Number.NaN;
  const largePeak = largeRun.peakRssMb ?? Number.NaN;
  const growth = largePeak / smallPeak;
  const count = (n: number): string => n.toLocaleString('en-US');
  const dryRow = (style: IdStyle, label: string): Row => {
    const peak = median(dry[style].map((m) => m.peakRssMb));
    return {
      metric: `dry run of ${count(dryRows)} rows, ${label}: peak RSS`,
      value: `${megabytes(peak)}${spread(
        dry[style].map((m) => m.peakRssMb),
        0,
      )}, ${seconds(median(dry[style].map((m) => m.wallMs)))}`,
      raw: peak,
      goal: `< ${DRY_RUN_GOAL_MB} MB`,
      pass: peak < DRY_RUN_GOAL_MB,
    };
  };
  const rows: Row[] = [
    dryRow('uuid', 'UUID ids'),
    dryRow('short', 'short ids'),
    {
      metric: `run of ${count(small)} artists: peak RSS`,
      value: `${megabytes(smallPeak)} (${seconds(smallRun.wallMs)})`,
      raw: smallPeak,
      goal: '',
    },
    {
      metric: `run of ${count(large)} artists: peak RSS`,
      value: `${megabytes(largePeak)} (${seconds(largeRun.wallMs)})`,
      raw: largePeak,
      goal: '',
    },
    {
      metric: `peak RSS ${count(large)} ÷ ${count(small)}`,
      value: fixed(growth, 2),
      raw: growth,
      goal: `≤ ${GROWTH_GOAL}`,
      pass: growth <= GROWTH_GOAL,
    },
  ];
  return {
    rows,
    notes: [
      `Real runs: ${WORKERS} workers against a simulator without limits or latency. The dry run reads and checks the ` +
        'whole CSV (no request is sent). UUID ids are what the original catalogs use; short ids (`a0000001`) show ' +
        'the cost of other opaque ids in the duplicate-id index.',
    ],
    details: {
      dryRows,
      dryRuns: Object.fromEntries(
        Object.entries(dry).map(([style, runs]) => [
          style,
          runs.map(({ wallMs, peakRssMb, cpuSeconds }) => ({ wallMs, peakRssMb, cpuSeconds })),
        ]),
      ),
      small: { artists: small, wallMs: smallRun.wallMs, peakRssMb: smallPeak, cpuSeconds: smallRun.cpuSeconds },
      large: { artists: large, wallMs: largeRun.wallMs, peakRssMb: largePeak, cpuSeconds: largeRun.cpuSeconds },
    },
  };
}

/** Scenario 3. */
export const memoryScenario: Scenario = { id: 3, title: 'Memory as the catalog grows', run };
