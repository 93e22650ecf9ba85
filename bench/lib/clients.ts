/**
 * Starting the clients under test: the real CLI (`node bin/artist-bio-gen …`) and the compiled
 * baselines, each as its own measured process with a clean environment.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { BIN } from './paths.js';
import { spawnMeasured, type RunningProcess } from './process.js';

/** Options shared by every client start. */
export interface ClientOptions {
  cwd: string;
  timeoutMs: number;
  /** Variables added to the clean environment. */
  env?: Record<string, string>;
  onStderrLine?: (line: string) => void;
}

/**
 * Only what a process needs to run: nothing from the caller's shell (OPENAI_*, QUOTA_*,
 * DATABASE_URL, …) may change what is measured.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

/**
 * Runs `artist-bio-gen <args>` against `baseUrl` (OPENAI_BASE_URL), measured. The key ledger
 * lives in the run's own folder (`XDG_STATE_HOME=<cwd>/.state`): the shared one in HOME is keyed
 * by the simulator's origin, and a port used again would hand a run the window limits an earlier
 * scenario left there.
 */
export function startOurs(
  args: readonly string[],
  baseUrl: string | undefined,
  options: ClientOptions,
): RunningProcess {
  const env = cleanEnv({
    XDG_STATE_HOME: path.join(options.cwd, '.state'),
    ...(baseUrl === undefined ? {} : { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: 'sk-bench' }),
    ...options.env,
  });
  return spawnMeasured(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env,
    timeoutMs: options.timeoutMs,
    ...(options.onStderrLine ? { onStderrLine: options.onStderrLine } : {}),
  });
}

/** Runs a compiled baseline script with its flags, measured. */
export function startBaseline(script: string, args: readonly string[], options: ClientOptions): RunningProcess {
  return spawnMeasured(process.execPath, [script, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    timeoutMs: options.timeoutMs,
    ...(options.onStderrLine ? { onStderrLine: options.onStderrLine } : {}),
  });
}

/** The JSON summary line a baseline prints last on stdout, or undefined (e.g. when it was cut off). */
export function baselineSummary(stdout: string): Record<string, number> | undefined {
  const last = stdout.trim().split('\n').pop();
  if (last === undefined || !last.startsWith('{')) return undefined;
  try {
    return JSON.parse(last) as Record<string, number>;
  } catch {
    return undefined;
  }
}

/** Number of lines in a file (0 when it does not exist), counted without loading it. */
export async function countFileLines(file: string): Promise<number> {
  let lines = 0;
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  return lines;
}
