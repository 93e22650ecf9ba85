/**
 * Pure arithmetic and wording of the daily budget: where the threshold pause falls, which
 * warnings a new count crosses, and the messages that tell the user how to resume.
 */

// Guards ceil() against binary fractions: 0.7 × 10 is 7.000000000000001 in floating point.
const EPSILON = 1e-9;

/** Count at which `fraction` of `limit` is reached: `ceil(fraction × limit)`, at least 1. */
export function budgetPoint(fraction: number, limit: number): number {
  return Math.max(1, Math.ceil(fraction * limit - EPSILON));
}

/**
 * Percentages whose warning the count `used` has just reached (the previous count was below):
 * each 10 % step from 50 % to 100 %, and the threshold itself (once, if it is not already one
 * of the steps).
 */
export function warningSteps(used: number, limit: number, threshold: number): number[] {
  const reached = (fraction: number): boolean => used === budgetPoint(fraction, limit);
  const steps: number[] = [];
  for (let percent = 50; percent <= 100; percent += 10) {
    if (reached(percent / 100)) steps.push(percent);
  }
  const thresholdPercent = Math.round(threshold * 10_000) / 100;
  if (reached(threshold) && !steps.includes(thresholdPercent)) steps.push(thresholdPercent);
  return steps.sort((a, b) => a - b);
}

/** The reason part of a PAUSED line: `Daily quota 20.0% used (limit: 50)`. */
export function pauseMessage(used: number, limit: number): string {
  return `Daily quota ${((used / limit) * 100).toFixed(1)}% used (limit: ${limit})`;
}

/** Human wait such as `5h 12m`, `3m 20s` or `45s`. */
export function formatWait(ms: number): string {
  const totalSeconds = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${seconds}s`;
  return `${seconds}s`;
}

/** Countdown line logged while waiting at the hard daily limit. */
export function countdownMessage(used: number, limit: number, resumeAt: number, now: number): string {
  return (
    `Daily request limit reached (${used}/${limit} requests today). Waiting for the next UTC day: ` +
    `resuming at ${new Date(resumeAt).toISOString()} (in ${formatWait(resumeAt - now)}). ` +
    'Ctrl+C stops safely at any time; run again with --resume to continue later.'
  );
}

/** Message of the QuotaStopError raised at the hard limit with `--on-daily-limit exit`. */
export function dailyStopMessage(used: number, limit: number, day: string, now: number, nextDay: number): string {
  return (
    `Daily request limit reached: ${used}/${limit} requests used today (UTC ${day}). Stopping as ` +
    `--on-daily-limit exit asks. Run again with --resume after ${new Date(nextDay).toISOString()} ` +
    `(the next UTC day, in ${formatWait(nextDay - now)}) to continue where this run stopped.`
  );
}
