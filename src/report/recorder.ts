import type { Clock } from '../core/clock.js';
import type { RunEmitter, RunSummary } from '../core/events.js';
import { observeBilling, type BillingOptions } from './billing.js';
import { buildReport } from './build.js';
import { observeRun } from './observations.js';
import { ResourceSampler, type ResourceProbe } from './resources.js';
import { observeTimeline, type TimelineData } from './timeline.js';
import type { RunReport } from './types.js';

/** Options of {@link createRunRecorder}. */
export interface RunRecorderOptions {
  /** The run's clock: quota events and the report time are stamped with it. */
  clock: Clock;
  /**
   * The run's configuration as a flat record, already redacted by the caller. Credential-like
   * keys and URL passwords are masked again before anything is written.
   */
  config: Record<string, string | number | boolean | null>;
  /** Real-time interval between memory samples. @default 1000 */
  sampleIntervalMs?: number;
  /** Where memory and CPU figures come from. @default this process's own figures */
  resources?: ResourceProbe;
  /** The run's mode and standard prices, for the report's billing section. @default no billing section */
  billing?: BillingOptions;
}

/** Extra figures only the caller knows at the end of a run. */
export interface FinishExtra {
  /** Size in bytes of the output JSONL after the run. */
  outputBytes?: number;
}

/** Figures of a run in progress, for progress displays. */
export interface LiveFigures {
  /** Clock ms when recording began. */
  startTime: number;
  succeeded: number;
  failed: number;
  /** Artists to do in this run, once known. */
  total: number | undefined;
  /** Time spent paused so far, the current pause included. */
  pausedMs: number;
  /** Requests sent so far (retries included). */
  requests: number;
  /** Configured threshold share (0.1-1) once the quota engine reported it. */
  threshold: number | undefined;
  /** Dollars of the priced responses so far; null when nothing was priced. */
  costUsd: number | null;
}

/** What only the caller knows about how a run ended. */
export interface SummaryExtra {
  outcome: RunSummary['outcome'];
  exitCode: number;
  outputPath: string;
}

/** Watches one run and turns it into a {@link RunReport}. */
export interface RunRecorder {
  /** Current figures (cheap; for progress displays). */
  live(): LiveFigures;
  /** The run summary from everything observed so far. */
  summarize(extra: SummaryExtra): RunSummary;
  /**
   * Stops recording and returns the report. Works for every outcome (completed, interrupted,
   * quota-stopped, failed); may be called again to rebuild the same report.
   */
  finish(summary: RunSummary, extra?: FinishExtra): RunReport;
  /** Stops recording without building a report (unsubscribes, stops the sampler). Idempotent. */
  stop(): void;
  /** The run's activity over time so far (bounded; for charts and the dashboard). */
  timeline(): TimelineData;
}

/**
 * Subscribes to a run's events and samples process memory and CPU until the run ends. Create it
 * before the runner emits `run:start` so that every request and pause is seen.
 *
 * @example
 * const recorder = createRunRecorder(events, { clock, config: redactConfig(config) });
 * const summary = await runner.run();
 * await writeReport('report.md', recorder.finish(summary, { outputBytes }));
 */
export function createRunRecorder(events: RunEmitter, options: RunRecorderOptions): RunRecorder {
  const { observations, unsubscribe } = observeRun(events, options.clock);
  const series = observeTimeline(events, options.clock);
  const billing = options.billing === undefined ? undefined : observeBilling(events, options.billing);
  const sampler = new ResourceSampler(options.sampleIntervalMs ?? 1000, options.resources);
  let stopped = false;

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    series.unsubscribe();
    billing?.unsubscribe();
    sampler.stop();
  };

  const live = (): LiveFigures => {
    const now = options.clock.now();
    const open = observations.openPauseSince === undefined ? 0 : Math.max(0, now - observations.openPauseSince);
    return {
      startTime: observations.startedAt,
      succeeded: observations.artistsDone,
      failed: observations.artistsFailed,
      total: observations.runStart?.total,
      pausedMs: observations.resumedPauseMs + open,
      requests: observations.requestsSent,
      threshold: observations.threshold,
      costUsd: observations.costUsd,
    };
  };

  return {
    live,
    summarize(extra) {
      sampler.sample();
      const figures = live();
      const total = figures.total ?? figures.succeeded + figures.failed;
      const count = (map: Record<string, number>): number => Object.values(map).reduce((a, b) => a + b, 0);
      return {
        startTime: figures.startTime,
        endTime: options.clock.now(),
        outcome: extra.outcome,
        exitCode: extra.exitCode,
        total,
        alreadyDone: observations.runStart?.alreadyDone ?? 0,
        succeeded: figures.succeeded,
        failed: figures.failed,
        notAttempted: Math.max(0, total - figures.succeeded - figures.failed),
        inputSkipped: observations.inputSkipped,
        inputErrors: observations.inputErrors,
        requests: observations.requestsSent,
        retries: count(observations.retriesByKind),
        retriesByKind: { ...observations.retriesByKind },
        rateLimited: { ...observations.rateLimitedByKind },
        pauses: observations.pauses.length,
        pausedMs: figures.pausedMs,
        inputTokens: observations.inputTokens,
        outputTokens: observations.outputTokens,
        requestTimeMs: observations.latency.sum,
        peakRssBytes: sampler.peakRssBytes,
        outputPath: extra.outputPath,
      };
    },
    finish(summary, extra = {}) {
      series.timeline.touch(summary.endTime);
      stop();
      const report = buildReport({
        observations,
        summary,
        resources: sampler.stop(),
        config: options.config,
        outputBytes: extra.outputBytes,
        now: options.clock.now(),
      });
      return {
        ...report,
        ...(billing === undefined ? {} : { billing: billing.report() }),
        timeline: series.timeline.data(),
      };
    },
    stop,
    timeline: () => series.timeline.data(),
  };
}
