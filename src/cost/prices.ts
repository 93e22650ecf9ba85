/**
 * The shipped price table and price lookup. Prices are US dollars per 1 million tokens, as
 * OpenAI publishes them; see docs/costs.md for the sources and how to override them.
 */

/** Processing tier of a request: synchronous standard, Flex (`service_tier: "flex"`) or Batch API. */
export type Tier = 'standard' | 'flex' | 'batch';

/** Every tier, cheapest last. */
export const TIERS: readonly Tier[] = ['standard', 'flex', 'batch'];

/** Price of one model on one tier, in US dollars per 1 million tokens. */
export interface ModelPrice {
  /** Uncached input tokens. */
  input: number;
  /** Input tokens served from the prompt cache. */
  cachedInput: number;
  /** Output tokens, reasoning tokens included. */
  output: number;
}

/** Prices of one model: standard always, flex and batch when the table says so. */
export interface ModelPrices {
  standard: ModelPrice;
  flex?: ModelPrice;
  batch?: ModelPrice;
}

/** Model name → prices. */
export type PriceTable = Readonly<Record<string, ModelPrices>>;

// Flex and Batch are billed at half the standard rate for every model in the shipped table.
const half = (p: ModelPrice): ModelPrice => ({
  input: p.input / 2,
  cachedInput: p.cachedInput / 2,
  output: p.output / 2,
});
const discounted = (standard: ModelPrice): ModelPrices => ({ standard, flex: half(standard), batch: half(standard) });

/**
 * Prices shipped with the tool, checked against OpenAI's model pages on 2026-12-01. Only text
 * tokens of short prompts (at most 272K input tokens) are covered: a bio request never comes near.
 */
export const SHIPPED_PRICES: PriceTable = {
  'gpt-6-luna': discounted({ input: 0.1, cachedInput: 0.01, output: 0.5 }),
  'gpt-6-sol': discounted({ input: 2, cachedInput: 0.2, output: 10 }),
  'gpt-5.6-luna': discounted({ input: 0.2, cachedInput: 0.02, output: 1.2 }),
  'gpt-4o-mini': discounted({ input: 0.15, cachedInput: 0.075, output: 0.6 }),
  'gpt-4o': discounted({ input: 2.5, cachedInput: 1.25, output: 10 }),
  'gpt-4.1-mini': discounted({ input: 0.4, cachedInput: 0.1, output: 1.6 }),
  'gpt-4.1-nano': discounted({ input: 0.1, cachedInput: 0.025, output: 0.4 }),
};

// Dated snapshots such as `gpt-4o-mini-2024-07-18` are priced like their alias.
const SNAPSHOT_SUFFIX = /-\d{4}-\d{2}-\d{2}$/;

/** The table key that prices `model`: the exact name, else the name without a snapshot date. */
export function priceKey(model: string, table: PriceTable = SHIPPED_PRICES): string | undefined {
  if (Object.hasOwn(table, model)) return model;
  const alias = model.replace(SNAPSHOT_SUFFIX, '');
  return alias !== model && Object.hasOwn(table, alias) ? alias : undefined;
}

/**
 * Price of `model` on `tier`, or undefined when the table does not know the model or has no
 * price for that tier. Never guesses: an unknown model has no price.
 */
export function priceFor(model: string, tier: Tier, table: PriceTable = SHIPPED_PRICES): ModelPrice | undefined {
  const key = priceKey(model, table);
  if (key === undefined) return undefined;
  return table[key]?.[tier];
}

/** The one warning for a model the price table does not know: says what is lost and how to fix it. */
export function unknownPriceMessage(model: string, tier: Tier): string {
  return (
    `No ${tier} price known for model "${model}": its cost is not counted (cost_usd is null) and ` +
    'cost limits cannot be enforced for it. Give its price with --prices FILE (see docs/costs.md).'
  );
}
