/**
 * Scenarios 8–12: filling the provider's limit at any latency with the defaults
 * (docs/pacing.md). Each runs our CLI with its default settings next to the naive client and the
 * cookbook algorithm, each against its own simulator with the same limits, in the same minutes.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { countFileLines, startBaseline, startOurs } from '../lib/clients.js';
import { writeArtistsCsv } from '../lib/fixtures.js';
import { fixed, megabytes, seconds } from '../lib/figures.js';
import type { Measured, RunningProcess } from '../lib/process.js';
import { startSimulatorProcess, type SimulatorFlags } from '../lib/simulator.js';
import type { BenchContext, Row, Scenario, ScenarioResult } from '../lib/types.js';

type ClientName = 'ours' | 'naive' | 'cookbook';

interface Setup {
  /** Folder name under the bench's work dir. */
  name: string;
  artists: number;
  simulator: SimulatorFlags;
  /** Extra flags of our CLI (none = the defaults). */
  ours?: string[];
  naiveWorkers?: number;
  clients?: ClientName[];
  timeoutMs: number;
}

interface Outcome {
  client: ClientName;
  measured: Measured;
  succeeded: number;
  requests: number;
  rateLimited: number;
  tokens: number;
}

async function sideBySide(ctx: BenchContext, setup: Setup): Promise<Outcome[]> {
  const dir = path.join(ctx.workDir, setup.name);
  const input = path.join(dir, 'artists.csv');
  await mkdir(dir, { recursive: true });
  await writeArtistsCsv(input, setup.artists);
  const clients = setup.clients ?? ['ours', 'naive', 'cookbook'];
  const simulators = await Promise.all(clients.map(() => startSimulatorProcess(setup.simulator)));
  try {
    const processes: RunningProcess[] = [];
    for (const [i, client] of clients.entries()) {
      const simulator = simulators[i];
      if (simulator === undefined) throw new Error('simulator missing');
      const cwd = path.join(dir, client);
      await mkdir(cwd, { recursive: true });
      const output = path.join(cwd, 'out.jsonl');
      const options = { cwd, timeoutMs: setup.timeoutMs };
      const common = ['--input', input, '--output', output, '--base-url', simulator.url, '--body-file', ctx.bodyFile];
      const rpm = String(setup.simulator.rpm ?? 100_000_000);
      const tpm = String(setup.simulator.tpm ?? 100_000_000);
      processes.push(
        client === 'ours'
          ? startOurs(
              ['run', '--input', input, '--output', output, '--quiet', ...(setup.ours ?? [])],
              simulator.url,
              options,
            )
          : client === 'naive'
            ? startBaseline(ctx.baselines.naive, [...common, '--workers', String(setup.naiveWorkers ?? 16)], options)
            : startBaseline(ctx.baselines.cookbook, [...common, '--rpm', rpm, '--tpm', tpm], options),
      );
    }
    const measured = await Promise.all(processes.map((p) => p.done));
    const outcomes: Outcome[] = [];
    for (const [i, client] of clients.entries()) {
      const m = measured[i];
      const simulator = simulators[i];
      if (m === undefined || simulator === undefined) throw new Error('measurement missing');
      const ran = m.timedOut || m.code === 0 || (client === 'ours' && m.code === 4);
      if (!ran) throw new Error(`${client} exited with ${String(m.code)}:\n${m.stderr.slice(-2000)}`);
      const stats = await simulator.stats();
      outcomes.push({
        client,
        measured: m,
        succeeded: await countFileLines(path.join(dir, client, 'out.jsonl')),
        requests: stats.requests,
        rateLimited: stats.rateLimited,
        tokens: stats.tokens.input + stats.tokens.output,
      });
    }
    return outcomes;
  } finally {
    await Promise.all(simulators.map((s) => s.stop()));
  }
}

