/**
 * Scenario 4: how long `--resume` takes to start on a big output. The output holds a million
 * bios (about 1 KB each, as real runs write them); the input has those artists plus a few new
 * ones. Start-up is the time from spawning the process to the first request reaching the
 * simulator: repair check, resume index, input scan and everything else before work begins.
 */
import { mkdir, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { countFileLines, startOurs } from '../lib/clients.js';
import { writeArtistsCsv, writeOutputJsonl } from '../lib/fixtures.js';
import { fixed, megabytes, median, seconds, spread } from '../lib/figures.js';
import { startSimulatorProcess } from '../lib/simulator.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';

const GOAL_MS = 3000;
const NEW_ARTISTS = 10;

interface Sample {
  startupMs: number;
  wallMs: number;
  peakRssMb: number | undefined;
  cpuSeconds: number | undefined;
}

async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const done = ctx.quick ? 100_000 : 1_000_000;
  const repeats = ctx.quick ? 1 : 3;
  const dir = path.join(ctx.workDir, 'resume');
  await mkdir(dir, { recursive: true });
  const input = path.join(dir, 'artists.csv');
  const output = path.join(dir, 'out.jsonl');
  await writeArtistsCsv(input, done + NEW_ARTISTS);
  await writeOutputJsonl(output, done);
  const outputBytes = (await stat(output)).size;
  ctx.log(`output of ${done.toLocaleString('en-US')} lines, ${megabytes(outputBytes / 1e6)}`);

  const simulator = await startSimulatorProcess();
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < repeats; i++) {
      await simulator.reset();
      const m = await startOurs(['run', '--input', input, '--output', output, '--resume', '--quiet'], simulator.url, {
        cwd: dir,
        timeoutMs: 300_000,
      }).done;
      if (m.code !== 0) throw new Error(`--resume run exited with ${String(m.code)}:\n${m.stderr.slice(-2000)}`);
      const stats = await simulator.stats();
      if (stats.requests !== NEW_ARTISTS) {
        throw new Error(`--resume sent ${stats.requests} requests, expected ${NEW_ARTISTS} (only the new artists)`);
      }
      const firstRequest = Math.min(...stats.timeline.map((entry) => entry.t));
      const sample = {
        startupMs: firstRequest - m.startedAt,
        wallMs: m.wallMs,
        peakRssMb: m.peakRssMb,
        cpuSeconds: m.cpuSeconds,
      };
      samples.push(sample);
      ctx.log(`start-up ${seconds(sample.startupMs, 2)}, peak ${megabytes(sample.peakRssMb)}`);
      // Back to the same million lines (and no state) for the next repetition.
      const lines = await countFileLines(output);
      if (lines !== done + NEW_ARTISTS)
        throw new Error(`output has ${lines} lines after the resume, expected ${done + NEW_ARTISTS}`);
      await truncate(output, outputBytes);
      await rm(`${output}.state.json`, { force: true });
      await rm(path.join(dir, 'out.errors.jsonl'), { force: true });
    }
  } finally {
    await simulator.stop();
    // Over a gigabyte: do not keep it until the end of the bench.
    await rm(dir, { recursive: true, force: true });
  }
  const startup = median(samples.map((s) => s.startupMs));
  return {
    rows: [
      {
        metric: `--resume start-up on ${done.toLocaleString('en-US')} lines`,
        value: `${seconds(startup, 2)}${spread(
          samples.map((s) => s.startupMs / 1000),
          2,
        )}, median of ${repeats}`,
        raw: startup,
        goal: `< ${GOAL_MS / 1000} s`,
        pass: startup < GOAL_MS,
      },
      {
        metric: '--resume run: peak RSS / CPU',
        value: `${megabytes(median(samples.map((s) => s.peakRssMb)))} / ${fixed(median(samples.map((s) => s.cpuSeconds)), 2)} s`,
        raw: median(samples.map((s) => s.peakRssMb)),
        goal: '',
      },
    ],
    notes: [
      `Output of ${megabytes(outputBytes / 1e6)} (${done.toLocaleString('en-US')} bios of about 1 KB, UUID ids); ` +
        `the input has ${NEW_ARTISTS} more artists. Start-up = spawn to the first request at the simulator.`,
    ],
    details: { doneLines: done, outputBytes, samples },
  };
}

/** Scenario 4. */
export const resumeScenario: Scenario = { id: 4, title: 'Resume start-up', run };
