import type { TokenUsage } from '../core/types.js';
import { costOf } from './cost.js';
import { priceFor, unknownPriceMessage, type ModelPrice, type PriceTable, type Tier } from './prices.js';

/** Prices responses of one run, warning once per model the table does not know. */
export interface Pricer {
  /** The tier requests are billed at. */
  readonly tier: Tier;
  /** Price of `model` on the run's tier (warns once when unknown). */
  price(model: string): ModelPrice | undefined;
  /** Dollars billed for `usage`, or null when `model` has no price. */
  costOf(usage: TokenUsage, model: string): number | null;
}

/**
 * Creates the pricer of a run.
 *
 * @param warn receives the one warning per unknown model
 */
export function createPricer(table: PriceTable, tier: Tier, warn: (message: string) => void): Pricer {
  const warned = new Set<string>();
  const price = (model: string): ModelPrice | undefined => {
    const found = priceFor(model, tier, table);
    if (found === undefined && !warned.has(model)) {
      warned.add(model);
      warn(unknownPriceMessage(model, tier));
    }
    return found;
  };
  return {
    tier,
    price,
    costOf(usage, model) {
      const p = price(model);
      return p === undefined ? null : costOf(usage, p);
    },
  };
}