function clientRows(outcomes: Outcome[], total: number, idealMs: number, goal: number | undefined): Row[] {
  const rows: Row[] = [];
  for (const o of outcomes) {
    const ratio = o.measured.wallMs / idealMs;
    const share429 = o.requests === 0 ? 0 : o.rateLimited / o.requests;
    const isOurs = o.client === 'ours';
    const complete = o.succeeded === total;
    const cut = o.measured.timedOut ? ', cut off' : '';
    rows.push({
      metric: `${o.client}: wall ÷ ideal`,
      value: `${fixed(ratio, 2)} (${seconds(o.measured.wallMs)}; ${o.succeeded}/${total} done${cut})`,
      raw: ratio,
      goal: isOurs && goal !== undefined ? `≤ ${goal}, all done` : '',
      pass: isOurs && goal !== undefined ? ratio <= goal && complete : undefined,
    });
    rows.push({
      metric: `${o.client}: 429s`,
      value: `${o.rateLimited} of ${o.requests} requests (${fixed(share429 * 100, 1)} %)`,
      raw: share429,
      goal: isOurs ? '≤ 1 %' : '',
      pass: isOurs ? share429 <= 0.01 : undefined,
    });
  }
  return rows;
}

const LATENCY = { latencyMs: 300, latencyJitterMs: 150 } as const;

async function perSecond(ctx: BenchContext): Promise<ScenarioResult> {
  const total = ctx.quick ? 120 : 400;
  const rpm = 1200;
  const idealMs = (total / rpm) * 60_000;
  ctx.log(`${total} artists at ${rpm} RPM enforced per second (ideal ${seconds(idealMs)}), defaults`);
  const outcomes = await sideBySide(ctx, {
    name: 'per-second',
    artists: total,
    simulator: { rpm, perSecond: true, ...LATENCY },
    timeoutMs: idealMs * 3 + 10_000,
  });
  return {
    rows: clientRows(outcomes, total, idealMs, 1.06),
    notes: [
      `Ideal = ${total} ÷ ${rpm} RPM = ${seconds(idealMs)}; the simulator refills ${rpm / 60} requests per second into a bucket of ${rpm / 60}.`,
    ],
    details: { total, rpm, idealMs, outcomes },
  };
}

