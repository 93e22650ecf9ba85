/**
 * The simulator as a separate process (`artist-bio-gen simulate`), so it never competes with the
 * client under test for one event loop. Its URL comes from the banner it prints on stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { SimulatorStats } from '../../src/simulator/index.js';
import { processCpuSeconds } from './process.js';
import { BIN } from './paths.js';

/** Flags of `artist-bio-gen simulate`, as numbers; undefined ones are left out. */
export interface SimulatorFlags {
  rpm?: number;
  tpm?: number;
  burstRequests?: number;
  /** Enforce the limits per second (`--per-second`). */
  perSecond?: boolean;
  latencyMs?: number;
  latencyJitterMs?: number;
  seed?: number;
}

/** A running simulator process. */
export interface SimulatorProcess {
  /** Base URL for clients, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  /** Process id of the simulator. */
  readonly pid: number;
  /** The simulator's counters and timeline (`GET /__stats`). */
  stats(): Promise<SimulatorStats>;
  /** Full buckets and zero counters (`POST /__reset`). */
  reset(): Promise<void>;
  /** CPU seconds the simulator process has used so far. */
  cpuSeconds(): Promise<number | undefined>;
  /** Stops it (SIGINT, then SIGKILL after 5 s) and waits for the exit. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every simulator still running (used when the harness itself is interrupted). */
export function killAllSimulators(): void {
  for (const child of live) child.kill('SIGKILL');
}

function flagList(flags: SimulatorFlags): string[] {
  const out: string[] = [];
  const add = (name: string, value: number | undefined): void => {
    if (value !== undefined) out.push(`--${name}`, String(value));
  };
  add('rpm', flags.rpm);
  add('tpm', flags.tpm);
  add('burst-requests', flags.burstRequests);
  add('latency-ms', flags.latencyMs);
  add('latency-jitter-ms', flags.latencyJitterMs);
  add('seed', flags.seed);
  if (flags.perSecond === true) out.push('--per-second');
  return out;
}

/** Starts `artist-bio-gen simulate` with `flags` on a free port and waits for its banner. */
export async function startSimulatorProcess(flags: SimulatorFlags = {}): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, [BIN, 'simulate', ...flagList(flags)], { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('close', () => {
      live.delete(child);
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`simulator printed no URL within 15 s:\n${text}`)), 15_000);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const match = /listening on (http:\/\/\S+\/v1)/.exec(text);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with code ${String(code)} before listening:\n${text}`));
    });
  });
  const origin = url.replace(/\/v1$/, '');
  const pid = child.pid ?? 0;
  return {
    url,
    pid,
    async stats() {
      const response = await fetch(`${origin}/__stats`);
      if (!response.ok) throw new Error(`GET /__stats answered ${response.status}`);
      return (await response.json()) as SimulatorStats;
    },
    async reset() {
      const response = await fetch(`${origin}/__reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`POST /__reset answered ${response.status}`);
      await response.arrayBuffer();
    },
    cpuSeconds: () => processCpuSeconds(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
