import { lstatSync, mkdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';

/** A held output lock; `release()` removes it (idempotent). */
export interface OutputLock {
  release(): void;
}

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof value.pid === 'number' && typeof value.host === 'string') {
      return { pid: value.pid, host: value.host, since: value.since ?? '' };
    }
  } catch {
    // Unreadable or half-written: treated as stale below.
  }
  return undefined;
}

/** The file a path names once symlinks are followed (also for a dangling link or a file not made yet). */
export function realOutputPath(path: string): string {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    try {
      return realpathSync(current);
    } catch {
      // Missing target: follow one more link by hand, else resolve the folder.
    }
    try {
      if (!lstatSync(current).isSymbolicLink()) break;
      current = resolve(dirname(current), readlinkSync(current));
    } catch {
      break;
    }
  }
  try {
    return join(realpathSync(dirname(current)), basename(current));
  } catch {
    return current;
  }
}

/**
 * The lock of `output`: `<output>.lock` beside the real file, so two symlinks (or a relative and an
 * absolute path) to one output share one lock. A lock path other than `<output>.lock` is kept.
 */
export function lockPathFor(lockPath: string, output: string): string {
  return lockPath === `${output}.lock` ? `${realOutputPath(output)}.lock` : lockPath;
}

/**
 * Takes the lock file of an output so that two runs never append to the same file (their lines
 * would duplicate). A lock left by a process that no longer exists on this host is taken over,
 * and `onStale` is told. Another live run holding it is a {@link UsageError} (exit 2). The lock
 * sits beside the real file ({@link lockPathFor}).
 */
export function acquireOutputLock(
  requestedLockPath: string,
  output: string,
  onStale?: (message: string) => void,
): OutputLock {
  const lockPath = lockPathFor(requestedLockPath, output);
  const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const directory = dirname(lockPath);
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? `${directory} is not a directory`
        : `cannot create ${directory} (${code ?? String(error)})`;
    throw new UsageError(`Cannot write output ${output}: ${reason}`, { cause: error });
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, `${JSON.stringify(info)}\n`, { flag: 'wx' });
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new UsageError(`Cannot create the lock file ${lockPath}: ${(error as Error).message}`, { cause: error });
      }
    }
    const holder = readLock(lockPath);
    if (holder && holder.host === info.host && holder.pid !== process.pid && isAlive(holder.pid)) {
      throw new UsageError(
        `Another run (pid ${holder.pid}, since ${holder.since}) is writing ${output}; wait for it to finish or stop it. ` +
          `If it is gone, delete ${lockPath}.`,
      );
    }
    if (holder && holder.host !== info.host) {
      throw new UsageError(
        `${output} is locked by a run on host ${holder.host} (pid ${holder.pid}); if that run is gone, delete ${lockPath}.`,
      );
    }
    onStale?.(`Taking over a stale lock ${lockPath} left by an earlier run that is no longer running`);
    rmSync(lockPath, { force: true });
  }
  throw new UsageError(`Cannot take the lock file ${lockPath}: another run keeps creating it`);
}
