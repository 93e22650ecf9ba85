import { EventEmitter } from 'node:events';
import type { Artist, ErrorRecord, OutputRecord, TokenUsage } from './types.js';

/** Rate-limit window state parsed from `x-ratelimit-*` headers. */
export interface WindowStatus {
  requestsLimit: number | undefined;
  requestsRemaining: number | undefined;
  requestsResetMs: number | undefined;
  tokensLimit: number | undefined;
  tokensRemaining: number | undefined;
  tokensResetMs: number | undefined;
}

/**
 * Every event the run emits. Telemetry (logger, progress, metrics, report) subscribes; the
 * producing layers never format log text themselves.
 */
export interface RunEvents {
  /** Run configuration is known and work is about to start. */
  'run:start': {
    time: number;
    inputPath: string;
    outputPath: string;
    /** Fixed worker count, or `auto` (in flight follows rate × latency up to `maxInFlight`). */
    maxWorkers: number | 'auto';
    /** Most requests in flight in `auto` mode. */
    maxInFlight?: number | undefined;
    /** Artists still to do (known after the input scan), undefined while streaming. */
    total: number | undefined;
    alreadyDone: number;
    promptLabel: string;
  };
  /** The input scan finished. */
  'input:scanned': {
    valid: number;
    skipped: number;
    errors: number;
    duplicates: number;
    alreadyDone: number;
    /** `I/N` with `--shard` (docs/ledger.md#shards). */
    shard?: string;
    /** Valid artists left to the other shards. */
    otherShards?: number;
  };
  /** A bad input row was skipped. */
  'input:row-error': { line: number; reason: string };
  /** The output file had a torn last line and it was removed. */
  'output:repaired': { path: string; bytesRemoved: number };
  /**
   * `--resume` found lines in the middle of the output that are not records, or repeat an artist.
   * They are left in place (nothing is removed); `validate --repair` rewrites the file.
   */
  'output:damaged': {
    path: string;
    invalidLines: number;
    /** The first invalid line numbers (at most 20). */
    invalidLineNumbers: number[];
    duplicateLines: number;
    /** The first duplicate line numbers (at most 20). */
    duplicateLineNumbers: number[];
  };
  /**
   * `--redo-stale`: the output holds bios written by another prompt (their `prompt_fingerprint`
   * differs from `fingerprint`, or they have none); those artists are regenerated.
   */
  'output:stale': { path: string; staleArtists: number; fingerprint: string };
  /** Superseded lines were removed at the end of a `--redo-stale` run; the old file is at `backupPath`. */
  'output:compacted': { path: string; removedLines: number; backupPath: string };
  /** Free-form diagnostic from any layer. */
  log: { level: 'debug' | 'info' | 'warn' | 'error'; message: string };
  /** Quota engine is set up. */
  'quota:init': { dailyLimit: number | undefined; threshold: number; monitoring: boolean; usedToday: number };
  /** Headers of a response were parsed. */
  'quota:status': WindowStatus;
  /** Periodic quota metrics (every --quota-log-interval requests). */
  'quota:metrics': { usedToday: number; dailyLimit: number | undefined };
  /** Daily usage crossed a 10 % step from 50 %, or the threshold. */
  'quota:warning': { percent: number; usedToday: number; dailyLimit: number };
  /** Dispatching stopped until `resumeAt`. */
  'quota:paused': {
    reason: 'threshold' | 'daily_limit' | 'rate_limit';
    message: string;
    usedToday: number;
    dailyLimit: number | undefined;
    resumeAt: number;
  };
  /** Dispatching resumed. */
  'quota:resumed': { pausedMs: number; reason: string };
  /** The model API stopped answering connections: dispatch pauses and probes until `since + giveUpMs`. */
  'provider:unreachable': { url: string; since: number; message: string; giveUpMs: number };
  /** The model API answered again after an outage that began at `since`. */
  'provider:reachable': { url: string; since: number; downMs: number };
  /** A request is about to leave (after the gate admitted it). */
  'request:sent': { artist: Artist; worker: number; attempt: number };
  /** A request failed and will be retried after `delayMs`. */
  'request:retry': {
    artist: Artist;
    worker: number;
    attempt: number;
    delayMs: number;
    kind: string;
    status: number | undefined;
    code: string | undefined;
    message: string;
  };
  /** A request finished (success or not), with its HTTP duration. */
  'request:done': {
    artist: Artist;
    ok: boolean;
    status: number | undefined;
    kind: string | undefined;
    durationMs: number;
    usage: TokenUsage | undefined;
    /** Dollars billed for `usage` (docs/costs.md); null = model without a known price; absent = not priced. */
    costUsd?: number | null;
  };
  /** An artist's bio was written to the output. */
  'artist:done': { artist: Artist; worker: number; index: number; total: number | undefined; record: OutputRecord };
  /** An artist failed for good in this run (written to the errors file). */
  'artist:failed': { artist: Artist; worker: number; index: number; total: number | undefined; record: ErrorRecord };
  /** Batch mode: a part of the job went out as a batch (docs/batch.md). */
  'batch:submitted': { batchId: string; part: string; requests: number; attempt: number };
  /** Batch mode: a batch's status or counts changed since the last poll. */
  'batch:status': BatchStatus;
  /** Batch mode: a finished batch was read back by `custom_id`. */
  'batch:collected': {
    batchId: string;
    part: string;
    status: string;
    written: number;
    failed: number;
    resubmitted: number;
  };
  /** Batch mode: the whole job after a poll round that changed something. */
  'batch:progress': BatchProgress;
  /** Shutdown began (signal or fatal stop). */
  'run:stopping': { reason: 'SIGINT' | 'SIGTERM' | 'quota' | 'auth' | 'fatal'; message: string; inFlight: number };
  /** The run ended. */
  'run:end': RunSummary;
}

