/**
 * Scenario 1: how close each client gets to the provider's allowed throughput without tripping
 * it. Three simulators with the same limits run side by side, one per client, so the three runs
 * share the same minutes of machine time.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { baselineSummary, countFileLines, startBaseline, startOurs } from '../lib/clients.js';
import { writeArtistsCsv } from '../lib/fixtures.js';
import { fixed, seconds } from '../lib/figures.js';
import type { Measured, RunningProcess } from '../lib/process.js';
import { startSimulatorProcess, type SimulatorProcess } from '../lib/simulator.js';
import type { BenchContext, Row, Scenario, ScenarioResult } from '../lib/types.js';

const RPM = 600;
const BURST = 10;
const LATENCY_MS = 300;
const JITTER_MS = 150;
const WORKERS = 16;
const GOAL_RATIO = 1.05;
/** A client still running at this multiple of the ideal time is stopped and reported as cut off. */
const CUTOFF_RATIO = 1.5;
/** The provider's stated window: requests per minute. */
const FIRST_WINDOW_MS = 60_000;

type ClientName = 'ours' | 'naive' | 'cookbook';

interface ClientOutcome {
  client: ClientName;
  wallMs: number;
  cpuSeconds: number | undefined;
  succeeded: number;
  failed: number | undefined;
  cutOff: boolean;
  exitCode: number | null;
  /** Wall time ÷ the ideal time of the artists that succeeded. */
  ratio: number;
  requests: number;
  rateLimited: number;
  rateLimitedAfterFirstWindow: number;
}

async function outcomeOf(
  client: ClientName,
  measured: Measured,
  dir: string,
  simulator: SimulatorProcess,
): Promise<ClientOutcome> {
  const succeeded = await countFileLines(path.join(dir, 'out.jsonl'));
  const failed =
    client === 'ours'
      ? await countFileLines(path.join(dir, 'out.errors.jsonl'))
      : baselineSummary(measured.stdout)?.failed;
  const stats = await simulator.stats();
  const start = Math.min(...stats.timeline.map((entry) => entry.t));
  const limited = stats.timeline.filter((entry) => entry.status === 429);
  return {
    client,
    wallMs: measured.wallMs,
    cpuSeconds: measured.cpuSeconds,
    succeeded,
    failed,
    cutOff: measured.timedOut,
    exitCode: measured.code,
    ratio: measured.wallMs / ((succeeded / RPM) * 60_000),
    requests: stats.requests,
    rateLimited: stats.rateLimited,
    rateLimitedAfterFirstWindow: limited.filter((entry) => entry.t - start >= FIRST_WINDOW_MS).length,
  };
}

function describe(outcome: ClientOutcome, total: number): string {
  const done = `${outcome.succeeded}/${total} done`;
  const failed = outcome.failed ? `, ${outcome.failed} failed` : '';
  const cut = outcome.cutOff ? `, cut off at ${seconds(outcome.wallMs, 0)}` : '';
  return `${fixed(outcome.ratio, 2)} (${seconds(outcome.wallMs)}; ${done}${failed}${cut})`;
}

