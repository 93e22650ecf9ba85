/**
 * Scenario 2: what the tool itself costs per artist. The simulator answers at once with no
 * limits, so the client is the bottleneck; ours (64 workers, then the defaults: `--max-workers
 * auto`) and the naive client take turns against the same simulator, and the medians are
 * compared.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { baselineSummary, countFileLines, startBaseline, startOurs } from '../lib/clients.js';
import { writeArtistsCsv } from '../lib/fixtures.js';
import { fixed, median, spread } from '../lib/figures.js';
import type { Measured } from '../lib/process.js';
import { startSimulatorProcess } from '../lib/simulator.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';

const WORKERS = 64;
const GOAL_SHARE = 0.8;
const GOAL_RATE = 2000;

interface Sample {
  /** `defaults` = our CLI with no concurrency flag (`--max-workers auto`). */
  client: 'ours' | 'defaults' | 'naive';
  wallMs: number;
  cpuSeconds: number | undefined;
  peakRssMb: number | undefined;
  succeeded: number;
  /** Artists per second, spawn to exit. */
  rate: number;
  /** CPU seconds per 1,000 artists. */
  cpuPer1000: number | undefined;
}

function sampleOf(client: Sample['client'], m: Measured, succeeded: number, total: number): Sample {
  if (m.code !== 0) throw new Error(`${client} exited with ${String(m.code)}:\n${m.stderr.slice(-2000)}`);
  if (succeeded !== total) throw new Error(`${client} wrote ${succeeded} of ${total} bios`);
  return {
    client,
    wallMs: m.wallMs,
    cpuSeconds: m.cpuSeconds,
    peakRssMb: m.peakRssMb,
    succeeded,
    rate: total / (m.wallMs / 1000),
    cpuPer1000: m.cpuSeconds === undefined ? undefined : (m.cpuSeconds / total) * 1000,
  };
}

async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const total = ctx.quick ? 4000 : 20_000;
  const repeats = ctx.quick ? 1 : 3;
  const dir = path.join(ctx.workDir, 'overhead');
  const input = path.join(dir, 'artists.csv');
  await mkdir(dir, { recursive: true });
  await writeArtistsCsv(input, total);
  const simulator = await startSimulatorProcess();
  const samples: Sample[] = [];
  try {
    for (let round = 1; round <= repeats; round++) {
      for (const client of ['ours', 'defaults', 'naive'] as const) {
        const cwd = path.join(dir, `${client}-${round}`);
        await mkdir(cwd, { recursive: true });
        const output = path.join(cwd, 'out.jsonl');
        await simulator.reset();
        const options = { cwd, timeoutMs: 300_000 };
        const workers = client === 'ours' ? ['--max-workers', String(WORKERS)] : [];
        const process =
          client !== 'naive'
            ? startOurs(['run', '--input', input, '--output', output, ...workers, '--quiet'], simulator.url, options)
            : startBaseline(
                ctx.baselines.naive,
                ['--input', input, '--output', output, '--base-url', simulator.url, '--body-file', ctx.bodyFile].concat(
                  ['--workers', String(WORKERS)],
                ),
                options,
              );
        const measured = await process.done;
        const succeeded =
          client !== 'naive' ? await countFileLines(output) : (baselineSummary(measured.stdout)?.succeeded ?? 0);
        const sample = sampleOf(client, measured, succeeded, total);
        samples.push(sample);
        ctx.log(
          `round ${round} ${client}: ${fixed(sample.rate, 0)} artists/s, ${fixed(sample.cpuPer1000, 2)} CPU s/1000`,
        );
        await rm(cwd, { recursive: true, force: true });
      }
    }
  } finally {
    await simulator.stop();
  }
  const of = (client: Sample['client']): Sample[] => samples.filter((s) => s.client === client);
  const ours = of('ours');
  const defaults = of('defaults');
  const naive = of('naive');
  const oursRate = median(ours.map((s) => s.rate));
  const defaultsRate = median(defaults.map((s) => s.rate));
  const naiveRate = median(naive.map((s) => s.rate));
  // The ratio of each round's pair, then the median: both ran minutes apart on the same machine.
  const shares = ours.map((s, i) => s.rate / (naive[i]?.rate ?? Number.NaN));
  const share = median(shares);
  const oursCpu = median(ours.map((s) => s.cpuPer1000));
  const naiveCpu = median(naive.map((s) => s.cpuPer1000));
  const runs = `median of ${repeats}`;
  ctx.shared.set('overhead.fastestRate', Math.max(...samples.map((s) => s.rate)));
  return {
    rows: [
      {
        metric: 'ours: artists per second',
        value: `${fixed(oursRate, 0)}${spread(
          ours.map((s) => s.rate),
          0,
        )}, ${runs}`,
        raw: oursRate,
        goal: `> ${GOAL_RATE}`,
        pass: oursRate > GOAL_RATE,
      },
      {
        metric: 'ours with the defaults (--max-workers auto): artists per second',
        value: `${fixed(defaultsRate, 0)}${spread(
          defaults.map((s) => s.rate),
          0,
        )}, ${fixed(median(defaults.map((s) => s.cpuPer1000)), 2)} CPU s per 1,000`,
        raw: defaultsRate,
        goal: `> ${GOAL_RATE}`,
        pass: defaultsRate > GOAL_RATE,
      },
      {
        metric: 'naive: artists per second',
        value: `${fixed(naiveRate, 0)}${spread(
          naive.map((s) => s.rate),
          0,
        )}`,
        raw: naiveRate,
        goal: '',
      },
      {
        metric: 'ours ÷ naive rate (paired)',
        value: `${fixed(share * 100, 0)} %${spread(
          shares.map((x) => x * 100),
          0,
        )}`,
        raw: share,
        goal: `≥ ${GOAL_SHARE * 100} %`,
        pass: share >= GOAL_SHARE,
      },
      {
        metric: 'CPU seconds per 1,000 artists (ours / naive)',
        value: `${fixed(oursCpu, 2)} / ${fixed(naiveCpu, 2)}`,
        raw: oursCpu,
        goal: '',
      },
      {
        metric: 'peak RSS (ours / naive)',
        value: `${fixed(median(ours.map((s) => s.peakRssMb)), 0)} MB / ${fixed(median(naive.map((s) => s.peakRssMb)), 0)} MB`,
        goal: '',
      },
    ],
    notes: [
      `${total.toLocaleString('en-US')} artists, ${WORKERS} workers (ours and naive) or our defaults, simulator ` +
        'without limits or latency; rates are end to end (process spawn to exit, start-up included).',
    ],
    details: { total, workers: WORKERS, repeats, samples },
  };
}

/** Scenario 2. */
export const overheadScenario: Scenario = { id: 2, title: 'Overhead per artist', run };
