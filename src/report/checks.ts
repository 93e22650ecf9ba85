import { formatNumber } from './format.js';
import type { CheckStatus, MetricCheck, PauseAccuracyEntry } from './types.js';

/** Targets of the test plan's "Metrics to Record" table. */
export const TARGETS = {
  /** Success rate must be 100 %. */
  successRatePercent: 100,
  /** Average wall time per artist below 2 s. */
  avgTimePerArtistMs: 2000,
  /** Whole run below 5 minutes. */
  totalDurationMs: 5 * 60_000,
  /** Peak resident memory below 500 MB. */
  memoryPeakMb: 500,
  /** Artist error rate below 1 %. */
  errorRatePercent: 1,
  /** Usage at a threshold pause within ±5 percentage points of the threshold. */
  pauseAccuracyPoints: 5,
} as const;

/** Figures the checks are computed from. */
export interface CheckInputs {
  succeeded: number;
  failed: number;
  notAttempted: number;
  /** Wall time of the run, pauses excluded (a configured pause is not slowness). */
  durationMs: number;
  /** Wall time per processed artist, pauses excluded. */
  averagePerArtistMs: number | null;
  /**
   * True when the run ended early on purpose or by a planned stop (signal, quota stop): its
   * success rate and total duration say nothing about the tool, so they are `n/a`.
   */
  stoppedEarly?: boolean;
  peakRssMb: number | null;
  thresholdPercent: number | null;
  pauses: readonly PauseAccuracyEntry[];
}

function status(value: number | null, passes: (value: number) => boolean): CheckStatus {
  if (value === null) return 'n/a';
  return passes(value) ? 'pass' : 'fail';
}

/**
 * Computes the six rows of "Metrics to Record". Success rate counts every artist this run had to
 * do; error rate counts failures among the artists that were actually processed. Durations leave
 * pauses out; a run stopped early has no meaningful success rate or total duration (`n/a`).
 */
export function computeChecks(input: CheckInputs): MetricCheck[] {
  const planned = input.succeeded + input.failed + input.notAttempted;
  const processed = input.succeeded + input.failed;
  const early = input.stoppedEarly === true;
  const successRate = planned === 0 || early ? null : (input.succeeded / planned) * 100;
  const errorRate = processed === 0 ? null : (input.failed / processed) * 100;
  const avgSeconds = input.averagePerArtistMs === null ? null : input.averagePerArtistMs / 1000;
  const minutes = early ? null : input.durationMs / 60_000;
  const earlyNote = ' (stopped early)';

  // The worst threshold pause decides; its usage is shown so the row reads like the plan's.
  let worst: PauseAccuracyEntry | undefined;
  for (const entry of input.pauses) {
    if (worst === undefined || Math.abs(entry.deviationPoints) > Math.abs(worst.deviationPoints)) worst = entry;
  }
  const deviation = worst === undefined ? null : worst.deviationPoints;
  const thresholdText = input.thresholdPercent === null ? 'threshold' : `${formatNumber(input.thresholdPercent, 1)}%`;

  return [
    {
      id: 'success_rate',
      metric: 'Success Rate',
      target: '100%',
      actual:
        successRate === null
          ? `n/a${early ? ` (${input.succeeded}/${planned}, stopped early)` : ''}`
          : `${formatNumber(successRate, 1)}% (${input.succeeded}/${planned})`,
      value: successRate,
      unit: '%',
      status: status(successRate, (v) => v >= TARGETS.successRatePercent),
    },
    {
      id: 'avg_time_per_artist',
      metric: 'Avg Time/Artist',
      target: '<2s',
      actual: avgSeconds === null ? 'n/a' : `${formatNumber(avgSeconds, 2)}s`,
      value: avgSeconds,
      unit: 's',
      status: status(input.averagePerArtistMs, (v) => v < TARGETS.avgTimePerArtistMs),
    },
    {
      id: 'total_duration',
      metric: 'Total Duration',
      target: '<5min',
      actual: minutes === null ? `n/a${earlyNote}` : `${formatNumber(minutes, 2)}min`,
      value: minutes,
      unit: 'min',
      status: status(minutes === null ? null : input.durationMs, (v) => v < TARGETS.totalDurationMs),
    },
    {
      id: 'memory_peak',
      metric: 'Memory Peak',
      target: '<500MB',
      actual: input.peakRssMb === null ? 'n/a' : `${formatNumber(input.peakRssMb, 1)}MB`,
      value: input.peakRssMb,
      unit: 'MB',
      status: status(input.peakRssMb, (v) => v < TARGETS.memoryPeakMb),
    },
    {
      id: 'error_rate',
      metric: 'Error Rate',
      target: '<1%',
      actual: errorRate === null ? 'n/a' : `${formatNumber(errorRate, 1)}% (${input.failed}/${processed})`,
      value: errorRate,
      unit: '%',
      status: status(errorRate, (v) => v < TARGETS.errorRatePercent),
    },
    {
      id: 'pause_accuracy',
      metric: 'Pause Accuracy',
      target: '±5% of threshold',
      actual:
        worst === undefined
          ? 'n/a (no threshold pause)'
          : `${formatNumber(worst.usagePercent, 1)}% at pause vs ${thresholdText} (${formatSigned(worst.deviationPoints)} pts)`,
      value: deviation,
      unit: 'points',
      status: status(deviation, (v) => Math.abs(v) <= TARGETS.pauseAccuracyPoints + 1e-9),
    },
  ];
}

function formatSigned(value: number): string {
  return `${value >= 0 ? '+' : '−'}${formatNumber(Math.abs(value), 1)}`;
}
