/** Shape of an exponential backoff schedule. */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay in ms. */
  baseMs: number;
  /** Largest ceiling any retry can reach, in ms. */
  capMs: number;
}

/** Backoff for 5xx, network, timeout, malformed and incomplete answers. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/** Backoff for 503 `server_is_overloaded`: the server asked for room, so wait longer. */
export const OVERLOADED_BACKOFF: BackoffOptions = { baseMs: 2000, capMs: 60_000 };

/**
 * Backoff for a 429 that came without any hint (no retry-after, no reset header). Its `attempt`
 * counts consecutive 429s of the whole run, not of one artist.
 */
export const RATE_LIMIT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 60_000 };

/**
 * Exponential backoff with full jitter: `random() × min(capMs, baseMs × 2^(attempt − 1))`.
 * Full jitter spreads the retries of many workers that failed together across the whole interval
 * instead of letting them return in a wave.
 *
 * @param attempt 1-based number of the attempt that just failed
 * @param random a source of numbers in [0, 1) @default Math.random
 * @returns the delay in ms (0 ≤ delay < ceiling)
 */
export function computeBackoff(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  // A misbehaving random source must not produce negative or oversized delays.
  const r = Math.min(1, Math.max(0, random()));
  return r * backoffCeiling(attempt, options);
}

/** The upper bound of {@link computeBackoff} for `attempt`. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2^exponent overflows to Infinity for absurd attempt numbers; min() then picks the cap.
  return Math.min(options.capMs, options.baseMs * 2 ** exponent);
}
