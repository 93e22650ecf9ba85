import type { RunSummary } from '../core/events.js';
import type { BillingReport } from './billing.js';
import type { TimelineData } from './timeline.js';

/** Result of one check of the test plan's "Metrics to Record" table. */
export type CheckStatus = 'pass' | 'fail' | 'n/a';

/** Identifier of a {@link MetricCheck}, stable across versions. */
export type MetricCheckId =
  'success_rate' | 'avg_time_per_artist' | 'total_duration' | 'memory_peak' | 'error_rate' | 'pause_accuracy';

/** One row of the "Metrics to Record" table: target, measured value and verdict. */
export interface MetricCheck {
  id: MetricCheckId;
  /** Name as the test plan writes it, e.g. `Success Rate`. */
  metric: string;
  /** Human target, e.g. `<2s`. */
  target: string;
  /** Human measured value, e.g. `1.23s`, or `n/a`. */
  actual: string;
  /** Measured value in `unit`, or null when it cannot be measured in this run. */
  value: number | null;
  unit: '%' | 's' | 'min' | 'MB' | 'points';
  status: CheckStatus;
}

/** One quota event of the run, with its time. */
export interface QuotaEventEntry {
  /** ISO-8601 time the event was observed. */
  time: string;
  type: 'paused' | 'resumed' | 'warning';
  /** Pause reason (`threshold`, `daily_limit`, `rate_limit`) or resume reason. */
  reason: string | null;
  usedToday: number | null;
  dailyLimit: number | null;
  /** For `paused`: ISO time dispatching is due to resume. */
  resumeAt: string | null;
  /** For `resumed`: how long the pause lasted. */
  pausedMs: number | null;
  /** For `warning`: the day's usage in percent. */
  percent: number | null;
  message: string | null;
}

/** One threshold pause compared with the configured threshold. */
export interface PauseAccuracyEntry {
  time: string;
  usedToday: number;
  dailyLimit: number;
  /** Day's usage at the pause, in percent of the daily limit. */
  usagePercent: number;
  /** `usagePercent` minus the threshold in percent (percentage points). */
  deviationPoints: number;
}

/** Latency figures of the HTTP requests, in milliseconds. */
export interface LatencyFigures {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

/**
 * Everything the tool knows about one run, in the shape of the user's test plan. Produced by
 * {@link RunRecorder.finish}; rendered as JSON or Markdown.
 */
export interface RunReport {
  schemaVersion: 1;
  tool: 'artist-bio-gen';
  /** ISO time the report was made. */
  generatedAt: string;
  outcome: RunSummary['outcome'];
  exitCode: number;
  /** Why the run stopped early (signal, quota, auth), or null when it ran to the end. */
  stopReason: string | null;
  /** `pass` when the run completed and every measurable check passed, `fail` otherwise. */
  verdict: 'pass' | 'fail';
  inputPath: string | null;
  outputPath: string;
  promptLabel: string | null;
  artists: {
    /** Artists this run had to do: succeeded + failed + not attempted. */
    planned: number;
    succeeded: number;
    failed: number;
    notAttempted: number;
    /** Skipped because the output already had them (`--resume`). */
    alreadyDone: number;
    inputSkipped: number;
    inputErrors: number;
    /** Failed artists by error kind, when known. */
    failedByKind: Record<string, number>;
    /** With `--shard I/N`: this run's shard and the valid artists left to the others (docs/ledger.md#shards). */
    shard?: { of: string; otherShards: number };
  };
  /** The plan's "Metrics to Record" table. */
  checks: MetricCheck[];
  /** The plan's "Performance Metrics to Track". */
  performance: {
    startTime: string;
    endTime: string;
    durationMs: number;
    /** Wall time ÷ artists processed (succeeded + failed) in this run. */
    averagePerArtistMs: number | null;
    pauses: number;
    pausesByReason: Record<string, number>;
    totalPauseMs: number;
  };
  /** The plan's "Performance Analysis". */
  analysis: {
    requests: number;
    requestsPerMinute: number | null;
    /** Requests per minute over the time not spent paused. */
    requestsPerMinuteActive: number | null;
    inputTokens: number;
    outputTokens: number;
    tokensPerMinute: number | null;
    /** Dollars spent in this run (sum of the lines' `cost_usd`); null when nothing was priced. */
    costUsd: number | null;
    /** Summed HTTP request time ÷ wall time. */
    effectiveParallelism: number | null;
    maxWorkers: number | null;
    latencyMs: LatencyFigures | null;
    retries: number;
    retriesByKind: Record<string, number>;
    /** 429 responses by kind (`rate_limit`, `slow_down`, `quota`). */
    rateLimitedByKind: Record<string, number>;
  };
  /** The plan's "Resource utilization". */
  resources: {
    /** Process CPU time ÷ wall time while recording, in percent of one core. */
    cpuAveragePercent: number | null;
    rssAverageMb: number | null;
    rssPeakMb: number | null;
    memorySamples: number;
    /** Size of the output JSONL after the run, when the caller measured it. */
    outputBytes: number | null;
    /** `outputBytes` ÷ records in the output (already done + succeeded). */
    bytesPerArtist: number | null;
    storagePer10kArtistsMb: number | null;
  };
  pauseAccuracy: {
    /** Configured threshold in percent, when known. */
    thresholdPercent: number | null;
    entries: PauseAccuracyEntry[];
  };
  quotaEvents: QuotaEventEntry[];
  /** Configuration of the run, secrets masked. */
  config: Record<string, string | number | boolean | null>;
  /** Disagreements between the runner's summary and the observed events, and other caveats. */
  notes: string[];
  /** Mode, spend, saving against standard prices and batches (docs/batch.md#report); absent in reports rebuilt from files. */
  billing?: BillingReport;
  /** The run's activity over time (bounded), for the HTML report's charts. */
  timeline?: TimelineData;
}