async function fullBucket(ctx: BenchContext): Promise<ScenarioResult> {
  const rpm = 600;
  const rows: Row[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = {};
  const slowest = LATENCY.latencyMs + LATENCY.latencyJitterMs;
  for (const total of ctx.quick ? [100, 700] : [300, 1000]) {
    const small = total <= rpm;
    const idealMs = small ? slowest + (total / (rpm / 60)) * 1000 : ((total - rpm) / rpm) * 60_000;
    ctx.log(`${total} artists at ${rpm} RPM, bucket full at the start (ideal ${seconds(idealMs)})`);
    const outcomes = await sideBySide(ctx, {
      name: `full-bucket-${total}`,
      artists: total,
      simulator: { rpm, ...LATENCY },
      timeoutMs: (total / rpm) * 60_000 * 2 + 10_000,
    });
    for (const row of clientRows(outcomes, total, idealMs, small ? 1.5 : 1.05)) {
      rows.push({ ...row, metric: `N=${total}: ${row.metric}` });
    }
    notes.push(
      small
        ? `N=${total} fits the bucket of ${rpm}: ideal = slowest latency ${slowest} ms + N ÷ ${rpm / 60}/s = ${seconds(idealMs)} (the issue's yardstick; a paced client already meets it).`
        : `N=${total} exceeds the bucket of ${rpm}: ideal = (N − ${rpm}) ÷ ${rpm} RPM = ${seconds(idealMs)}.`,
    );
    details[`n${total}`] = { idealMs, outcomes };
  }
  return { rows, notes, details };
}

async function highLatency(ctx: BenchContext): Promise<ScenarioResult> {
  const total = ctx.quick ? 150 : 500;
  const rpm = 3000;
  const latency = { latencyMs: 8000, latencyJitterMs: 4000 };
  // Uniform 4–12 s: the 95th percentile is 11.6 s.
  const p95 = latency.latencyMs + 0.9 * latency.latencyJitterMs;
  const idealMs = (total / rpm) * 60_000 + p95;
  ctx.log(`${total} artists at ${rpm} RPM, latency 8 ± 4 s (ideal ${seconds(idealMs)}), defaults`);
  const outcomes = await sideBySide(ctx, {
    name: 'high-latency',
    artists: total,
    simulator: { rpm, ...latency },
    timeoutMs: idealMs * 4 + 10_000,
  });
  return {
    rows: clientRows(outcomes, total, idealMs, 1.2),
    notes: [
      `Ideal = N ÷ rate + p95 latency = ${seconds((total / rpm) * 60_000)} + ${seconds(p95)}. Naive: 16 workers.`,
    ],
    details: { total, rpm, idealMs, outcomes },
  };
}

async function tpmBound(ctx: BenchContext): Promise<ScenarioResult> {
  const total = ctx.quick ? 80 : 250;
  // Per second, the bucket holds tpm ÷ 60 tokens: it must fit a request's charge (its output cap
  // of 1,000 plus the input), or every request is refused as too large.
  const tpm = 300_000;
  ctx.log(`${total} artists, ${tpm} TPM enforced per second, no request limit to speak of`);
  const outcomes = await sideBySide(ctx, {
    name: 'tpm-bound',
    artists: total,
    simulator: { rpm: 100_000, tpm, perSecond: true, ...LATENCY },
    timeoutMs: 180_000,
  });
  const ours = outcomes.find((o) => o.client === 'ours');
  const perArtist = ours && ours.succeeded > 0 ? ours.tokens / ours.succeeded : 0;
  const idealMs = ((total * perArtist) / tpm) * 60_000;
  return {
    rows: clientRows(outcomes, total, idealMs, 1.1),
    notes: [
      `Ideal = N × ${fixed(perArtist, 0)} tokens used per artist ÷ ${tpm} TPM = ${seconds(idealMs)}. The provider charges the output cap plus the input up front and refunds the rest on the answer.`,
    ],
    details: { total, tpm, perArtist, idealMs, outcomes },
  };
}

async function manyInFlight(ctx: BenchContext): Promise<ScenarioResult> {
  const total = ctx.quick ? 1000 : 5000;
  const latencyMs = ctx.quick ? 10_000 : 30_000;
  ctx.log(`${total} artists in flight at once, latency ${seconds(latencyMs)}`);
  const outcomes = await sideBySide(ctx, {
    name: 'in-flight',
    artists: total,
    simulator: { rpm: 10_000_000, latencyMs },
    ours: ['--max-in-flight', String(total)],
    naiveWorkers: total,
    clients: ['ours', 'naive'],
    timeoutMs: latencyMs * 4 + 60_000,
  });
  const rows: Row[] = [];
  for (const o of outcomes) {
    const isOurs = o.client === 'ours';
    rows.push({
      metric: `${o.client}: peak RSS / CPU with ${total} in flight`,
      value: `${megabytes(o.measured.peakRssMb)} / ${fixed(o.measured.cpuSeconds, 2)} s (${seconds(o.measured.wallMs)}, ${o.succeeded}/${total} done)`,
      raw: o.measured.peakRssMb,
      goal: isOurs ? '≤ 300 MB, all done' : '',
      pass: isOurs ? (o.measured.peakRssMb ?? Infinity) <= 300 && o.succeeded === total : undefined,
    });
  }
  return {
    rows,
    notes: [
      `Our run with --max-in-flight ${total} (auto concurrency); naive with ${total} workers. Overhead at zero latency is scenario 2.`,
    ],
    details: { total, latencyMs, outcomes },
  };
}

/** Scenario 8. */
export const perSecondScenario: Scenario = { id: 8, title: 'Strict per-second enforcement, defaults', run: perSecond };
/** Scenario 9. */
export const fullBucketScenario: Scenario = { id: 9, title: 'Full bucket at the start', run: fullBucket };
/** Scenario 10. */
export const highLatencyScenario: Scenario = { id: 10, title: 'High latency (8 ± 4 s), defaults', run: highLatency };
/** Scenario 11. */
export const tpmBoundScenario: Scenario = { id: 11, title: 'Token-bound (TPM per second), defaults', run: tpmBound };
/** Scenario 12. */
export const inFlightScenario: Scenario = { id: 12, title: 'Thousands in flight at 30 s latency', run: manyInFlight };
