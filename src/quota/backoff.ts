import type { BackoffOptions } from '../core/backoff.js';

// The formula is shared with the store's database retries (src/core/backoff.ts).
export { backoffCeiling, computeBackoff, type BackoffOptions } from '../core/backoff.js';

/** Backoff for 5xx, network, timeout, malformed and incomplete answers. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/** Backoff for 503 `server_is_overloaded`: the server asked for room, so wait longer. */
export const OVERLOADED_BACKOFF: BackoffOptions = { baseMs: 2000, capMs: 60_000 };

/**
 * Backoff for a 429 that came without any hint (no retry-after, no reset header). Its `attempt`
 * counts consecutive 429s of the whole run, not of one artist.
 */
export const RATE_LIMIT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 60_000 };
