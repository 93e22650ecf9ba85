/**
 * `npm run bench [-- --quick] [-- --only 1,3]`: runs the benchmark scenarios against the real
 * CLI, prints the table, and writes bench/results/latest.json. Exits 1 when a scenario could not
 * run (a missed goal is a result, not a failure), 2 for bad flags.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compileBaselines } from './lib/baselines.js';
import { writeBodyTemplate } from './lib/fixtures.js';
import { describeMachine, machineLine } from './lib/machine.js';
import { DIST_MAIN, RESULTS_DIR } from './lib/paths.js';
import { killAllMeasured } from './lib/process.js';
import { killAllSimulators } from './lib/simulator.js';
import { renderMarkdown, renderText, type ScenarioOutcome } from './lib/table.js';
import type { BenchContext, Scenario } from './lib/types.js';
import { SCENARIOS } from './scenarios/index.js';

const USAGE = `Usage: npm run bench [-- --quick] [-- --only 1,2,…] [-- --markdown]
  --quick      smaller sizes and fewer repetitions (under a minute)
  --only LIST  run only these scenarios (1-${SCENARIOS.length})
  --markdown   also print the table as Markdown (for BENCHMARKS.md)`;

function parseFlags(): { quick: boolean; only: Set<number> | undefined; markdown: boolean } {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      markdown: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  let only: Set<number> | undefined;
  if (values.only !== undefined) {
    only = new Set(values.only.split(',').map((s) => Number(s.trim())));
    for (const id of only) {
      if (!SCENARIOS.some((s) => s.id === id)) throw new Error(`--only: no scenario ${id}`);
    }
  }
  return { quick: values.quick, only, markdown: values.markdown };
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function runScenario(scenario: Scenario, ctx: BenchContext): Promise<ScenarioOutcome> {
  const started = performance.now();
  log(`scenario ${scenario.id}: ${scenario.title}`);
  try {
    const result = await scenario.run({ ...ctx, log: (m) => log(`  ${scenario.id}: ${m}`) });
    return {
      id: scenario.id,
      title: scenario.title,
      status: 'ok',
      durationMs: performance.now() - started,
      rows: result.rows,
      notes: result.notes,
      details: result.details,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`scenario ${scenario.id} failed to run: ${message}`);
    return {
      id: scenario.id,
      title: scenario.title,
      status: 'failed',
      durationMs: performance.now() - started,
      rows: [],
      notes: [],
      error: message,
    };
  }
}

async function main(): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (!existsSync(DIST_MAIN)) {
    process.stderr.write('The CLI is not built: run `npm run build` first (the bench measures dist/).\n');
    return 1;
  }
  const machine = describeMachine();
  const startedAt = new Date();
  const workDir = await mkdtemp(path.join(tmpdir(), 'abg-bench-'));
  const interrupted = (): void => {
    killAllMeasured();
    killAllSimulators();
    process.stderr.write('bench interrupted\n');
    void rm(workDir, { recursive: true, force: true }).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const outcomes: ScenarioOutcome[] = [];
  try {
    log(`${flags.quick ? 'quick' : 'full'} mode on ${machineLine(machine)}`);
    const baselines = await compileBaselines();
    const bodyFile = path.join(workDir, 'body.json');
    await writeBodyTemplate(bodyFile);
    const ctx: BenchContext = { quick: flags.quick, workDir, baselines, bodyFile, log, shared: new Map() };
    for (const scenario of SCENARIOS) {
      if (flags.only !== undefined && !flags.only.has(scenario.id)) continue;
      outcomes.push(await runScenario(scenario, ctx));
    }
  } finally {
    killAllMeasured();
    killAllSimulators();
    await rm(workDir, { recursive: true, force: true });
  }

  const finishedAt = new Date();
  process.stdout.write(`\nartist-bio-gen benchmarks (${flags.quick ? 'quick' : 'full'} mode)\n`);
  process.stdout.write(`Machine: ${machineLine(machine)}\nMeasured with ${machine.measurement}\n`);
  if (flags.quick) {
    process.stdout.write(
      'Quick mode: sizes are cut down and runs are not repeated; the goals are set for the full sizes, where process ' +
        'start-up weighs less, so a quick figure near its goal says little either way.\n',
    );
  }
  process.stdout.write(renderText(outcomes));
  if (flags.markdown) process.stdout.write(`\n${renderMarkdown(outcomes)}`);
  const totalSeconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  process.stdout.write(`\nTotal time: ${totalSeconds.toFixed(0)} s\n`);

  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, 'latest.json');
  const json = {
    mode: flags.quick ? 'quick' : 'full',
    startedAt,
    finishedAt,
    totalSeconds,
    machine,
    scenarios: outcomes,
  };
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`Results written to ${path.relative(process.cwd(), file)}\n`);
  return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}

process.exitCode = await main();
