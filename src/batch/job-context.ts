/**
 * What the pieces of a batch job share: the settings and dependencies of the run, the job state
 * they advance, and the small interfaces through which planning, reservations, submission,
 * polling and collecting talk to each other. See docs/batch.md.
 */
import type { Clock } from '../core/clock.js';
import type { QuotaStopError } from '../core/errors.js';
import type { RunEmitter } from '../core/events.js';
import type { Artist, RequestRecord, TokenUsage } from '../core/types.js';
import type { ResultSink } from '../pipeline/index.js';
import type { BatchApi, BatchInfo } from './api.js';
import { saveJobState, type BatchJobState, type BatchPart } from './job-state.js';
import type { BatchSpend } from './spend.js';

/** What the loop needs, injected. */
export interface BatchRunDeps {
  api: BatchApi;
  clock: Clock;
  events: RunEmitter;
  sink: ResultSink;
  /** The request body and output-line request record of an artist. */
  build(artist: Artist): { body: unknown; record: RequestRecord };
  /** Dollars for `usage` at `tier`, or null when the model has no price. */
  costOf(usage: TokenUsage, model: string, tier: 'batch' | 'standard'): number | null;
  /** Dollar reservations (`--max-cost`, `--daily-cost-limit`); none without it. */
  spend?: BatchSpend | undefined;
}

/** Settings of one batch run. */
export interface BatchRunOptions {
  /** `/v1/responses` or `/v1/chat/completions`. */
  endpoint: string;
  statePath: string;
  maxRequests: number;
  queueTokens: number | undefined;
  pollIntervalMs: number;
  maxRetries: number;
  /** Stops polling (batches keep running at the provider; `--resume` collects them). */
  signal: AbortSignal;
}

/** What a batch run did. */
export interface BatchRunResult {
  succeeded: number;
  failed: number;
  stopped: boolean;
  /** Set when a cost limit stopped the submissions (exit 5; `--resume` continues). */
  stopError?: QuotaStopError | undefined;
  batchesCreated: number;
  costUsd: number | null;
  /** What the same answers would have cost at standard prices. */
  standardCostUsd: number | null;
}

/** The state one batch job's pieces read and advance together. */
export interface JobContext {
  readonly state: BatchJobState;
  readonly deps: BatchRunDeps;
  readonly options: BatchRunOptions;
  /** Artists of this run without a line in the output yet, by id. */
  readonly artists: Map<string, Artist>;
  /** Parts refused by the token queue, waiting for another batch to end. */
  readonly waiting: Set<string>;
  /** Writes the job state to its file (every id is saved before the job moves on). */
  save(): void;
  log(level: 'info' | 'warn', message: string): void;
}

/** Creates the shared context of a job. */
export function createJobContext(state: BatchJobState, deps: BatchRunDeps, options: BatchRunOptions): JobContext {
  return {
    state,
    deps,
    options,
    artists: new Map(),
    waiting: new Set(),
    save: () => saveJobState(options.statePath, state),
    log: (level, message) => deps.events.log(level, message),
  };
}

/** Adds parts for `artists` at try number `attempt` and saves them before anything is sent. */
export type PlanParts = (artists: readonly Artist[], attempt: number) => void;

/** Reserves a part's dollars before it is sent; false when it must not go now. */
export interface PartReserver {
  reserve(part: BatchPart): boolean;
}

/** Bills a part's collected answers and settles its reservation once the part is collected. */
export interface PartBiller {
  bill(partName: string, usd: number): void;
  settle(part: BatchPart): void;
}

/** Turns a batch that reached a terminal status into output lines, retries or a wait. */
export type CollectPart = (part: BatchPart, info: BatchInfo) => Promise<void>;
