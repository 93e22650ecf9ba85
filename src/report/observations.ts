import type { RunEmitter, RunEvents } from '../core/events.js';
import type { Clock } from '../core/clock.js';
import { iso } from './format.js';
import { LatencyStats } from './latency.js';
import { scrubSecrets } from '../core/redact.js';
import type { QuotaEventEntry } from './types.js';
import { roundUsd } from '../cost/cost.js';

/** A pause seen on the event stream. */
export interface ObservedPause {
  reason: RunEvents['quota:paused']['reason'];
  at: number;
  usedToday: number;
  dailyLimit: number | undefined;
}

/** What the recorder saw on the event stream during a run. */
export interface Observations {
  runStart: RunEvents['run:start'] | undefined;
  /** When the observation began (clock ms). */
  startedAt: number;
  /** Comment/blank/header lines and invalid rows of the input scan. */
  inputSkipped: number;
  /** `I/N` of a `--shard` run, and the valid artists it left to the other shards. */
  shard?: { of: string; otherShards: number };
  inputErrors: number;
  threshold: number | undefined;
  requestsSent: number;
  requestsDone: number;
  latency: LatencyStats;
  inputTokens: number;
  outputTokens: number;
  /** Dollars of the priced responses; null until one was priced (docs/costs.md). */
  costUsd: number | null;
  retriesByKind: Record<string, number>;
  rateLimitedByKind: Record<string, number>;
  artistsDone: number;
  artistsFailed: number;
  failedByKind: Record<string, number>;
  pauses: ObservedPause[];
  /** Sum of `pausedMs` of every resume. */
  resumedPauseMs: number;
  /** Start of the pause still in force, if any. */
  openPauseSince: number | undefined;
  quotaEvents: QuotaEventEntry[];
  stopping: RunEvents['run:stopping'] | undefined;
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function quotaEvent(time: number, type: QuotaEventEntry['type'], fields: Partial<QuotaEventEntry>): QuotaEventEntry {
  return {
    time: iso(time),
    type,
    reason: null,
    usedToday: null,
    dailyLimit: null,
    resumeAt: null,
    pausedMs: null,
    percent: null,
    message: null,
    ...fields,
  };
}

/**
 * Subscribes to every event the report needs and accumulates it in an {@link Observations}.
 * Returns the live observations and a function that unsubscribes.
 */
export function observeRun(events: RunEmitter, clock: Clock): { observations: Observations; unsubscribe: () => void } {
  const o: Observations = {
    runStart: undefined,
    startedAt: clock.now(),
    inputSkipped: 0,
    inputErrors: 0,
    threshold: undefined,
    requestsSent: 0,
    requestsDone: 0,
    latency: new LatencyStats(),
    inputTokens: 0,
    outputTokens: 0,
    costUsd: null,
    retriesByKind: {},
    rateLimitedByKind: {},
    artistsDone: 0,
    artistsFailed: 0,
    failedByKind: {},
    pauses: [],
    resumedPauseMs: 0,
    openPauseSince: undefined,
    quotaEvents: [],
    stopping: undefined,
  };

  const offs = [
    events.on('run:start', (e) => (o.runStart = e)),
    events.on('input:scanned', (e) => {
      o.inputSkipped = e.skipped;
      if (e.shard !== undefined) o.shard = { of: e.shard, otherShards: e.otherShards ?? 0 };
      o.inputErrors = e.errors;
    }),
    events.on('quota:init', (e) => (o.threshold = e.threshold)),
    events.on('request:sent', () => (o.requestsSent += 1)),
    events.on('request:done', (e) => {
      o.requestsDone += 1;
      o.latency.add(e.durationMs);
      if (e.usage !== undefined) {
        o.inputTokens += e.usage.input_tokens;
        o.outputTokens += e.usage.output_tokens;
      }
      if (typeof e.costUsd === 'number') o.costUsd = roundUsd((o.costUsd ?? 0) + e.costUsd);
      if (e.status === 429) increment(o.rateLimitedByKind, e.kind ?? 'unknown');
    }),
    events.on('request:retry', (e) => increment(o.retriesByKind, e.kind)),
    events.on('artist:done', () => (o.artistsDone += 1)),
    events.on('artist:failed', (e) => {
      o.artistsFailed += 1;
      increment(o.failedByKind, e.record.error_kind);
    }),
    events.on('quota:warning', (e) => {
      o.quotaEvents.push(
        quotaEvent(clock.now(), 'warning', { usedToday: e.usedToday, dailyLimit: e.dailyLimit, percent: e.percent }),
      );
    }),
    events.on('quota:paused', (e) => {
      const now = clock.now();
      o.pauses.push({ reason: e.reason, at: now, usedToday: e.usedToday, dailyLimit: e.dailyLimit });
      // A second pause while one is in force (e.g. threshold then hard limit) extends it.
      o.openPauseSince ??= now;
      o.quotaEvents.push(
        quotaEvent(now, 'paused', {
          reason: e.reason,
          usedToday: e.usedToday,
          dailyLimit: e.dailyLimit ?? null,
          resumeAt: iso(e.resumeAt),
          message: scrubSecrets(e.message),
        }),
      );
    }),
    events.on('quota:resumed', (e) => {
      o.resumedPauseMs += Math.max(0, e.pausedMs);
      o.openPauseSince = undefined;
      o.quotaEvents.push(quotaEvent(clock.now(), 'resumed', { reason: e.reason, pausedMs: e.pausedMs }));
    }),
    events.on('run:stopping', (e) => (o.stopping ??= e)),
  ];

  return {
    observations: o,
    unsubscribe: () => {
      for (const off of offs) off();
    },
  };
}
