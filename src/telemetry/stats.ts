import type { Clock } from '../core/clock.js';
import type { RunEmitter, RunSummary } from '../core/events.js';

/** Live counters of a run, built from its events. */
export interface RunStats {
  readonly startTime: number;
  succeeded: number;
  failed: number;
  requests: number;
  retries: number;
  retriesByKind: Record<string, number>;
  rateLimited: Record<string, number>;
  pauses: number;
  pausedMs: number;
  pausedUntil: number | undefined;
  inputTokens: number;
  outputTokens: number;
  requestTimeMs: number;
  peakRssBytes: number;
  inputSkipped: number;
  inputErrors: number;
  total: number | undefined;
  alreadyDone: number;
}

/** Subscribes to a run's events and keeps the figures the summary and progress need. */
export function collectStats(
  events: RunEmitter,
  clock: Clock,
): { stats: RunStats; stop(): void; summary(extra: SummaryExtra): RunSummary } {
  const stats: RunStats = {
    startTime: clock.now(),
    succeeded: 0,
    failed: 0,
    requests: 0,
    retries: 0,
    retriesByKind: {},
    rateLimited: {},
    pauses: 0,
    pausedMs: 0,
    pausedUntil: undefined,
    inputTokens: 0,
    outputTokens: 0,
    requestTimeMs: 0,
    peakRssBytes: process.memoryUsage().rss,
    inputSkipped: 0,
    inputErrors: 0,
    total: undefined,
    alreadyDone: 0,
  };
  const sample = (): void => {
    stats.peakRssBytes = Math.max(stats.peakRssBytes, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 1000);
  timer.unref();
  const bump = (map: Record<string, number>, key: string): void => {
    map[key] = (map[key] ?? 0) + 1;
  };
  const offs = [
    events.on('run:start', (e) => {
      stats.total = e.total;
      stats.alreadyDone = e.alreadyDone;
    }),
    events.on('input:scanned', (e) => {
      stats.inputSkipped = e.skipped;
      stats.inputErrors = e.errors;
    }),
    events.on('request:sent', () => stats.requests++),
    events.on('request:done', (e) => {
      stats.requestTimeMs += e.durationMs;
      if (e.usage) {
        stats.inputTokens += e.usage.input_tokens;
        stats.outputTokens += e.usage.output_tokens;
      }
      if (e.status === 429) bump(stats.rateLimited, e.kind ?? 'unknown');
    }),
    events.on('request:retry', (e) => {
      stats.retries++;
      bump(stats.retriesByKind, e.kind);
    }),
    events.on('artist:done', () => stats.succeeded++),
    events.on('artist:failed', () => stats.failed++),
    events.on('quota:paused', (e) => {
      stats.pauses++;
      stats.pausedUntil = e.resumeAt;
    }),
    events.on('quota:resumed', (e) => {
      stats.pausedMs += e.pausedMs;
      stats.pausedUntil = undefined;
    }),
  ];
  return {
    stats,
    stop() {
      clearInterval(timer);
      offs.forEach((off) => off());
    },
    summary(extra) {
      sample();
      const total = stats.total ?? stats.succeeded + stats.failed;
      return {
        startTime: stats.startTime,
        endTime: clock.now(),
        outcome: extra.outcome,
        exitCode: extra.exitCode,
        total,
        alreadyDone: stats.alreadyDone,
        succeeded: stats.succeeded,
        failed: stats.failed,
        notAttempted: Math.max(0, total - stats.succeeded - stats.failed),
        inputSkipped: stats.inputSkipped,
        inputErrors: stats.inputErrors,
        requests: stats.requests,
        retries: stats.retries,
        retriesByKind: { ...stats.retriesByKind },
        rateLimited: { ...stats.rateLimited },
        pauses: stats.pauses,
        pausedMs: stats.pausedMs,
        inputTokens: stats.inputTokens,
        outputTokens: stats.outputTokens,
        requestTimeMs: stats.requestTimeMs,
        peakRssBytes: stats.peakRssBytes,
        outputPath: extra.outputPath,
      };
    },
  };
}

/** What the stats alone cannot know about the end of a run. */
export interface SummaryExtra {
  outcome: RunSummary['outcome'];
  exitCode: number;
  outputPath: string;
}
