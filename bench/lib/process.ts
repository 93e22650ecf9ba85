/**
 * Spawns a child process and measures it the way the benchmarks report it: wall time from spawn
 * to exit, peak resident memory, and CPU seconds (user + system).
 *
 * GNU `time` (when `/usr/bin/time` exists) gives exact figures from the kernel's rusage of the
 * child. Without it, `/proc/<pid>/status` (VmHWM, the kernel's own high-water mark) and
 * `/proc/<pid>/stat` are sampled, which can miss the last few milliseconds of a run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const GNU_TIME = '/usr/bin/time';
const CLOCK_TICKS_PER_SECOND = 100;
const SAMPLE_INTERVAL_MS = 25;
const KEEP_CHARS = 200_000;

/** What one measured process did. */
export interface Measured {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  /** Epoch ms of the spawn. */
  startedAt: number;
  /** Spawn to exit, in ms. */
  wallMs: number;
  /** Peak resident set size in MB (10^6 bytes), when it could be measured. */
  peakRssMb: number | undefined;
  /** User plus system CPU time in seconds, when it could be measured. */
  cpuSeconds: number | undefined;
  /** True when the harness killed it at its time limit. */
  timedOut: boolean;
  /** Standard output (the first {@link KEEP_CHARS} characters). */
  stdout: string;
  /** Standard error (the last {@link KEEP_CHARS} characters). */
  stderr: string;
}

/** Options of {@link spawnMeasured}. */
export interface SpawnOptions {
  cwd: string;
  /** Full environment of the child. */
  env: NodeJS.ProcessEnv;
  /** Killed (SIGTERM, then SIGKILL after 5 s) when it runs longer. */
  timeoutMs: number;
  /** Called for each complete line the child writes to stderr. */
  onStderrLine?: (line: string) => void;
}

/** A process started by {@link spawnMeasured}. */
export interface RunningProcess {
  /** Sends a signal to the process (and its helpers: the whole process group). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when it has exited and been measured. */
  readonly done: Promise<Measured>;
}

// Measured processes run in process groups of their own, which a Ctrl+C at the terminal does
// not reach: the harness kills what is left of them when it is interrupted.
const running = new Set<(signal: NodeJS.Signals) => void>();

/** Kills every measured process still running (SIGKILL to its process group). */
export function killAllMeasured(): void {
  for (const kill of running) kill('SIGKILL');
}

/** True when GNU time is available for exact peak-memory and CPU figures. */
export const hasGnuTime = existsSync(GNU_TIME);

/** How peak memory and CPU are measured here, for the report. */
export function measurementMethod(): string {
  return hasGnuTime
    ? 'GNU time (/usr/bin/time): peak RSS = ru_maxrss, CPU = user + system of the child'
    : '/proc/<pid> sampling every 25 ms: peak RSS = VmHWM, CPU = utime + stime';
}

/** Starts `command args…` measured; see {@link Measured}. */
export function spawnMeasured(command: string, args: readonly string[], options: SpawnOptions): RunningProcess {
  let statsDir: string | undefined;
  const statsReady = hasGnuTime ? mkdtemp(path.join(tmpdir(), 'abg-bench-time-')) : Promise.resolve(undefined);

  let kill: (signal: NodeJS.Signals) => void = () => undefined;
  const done = statsReady.then(
    (dir) =>
      new Promise<Measured>((resolve, reject) => {
        statsDir = dir;
        const statsFile = dir === undefined ? undefined : path.join(dir, 'time.txt');
        const [file, argv] =
          statsFile === undefined
            ? [command, [...args]]
            : [GNU_TIME, ['-f', '%M %U %S', '-o', statsFile, command, ...args]];
        const startedAt = Date.now();
        const started = performance.now();
        // A process group of its own, so a signal reaches the measured process behind `time`.
        const child = spawn(file, argv, { cwd: options.cwd, env: options.env, detached: true, stdio: 'pipe' });
        const pid = child.pid;
        let exited = false;
        let timedOut = false;
        kill = (signal) => {
          if (exited || pid === undefined) return;
          try {
            process.kill(-pid, signal);
          } catch {
            // Already gone.
          }
        };
        running.add(kill);
        let stdout = '';
        let stderr = '';
        let partial = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          if (stdout.length < KEEP_CHARS) stdout += chunk.slice(0, KEEP_CHARS - stdout.length);
        });
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          stderr = (stderr + chunk).slice(-KEEP_CHARS);
          if (options.onStderrLine === undefined) return;
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) options.onStderrLine(line);
        });
        const sampler = statsFile === undefined && pid !== undefined ? startSampler(pid) : undefined;
        const timer = setTimeout(() => {
          timedOut = true;
          kill('SIGTERM');
          setTimeout(() => kill('SIGKILL'), 5000).unref();
        }, options.timeoutMs);
        child.once('error', (error) => {
          running.delete(kill);
          clearTimeout(timer);
          sampler?.stop();
          reject(error);
        });
        child.once('close', (code, signal) => {
          exited = true;
          running.delete(kill);
          clearTimeout(timer);
          const wallMs = performance.now() - started;
          const sampled = sampler?.stop();
          const measuredBy = statsFile === undefined ? Promise.resolve(sampled) : readGnuTime(statsFile);
          measuredBy.then(
            (usage) =>
              resolve({
                // GNU time exits with the child's code (128 + N when a signal ended the child).
                code,
                signal,
                startedAt,
                wallMs,
                peakRssMb: usage?.peakRssMb,
                cpuSeconds: usage?.cpuSeconds,
                timedOut,
                stdout,
                stderr,
              }),
            reject,
          );
        });
      }),
  );
  const cleaned = done.finally(() =>
    statsDir === undefined ? undefined : rm(statsDir, { recursive: true, force: true }),
  );
  return { kill: (signal) => kill(signal), done: cleaned };
}

interface Usage {
  peakRssMb: number | undefined;
  cpuSeconds: number | undefined;
}

async function readGnuTime(file: string): Promise<Usage | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  // A child ended by a signal adds a "Command terminated by signal N" line before the figures.
  const last = text.trim().split('\n').pop() ?? '';
  const [rssKb, user, system] = last.trim().split(/\s+/).map(Number);
  if (rssKb === undefined || user === undefined || system === undefined) return undefined;
  if (![rssKb, user, system].every(Number.isFinite)) return undefined;
  return { peakRssMb: (rssKb * 1024) / 1e6, cpuSeconds: user + system };
}

function startSampler(pid: number): { stop(): Usage } {
  let peakKb: number | undefined;
  let ticks: number | undefined;
  const sample = (): void => {
    void readFile(`/proc/${pid}/status`, 'utf8').then(
      (status) => {
        const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
        if (match?.[1] !== undefined) peakKb = Math.max(peakKb ?? 0, Number(match[1]));
      },
      () => undefined,
    );
    void readFile(`/proc/${pid}/stat`, 'utf8').then(
      (stat) => {
        // Fields after the command name (which may contain spaces) start at state, field 3.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const utime = Number(fields[11]);
        const stime = Number(fields[12]);
        if (Number.isFinite(utime) && Number.isFinite(stime)) ticks = utime + stime;
      },
      () => undefined,
    );
  };
  sample();
  const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      return {
        peakRssMb: peakKb === undefined ? undefined : (peakKb * 1024) / 1e6,
        cpuSeconds: ticks === undefined ? undefined : ticks / CLOCK_TICKS_PER_SECOND,
      };
    },
  };
}

/** CPU seconds (user + system) a running process has used so far, from `/proc/<pid>/stat`. */
export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}
