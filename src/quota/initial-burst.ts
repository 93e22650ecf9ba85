import { DEFAULT_OUTPUT_CHARGE } from './windows.js';

/**
 * Tokens a minute of the smallest paid OpenAI tier for the small models (200,000 TPM at tier 1).
 * Before the first answer shows the key's limits, a run must assume a provider that may enforce
 * this per second (docs/pacing.md#concurrency).
 */
export const CONSERVATIVE_TOKENS_PER_MINUTE = 200_000;

/** Most requests of the initial burst, whatever their token charge. */
export const MAX_INITIAL_BURST = 8;

/**
 * Requests a fresh run sends before any limit is known: as many up-front token charges (the
 * output cap, or {@link DEFAULT_OUTPUT_CHARGE} when the request sets none) as fit one second of
 * {@link CONSERVATIVE_TOKENS_PER_MINUTE}, between 1 and {@link MAX_INITIAL_BURST}. The provider
 * holds each charge until it answers, so a larger burst into a per-second token bucket would
 * only buy 429s.
 *
 * @param maxOutputTokens output cap of each request; undefined when none is sent
 */
export function initialBurst(maxOutputTokens: number | undefined): number {
  const charge = maxOutputTokens ?? DEFAULT_OUTPUT_CHARGE;
  if (!(charge > 0)) return MAX_INITIAL_BURST;
  const fits = Math.floor(CONSERVATIVE_TOKENS_PER_MINUTE / 60 / charge);
  return Math.max(1, Math.min(MAX_INITIAL_BURST, fits));
}
