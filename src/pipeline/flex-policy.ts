/**
 * Flex mode's answer to "429 Resource Unavailable": that one request backs off on its own
 * (exponential, with jitter) and, when asked, falls back to the standard tier after N refusals.
 * It is not a rate limit, so it never holds other workers off. See docs/flex.md.
 */
import type { OutputRecord, ProviderSuccess } from '../core/types.js';

/** Flex settings of a run. */
export interface FlexOptions {
  /** After `fallbackAfter` refusals: `wait` keeps asking for flex, `standard` sends at the default tier. */
  fallback: 'wait' | 'standard';
  /** Refusals of one artist before the fallback applies. */
  fallbackAfter: number;
  /** First back-off after a refusal, in ms. @default 1000 */
  baseDelayMs?: number;
  /** Longest back-off between two tries, in ms. @default 60000 */
  maxDelayMs?: number;
  /** Uniform draws in [0, 1) for the jitter. @default Math.random */
  random?: () => number;
}

/** What to do after a flex refusal. */
export interface FlexStep {
  /** Wait this long before the next try. */
  delayMs: number;
  /** Tier of the next try. */
  tier: 'flex' | 'default';
}

/**
 * The next step after the `refusals`-th "resource unavailable" answer (1-based) of one artist.
 * The delay doubles from `baseDelayMs` up to `maxDelayMs`, jittered to 50–100 % so refused
 * workers do not come back together; the fallback to the default tier goes at once.
 */
export function flexRetry(refusals: number, options: FlexOptions): FlexStep {
  if (options.fallback === 'standard' && refusals >= options.fallbackAfter) return { delayMs: 0, tier: 'default' };
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 60_000;
  const full = Math.min(max, base * 2 ** Math.min(30, Math.max(0, refusals - 1)));
  const random = options.random ?? Math.random;
  return { delayMs: Math.round(full * (0.5 + random() * 0.5)), tier: 'flex' };
}

/** The price tier of a flex-mode answer: flex when the response says it was served at flex, else standard. */
export function flexBilledTier(result: ProviderSuccess): 'flex' | 'standard' {
  return result.serviceTier === 'flex' ? 'flex' : 'standard';
}

/** Marks a flex-mode output line with its mode and the tier the response reports. */
export function markFlexRecord(record: OutputRecord, result: ProviderSuccess, asked: 'flex' | 'default'): void {
  record.mode = 'flex';
  record.service_tier = result.serviceTier ?? asked;
}
