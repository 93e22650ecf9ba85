import type { TokenUsage } from '../core/types.js';
import { costOf } from './cost.js';
import { priceFor, unknownPriceMessage, type ModelPrice, type PriceTable, type Tier } from './prices.js';

/** Prices responses of one run, warning once per model the table does not know. */
export interface Pricer {
  /** The tier requests are billed at. */
  readonly tier: Tier;
  /** Price of `model` on `tier` (warns once when unknown). @default tier the run's tier */
  price(model: string, tier?: Tier): ModelPrice | undefined;
  /**
   * Dollars billed for `usage`, or null when `model` has no price.
   * @default tier the run's tier (flex lines pass the tier their response reports)
   */
  costOf(usage: TokenUsage, model: string, tier?: Tier): number | null;
}

/**
 * Creates the pricer of a run.
 *
 * @param warn receives the one warning per unknown model
 */
export function createPricer(table: PriceTable, tier: Tier, warn: (message: string) => void): Pricer {
  const warned = new Set<string>();
  const price = (model: string, on: Tier = tier): ModelPrice | undefined => {
    const found = priceFor(model, on, table);
    if (found === undefined && !warned.has(`${on}:${model}`)) {
      warned.add(`${on}:${model}`);
      warn(unknownPriceMessage(model, on));
    }
    return found;
  };
  return {
    tier,
    price,
    costOf(usage, model, on = tier) {
      const p = price(model, on);
      return p === undefined ? null : costOf(usage, p);
    },
  };
}
