import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as z from '../core/schema.js';
import { UsageError } from '../core/errors.js';

/** A daily pause in force. */
export interface PauseState {
  reason: 'threshold' | 'daily_limit';
  /** Epoch ms when the pause began. */
  since: number;
  /** Epoch ms when dispatching may resume. */
  until: number;
}

/** Provider window limits last seen in `x-ratelimit-limit-*` headers. */
export interface WindowLimits {
  requestsLimit: number | undefined;
  tokensLimit: number | undefined;
  /** Epoch ms of the response that carried them. */
  observedAt: number;
}

/** Everything the quota engine keeps across runs. */
export interface QuotaState {
  /** UTC day (`YYYY-MM-DD`) that `requestsToday` belongs to. */
  day: string;
  /** Requests admitted on `day`, retries included. */
  requestsToday: number;
  /** Dollars spent or reserved on `day` (docs/costs.md). */
  spentUsd: number;
  /** UTC day on which the threshold pause last fired (it fires once per day). */
  thresholdPauseDay: string | undefined;
  pause: PauseState | undefined;
  windows: WindowLimits | undefined;
}

/** The state file could not be written, so the daily count cannot be guaranteed. */
// An unwritable state file is an unwritable output path: exit 2 (docs/architecture.md#exit-codes).
export class QuotaStateError extends UsageError {}

const isoTime = z.pipe(
  z.iso.datetime(),
  z.transform((s: string) => Date.parse(s)),
);
const count = z.int().check(z.nonnegative());
const limit = z.optional(z.nullable(z.number().check(z.positive())));

// On-disk shape: ISO times and nulls so the file reads well and diffs cleanly.
const fileSchema = z.object({
  version: z.literal(1),
  day: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
  requestsToday: count,
  spentUsd: z.optional(z.number().check(z.nonnegative())),
  thresholdPauseDay: z.optional(z.nullable(z.string())),
  pause: z.optional(
    z.nullable(z.object({ reason: z.enum(['threshold', 'daily_limit']), since: isoTime, until: isoTime })),
  ),
  windows: z.optional(z.nullable(z.object({ requestsLimit: limit, tokensLimit: limit, observedAt: isoTime }))),
});

/** Outcome of {@link loadQuotaState}. */
export type LoadResult =
  | { kind: 'missing' }
  | { kind: 'loaded'; state: QuotaState }
  /** The file exists but cannot be used; `message` names the file and the problem. */
  | { kind: 'unusable'; message: string };

/** Reads a state file. Never throws: problems come back as `unusable`. */
export async function loadQuotaState(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    // ENOTDIR: a parent of the path is a file, so the state file cannot exist either.
    if (isErrno(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return { kind: 'missing' };
    return { kind: 'unusable', message: `Cannot read quota state file ${path}: ${describe(error)}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'unusable', message: `Quota state file ${path} is not valid JSON: ${describe(error)}` };
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unexpected shape';
    return { kind: 'unusable', message: `Quota state file ${path} has an unexpected shape (${where})` };
  }
  const data = parsed.data;
  return {
    kind: 'loaded',
    state: {
      day: data.day,
      requestsToday: data.requestsToday,
      spentUsd: data.spentUsd ?? 0,
      thresholdPauseDay: data.thresholdPauseDay ?? undefined,
      pause: data.pause ?? undefined,
      windows: data.windows
        ? {
            requestsLimit: data.windows.requestsLimit ?? undefined,
            tokensLimit: data.windows.tokensLimit ?? undefined,
            observedAt: data.windows.observedAt,
          }
        : undefined,
    },
  };
}

/** Serialises a state as the human-readable JSON of the state file. */
export function formatQuotaState(state: QuotaState, updatedAt: number): string {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const file = {
    version: 1,
    day: state.day,
    requestsToday: state.requestsToday,
    spentUsd: state.spentUsd,
    thresholdPauseDay: state.thresholdPauseDay ?? null,
    pause: state.pause
      ? { reason: state.pause.reason, since: iso(state.pause.since), until: iso(state.pause.until) }
      : null,
    windows: state.windows
      ? {
          requestsLimit: state.windows.requestsLimit ?? null,
          tokensLimit: state.windows.tokensLimit ?? null,
          observedAt: iso(state.windows.observedAt),
        }
      : null,
    updatedAt: iso(updatedAt),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

let tempCounter = 0;

/**
 * Writes `text` to `path` atomically: a temporary file in the same directory, flushed to disk,
 * then renamed over the target, so readers and crashes see either the old or the new content.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${++tempCounter}.tmp`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * The state file of one gate. `save()` coalesces: callers that arrive while a write is running
 * share the single follow-up write, which captures every change made before it starts. So a
 * burst of admissions costs at most two writes, and each caller's change is on disk when its
 * promise resolves.
 */
export class QuotaStateStore {
  readonly path: string;
  readonly #snapshot: () => string;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  /** @param snapshot returns the file content to write; called when each write starts */
  constructor(path: string, snapshot: () => string) {
    this.path = path;
    this.#snapshot = snapshot;
  }

  /** Resolves once a write that began after this call has completed. */
  save(): Promise<void> {
    if (this.#queued) return this.#queued;
    if (!this.#running) return this.#start();
    const queued = this.#running
      .catch(() => undefined)
      .then(() => {
        this.#queued = undefined;
        return this.#start();
      });
    this.#queued = queued;
    return queued;
  }

  #start(): Promise<void> {
    const write = writeFileAtomic(this.path, this.#snapshot()).catch((error: unknown) => {
      throw new QuotaStateError(`Cannot write quota state file ${this.path}: ${describe(error)}`, { cause: error });
    });
    const running = write.finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
    this.#running = running;
    return running;
  }

  /** Moves an unusable state file aside (best effort) so it is kept for inspection. */
  async quarantine(suffix: string): Promise<string | undefined> {
    const target = `${this.path}.${suffix}`;
    try {
      await rename(this.path, target);
      return target;
    } catch {
      return undefined;
    }
  }
}

function isErrno(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