/** One batch as the last poll saw it (docs/batch.md). */
export interface BatchStatus {
  batchId: string;
  /** The job's part the batch works on, `part-0001`. */
  part: string;
  /** The Batch API status: `validating`, `in_progress`, `finalizing`, `completed`, `expired`, … */
  status: string;
  completed: number;
  failed: number;
  total: number;
}

/** Progress of a whole batch job (docs/batch.md). */
export interface BatchProgress {
  /** Parts of the job: planned, at the provider, and collected. */
  partsTotal: number;
  partsDone: number;
  /** Batches at the provider now. */
  inFlight: number;
  /** Requests of every part (a resubmitted artist counts again). */
  requestsTotal: number;
  /** Requests finished: completed or failed in a batch, or in a collected part. */
  requestsFinished: number;
  /** Time left at the completion rate observed in this run; undefined until a rate is known. */
  etaMs: number | undefined;
}

/** Figures of a finished (or stopped) run. */
export interface RunSummary {
  startTime: number;
  endTime: number;
  outcome: 'completed' | 'interrupted' | 'quota_stopped' | 'auth_failed' | 'failed';
  exitCode: number;
  total: number;
  alreadyDone: number;
  succeeded: number;
  failed: number;
  notAttempted: number;
  inputSkipped: number;
  inputErrors: number;
  requests: number;
  retries: number;
  retriesByKind: Record<string, number>;
  rateLimited: Record<string, number>;
  pauses: number;
  pausedMs: number;
  inputTokens: number;
  outputTokens: number;
  requestTimeMs: number;
  peakRssBytes: number;
  outputPath: string;
}

/** Name of a run event. */
export type RunEventName = keyof RunEvents;

/** A typed event emitter for {@link RunEvents}. */
export class RunEmitter {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(50);
  }

  /** Subscribes to one event. Returns an unsubscribe function. */
  on<K extends RunEventName>(name: K, listener: (payload: RunEvents[K]) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }

  /** Emits one event synchronously to every listener. */
  emit<K extends RunEventName>(name: K, payload: RunEvents[K]): void {
    this.#emitter.emit(name, payload);
  }

  /** Shorthand for a `log` event. */
  log(level: RunEvents['log']['level'], message: string): void {
    this.emit('log', { level, message });
  }
}
