/**
 * Flex processing in the simulator: requests with `service_tier: "flex"` are sometimes refused
 * with OpenAI's unbilled "429 Resource Unavailable", at a configurable share, drawn from a PRNG
 * of their own so the other faults keep their sequence. See docs/flex.md.
 */
import { errorBody } from './error-bodies.js';
import type { ApiErrorBody } from './error-bodies.js';
import { createPrng } from './prng.js';

/** The error code of a flex capacity refusal. */
export const RESOURCE_UNAVAILABLE = 'resource_unavailable';

/** 429 body of a flex request refused for lack of capacity (not charged, not a rate limit). */
export function resourceUnavailableBody(): ApiErrorBody {
  return errorBody(
    'Resource unavailable: flex processing has no capacity for this request right now. ' +
      'You were not charged for it. Please retry later, or send it with the default service tier.',
    'resource_unavailable',
    RESOURCE_UNAVAILABLE,
  );
}

/** Flex counters in `/__stats`. */
export interface FlexStatsSnapshot {
  /** Generation requests by the `service_tier` they asked for (`"flex"`, `"default"`, `"auto"`, `"none"`). */
  requestsByTier: Record<string, number>;
  /** Flex requests refused with 429 resource_unavailable. */
  resourceUnavailable: number;
}

/** Flex state of one simulator. */
export class FlexState {
  #random: () => number;
  #seed: number;
  #byTier = new Map<string, number>();
  #unavailable = 0;

  constructor(seed: number) {
    this.#seed = seed;
    this.#random = createPrng(seed ^ 0x5eed_f1e7);
  }

  /**
   * Notes a generation request asking for `tier` and says whether to refuse it: only flex
   * requests are refused, at `rate`.
   */
  refuse(tier: string | undefined, rate: number): boolean {
    const name = tier ?? 'none';
    this.#byTier.set(name, (this.#byTier.get(name) ?? 0) + 1);
    if (tier !== 'flex' || rate <= 0) return false;
    const refused = this.#random() < rate;
    if (refused) this.#unavailable++;
    return refused;
  }

  /** A copy of the counters. */
  snapshot(): FlexStatsSnapshot {
    return { requestsByTier: Object.fromEntries(this.#byTier), resourceUnavailable: this.#unavailable };
  }

  /** Zero counters, PRNG re-seeded. */
  reset(): void {
    this.#byTier.clear();
    this.#unavailable = 0;
    this.#random = createPrng(this.#seed ^ 0x5eed_f1e7);
  }
}
