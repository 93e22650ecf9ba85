import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { jobStatePath, loadJobState, type BatchJobState } from '../batch/index.js';
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import type { DashboardState } from '../dashboard/index.js';
import { lockPathFor, outputPaths } from '../output/index.js';

import { loadQuotaState, type QuotaState } from '../quota/index.js';
import { dashboardStateFromFiles, reportFromFiles, type FileView } from '../report/index.js';

/** Options of {@link followJobFiles}. */
export interface FollowOptions {
  /** The job's output JSONL; its errors, state, batch state and lock files are found beside it. */
  output: string;
  /** Artists the job has to do, when its input was counted. */
  total: number | undefined;
  /** Requests allowed per UTC day, for the budget line. */
  dailyLimit: number | undefined;
  clock: Clock;
  /** Milliseconds between looks at the files. @default 1000 */
  intervalMs?: number;
  /** Told once per distinct problem reading the files (the last good view is kept). */
  onProblem?: (message: string) => void;
}

/** A job followed through its files; `state()` is cheap and always answers from the last read. */
export interface JobFollower {
  state(): DashboardState;
  /** Reads the files again now if any of them changed. */
  refresh(): Promise<void>;
  stop(): void;
}

/** Size and change time of each file, so an unchanged job is not read again. */
function signature(paths: readonly string[]): string {
  return paths
    .map((path) => {
      try {
        const s = statSync(path);
        return `${s.size}:${s.mtimeMs}`;
      } catch {
        return '-';
      }
    })
    .join('|');
}

/** Whether a live process holds the lock (a lock of another host is taken as live). */
function lockHeld(lockPath: string): boolean {
  let info: { pid?: unknown; host?: unknown };
  try {
    info = JSON.parse(readFileSync(lockPath, 'utf8')) as { pid?: unknown; host?: unknown };
  } catch {
    return false;
  }
  if (typeof info.pid !== 'number') return false;
  if (info.host !== hostname()) return true;
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Follows a finished or running job from its files alone: looks at them every `intervalMs` and
 * rebuilds the view when one changed, so it also follows a run started without `--dashboard`.
 */
export async function followJobFiles(o: FollowOptions): Promise<JobFollower> {
  const paths = outputPaths(o.output);
  const lock = lockPathFor(paths.lock, o.output);
  const batchPath = jobStatePath(o.output);
  const watched = [paths.output, paths.errors, paths.state, batchPath, lock];
  let view: FileView | undefined;
  let quota: QuotaState | undefined;
  let batches: BatchJobState | undefined;
  let running = false;
  let seen = '';
  let lastProblem = '';
  let reading: Promise<void> | undefined;

  const read = async (): Promise<void> => {
    const current = signature(watched);
    if (current === seen && view !== undefined) return;
    try {
      const nextView = await reportFromFiles(o.output, 12);
      const loaded = await loadQuotaState(paths.state);
      if (loaded.kind === 'unusable') throw new Error(loaded.message);
      quota = loaded.kind === 'loaded' ? loaded.state : undefined;
      batches = loadJobState(batchPath);
      view = nextView;
      running = lockHeld(lock);
      seen = current;
      lastProblem = '';
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== lastProblem) o.onProblem?.(message);
      lastProblem = message;
    }
  };
  const refresh = (): Promise<void> => {
    reading ??= read().finally(() => (reading = undefined));
    return reading;
  };
  await refresh();
  const first = view;
  if (first === undefined) throw new ConfigError(`Cannot read the job's files: ${lastProblem}`);
  const timer = setInterval(() => void refresh(), o.intervalMs ?? 1000);
  timer.unref();
  return {
    state() {
      return dashboardStateFromFiles({
        view: view ?? first,
        now: o.clock.now(),
        total: o.total,
        quota,
        dailyLimit: o.dailyLimit,
        batches,
        running,
      });
    },
    refresh,
    stop() {
      clearInterval(timer);
    },
  };
}
