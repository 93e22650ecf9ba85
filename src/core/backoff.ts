/**
 * The one exponential-backoff formula of the project. The quota layer (API retries, see
 * src/quota/backoff.ts) and the store (database retries, src/store/retry.ts) pick their own
 * numbers and jitter; the growth and the cap are computed here.
 */

/** Shape of an exponential backoff schedule. */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay in ms. */
  baseMs: number;
  /** Largest ceiling any retry can reach, in ms. */
  capMs: number;
  /** Growth of the ceiling from one retry to the next. @default 2 */
  factor?: number;
}

/**
 * The delay ceiling for `attempt`: `min(capMs, baseMs × factor^(attempt − 1))`.
 *
 * @param attempt 1-based number of the attempt that just failed
 */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // factor^exponent overflows to Infinity for absurd attempt numbers; min() then picks the cap.
  return Math.min(options.capMs, options.baseMs * (options.factor ?? 2) ** exponent);
}

// A misbehaving random source must not produce negative or oversized delays.
const unit = (random: () => number): number => Math.min(1, Math.max(0, random()));

/**
 * Exponential backoff with full jitter: a uniform delay in `[0, ceiling)`. Full jitter spreads the
 * retries of many workers that failed together across the whole interval instead of letting them
 * return in a wave.
 *
 * @param attempt 1-based number of the attempt that just failed
 * @param random a source of numbers in [0, 1) @default Math.random
 * @returns the delay in ms (0 ≤ delay < ceiling)
 */
export function computeBackoff(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  return unit(random) * backoffCeiling(attempt, options);
}

/**
 * Exponential backoff with proportional jitter: the ceiling ± `spread` of it, rounded to whole ms.
 * Suits a single caller (one database connection) that only needs to avoid lock-step retries.
 *
 * @param spread share of the ceiling the delay may move either way @default 0.2
 * @param random a source of numbers in [0, 1) @default Math.random
 */
export function jitteredBackoff(
  attempt: number,
  options: BackoffOptions,
  spread = 0.2,
  random: () => number = Math.random,
): number {
  return Math.round(backoffCeiling(attempt, options) * (1 - spread + 2 * spread * unit(random)));
}
