export { costOf, formatUsd, roundUsd, worstCaseCost } from './cost.js';
export type { CostUsage } from './cost.js';
export { loadPriceTable, parsePriceFile } from './price-file.js';
export { priceFor, priceKey, SHIPPED_PRICES, TIERS, unknownPriceMessage } from './prices.js';
export type { ModelPrice, ModelPrices, PriceTable, Tier } from './prices.js';
export { countTokens, encodingFor, loadCounter } from './tokens.js';
export type { EncodingName } from './tokens.js';
export { createPricer } from './pricer.js';
export type { Pricer } from './pricer.js';
