/**
 * Scenario 7: how many requests per second one simulator process serves. If it could not serve
 * more than the clients of scenario 2 ask for, scenario 2 would be measuring the simulator.
 *
 * The load comes from this (harness) process: 64 keep-alive connections, each sending the
 * product's request body back to back. The simulator's own CPU use during the test tells
 * whether it was saturated (about one core) or the load generator was the limit.
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { fixed, median, spread } from '../lib/figures.js';
import { startSimulatorProcess } from '../lib/simulator.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/types.js';

const CONNECTIONS = 64;
const WARMUP_MS = 500;

interface Round {
  requestsPerSecond: number;
  /** Simulator CPU seconds per wall second during the round (1 = one core). */
  simulatorCores: number | undefined;
  errors: number;
}

function post(agent: http.Agent, url: URL, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: 'Bearer sk-bench',
          'content-type': 'application/json',
          'content-length': String(body.length),
        },
      },
      (response) => {
        response.on('data', () => undefined);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Sends requests on `CONNECTIONS` connections until `untilMs`; counts those that finished after `countFrom`. */
async function load(
  url: URL,
  body: () => Buffer,
  countFrom: number,
  untilMs: number,
): Promise<{ ok: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let ok = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < untilMs) {
      const status = await post(agent, url, body()).catch(() => 0);
      if (performance.now() < countFrom) continue;
      if (status === 200) ok++;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  agent.destroy();
  return { ok, errors };
}

async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const measureMs = ctx.quick ? 2000 : 4000;
  const rounds = ctx.quick ? 1 : 3;
  const template = await readFile(ctx.bodyFile, 'utf8');
  // A different artist per request, as in a run: the simulator keeps per-artist counters.
  let n = 0;
  const body = (): Buffer => {
    n++;
    return Buffer.from(
      template
        .replaceAll('@@ARTIST_ID@@', `a${n}`)
        .replaceAll('@@ARTIST_NAME@@', `Artist ${n}`)
        .replaceAll('@@ARTIST_DATA@@', 'jazz act from Osaka'),
    );
  };
  const simulator = await startSimulatorProcess();
  const results: Round[] = [];
  try {
    const url = new URL(`${simulator.url}/responses`);
    for (let round = 0; round < rounds; round++) {
      await simulator.reset();
      const start = performance.now();
      const countFrom = start + WARMUP_MS;
      const cpuBefore = await simulator.cpuSeconds();
      const cpuAt = performance.now();
      const { ok, errors } = await load(url, body, countFrom, countFrom + measureMs);
      const elapsed = performance.now() - countFrom;
      const cpuAfter = await simulator.cpuSeconds();
      const cores =
        cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : (cpuAfter - cpuBefore) / ((performance.now() - cpuAt) / 1000);
      results.push({ requestsPerSecond: ok / (elapsed / 1000), simulatorCores: cores, errors });
      ctx.log(`round ${round + 1}: ${fixed(ok / (elapsed / 1000), 0)} req/s, simulator at ${fixed(cores, 2)} cores`);
    }
  } finally {
    await simulator.stop();
  }
  const rate = median(results.map((r) => r.requestsPerSecond));
  const cores = median(results.map((r) => r.simulatorCores));
  const errors = results.reduce((sum, r) => sum + r.errors, 0);
  const clientRate = ctx.shared.get('overhead.fastestRate');
  return {
    rows: [
      {
        metric: 'requests per second served',
        value: `${fixed(rate, 0)}${spread(
          results.map((r) => r.requestsPerSecond),
          0,
        )}, median of ${rounds}`,
        raw: rate,
        goal:
          clientRate === undefined
            ? '> scenario 2 rates (not run)'
            : `> ${fixed(clientRate, 0)} (fastest in scenario 2)`,
        pass: clientRate === undefined ? undefined : rate > clientRate,
      },
      {
        metric: 'simulator CPU during the test',
        value: `${fixed(cores, 2)} cores${errors > 0 ? `, ${errors} non-200 answers` : ''}`,
        raw: cores,
        goal: '',
      },
    ],
    notes: [
      `${CONNECTIONS} keep-alive connections from the harness process, ${measureMs / 1000} s per round after a ` +
        `${WARMUP_MS} ms warm-up; the load generator shares the 2 cores with the simulator, so this is a lower bound.`,
    ],
    details: { connections: CONNECTIONS, measureMs, rounds: results },
  };
}

/** Scenario 7. */
export const capacityScenario: Scenario = { id: 7, title: 'Simulator capacity', run };