async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const total = ctx.quick ? 60 : 1000;
  const idealMs = (total / RPM) * 60_000;
  const timeoutMs = idealMs * CUTOFF_RATIO + 2000;
  const dir = path.join(ctx.workDir, 'efficiency');
  const input = path.join(dir, 'artists.csv');
  await mkdir(dir, { recursive: true });
  await writeArtistsCsv(input, total);

  const clients: ClientName[] = ['ours', 'naive', 'cookbook'];
  const simulators = await Promise.all(
    clients.map(() =>
      startSimulatorProcess({ rpm: RPM, burstRequests: BURST, latencyMs: LATENCY_MS, latencyJitterMs: JITTER_MS }),
    ),
  );
  try {
    ctx.log(`${total} artists at ${RPM} RPM (ideal ${seconds(idealMs)}), the three clients side by side`);
    const processes: RunningProcess[] = [];
    for (const [i, client] of clients.entries()) {
      const simulator = simulators[i];
      if (simulator === undefined) throw new Error('simulator missing');
      const cwd = path.join(dir, client);
      await mkdir(cwd, { recursive: true });
      const output = path.join(cwd, 'out.jsonl');
      const options = { cwd, timeoutMs };
      const common = ['--input', input, '--output', output, '--base-url', simulator.url, '--body-file', ctx.bodyFile];
      const ours = ['run', '--input', input, '--output', output, '--max-workers', String(WORKERS)];
      processes.push(
        client === 'ours'
          ? startOurs([...ours, '--quota-threshold', '1.0', '--quiet'], simulator.url, options)
          : client === 'naive'
            ? startBaseline(ctx.baselines.naive, [...common, '--workers', String(WORKERS)], options)
            : startBaseline(ctx.baselines.cookbook, [...common, '--rpm', String(RPM), '--tpm', '100000000'], options),
      );
    }
    const measured = await Promise.all(processes.map((p) => p.done));
    const outcomes: ClientOutcome[] = [];
    for (const [i, client] of clients.entries()) {
      const m = measured[i];
      const simulator = simulators[i];
      if (m === undefined || simulator === undefined) throw new Error('measurement missing');
      // Exit 4 (some artists failed) is a result for the table, not a failure to run.
      const ran = m.timedOut || m.code === 0 || (client === 'ours' && m.code === 4);
      if (!ran) throw new Error(`${client} exited with ${String(m.code)}:\n${m.stderr.slice(-2000)}`);
      outcomes.push(await outcomeOf(client, m, path.join(dir, client), simulator));
    }
    return report(outcomes, total, idealMs);
  } finally {
    await Promise.all(simulators.map((s) => s.stop()));
  }
}

function report(outcomes: ClientOutcome[], total: number, idealMs: number): ScenarioResult {
  const rows: Row[] = [];
  const notes: string[] = [];
  const by = (name: ClientName): ClientOutcome => {
    const found = outcomes.find((o) => o.client === name);
    if (found === undefined) throw new Error(`no outcome for ${name}`);
    return found;
  };
  const ours = by('ours');
  for (const outcome of outcomes) {
    const isOurs = outcome.client === 'ours';
    const complete = outcome.succeeded === total;
    rows.push({
      metric: `${outcome.client}: wall time ÷ ideal`,
      value: describe(outcome, total),
      raw: outcome.ratio,
      goal: isOurs ? `≤ ${GOAL_RATIO}, all done` : '',
      pass: isOurs ? outcome.ratio <= GOAL_RATIO && complete : undefined,
    });
    rows.push({
      metric: `${outcome.client}: 429s received (total / after first minute)`,
      value: `${outcome.rateLimited} / ${outcome.rateLimitedAfterFirstWindow} of ${outcome.requests} requests`,
      raw: outcome.rateLimitedAfterFirstWindow,
      goal: isOurs ? '0 after the first window' : '',
      pass: isOurs ? outcome.rateLimitedAfterFirstWindow === 0 : undefined,
    });
  }
  const others = outcomes.filter((o) => o.client !== 'ours');
  // Finishing the catalog comes first: a client that wrote artists off (or was cut off) is
  // behind one that finished, whatever its ratio; between finishers the lower ratio wins.
  const finished = (o: ClientOutcome): boolean => o.succeeded === total;
  const ahead = finished(ours) && others.every((o) => !finished(o) || ours.ratio < o.ratio);
  rows.push({
    metric: 'ours ahead of both baselines',
    value: `${ahead ? 'yes' : 'no'} (${outcomes.map((o) => `${o.client} ${fixed(o.ratio, 2)}`).join(', ')})`,
    goal: 'ahead of both',
    pass: ahead,
  });
  notes.push(
    `Ideal = ${total} artists ÷ ${RPM} RPM = ${seconds(idealMs)}. The ratio divides the wall time by the ideal time of the ` +
      'artists that actually succeeded, so a client that writes artists off does not look faster for it. ' +
      `Clients still running at ${CUTOFF_RATIO}× the ideal time are stopped (SIGTERM) and shown as cut off.`,
  );
  for (const o of outcomes.filter((x) => x.cutOff)) {
    notes.push(`${o.client} was cut off after ${seconds(o.wallMs)} with ${o.succeeded}/${total} artists done.`);
  }
  return { rows, notes, details: { total, rpm: RPM, burst: BURST, idealMs, workers: WORKERS, outcomes } };
}

/** Scenario 1. */
export const efficiencyScenario: Scenario = { id: 1, title: 'Efficiency at the rate limit', run };
