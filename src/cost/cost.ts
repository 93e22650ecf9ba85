import type { ModelPrice } from './prices.js';

/** Token counts a cost is computed from (the shape of a response's `usage`). */
export interface CostUsage {
  input_tokens: number;
  output_tokens: number;
  /** Input tokens served from the prompt cache (a part of `input_tokens`). @default 0 */
  cached_input_tokens?: number | undefined;
}

const PER_TOKEN = 1 / 1_000_000;

/**
 * Dollars billed for `usage` at `price`: uncached input at the input rate, cached input at the
 * cached rate, output (reasoning included) at the output rate. Rounded to 1e-9 USD so sums of
 * many lines stay exact enough to compare.
 */
export function costOf(usage: CostUsage, price: ModelPrice): number {
  const cached = Math.min(Math.max(0, usage.cached_input_tokens ?? 0), usage.input_tokens);
  const usd =
    ((usage.input_tokens - cached) * price.input + cached * price.cachedInput + usage.output_tokens * price.output) *
    PER_TOKEN;
  return roundUsd(usd);
}

/**
 * Largest amount a request can cost before it is sent: every input token uncached plus the
 * whole output cap.
 */
export function worstCaseCost(inputTokens: number, maxOutputTokens: number, price: ModelPrice): number {
  return roundUsd((inputTokens * price.input + maxOutputTokens * price.output) * PER_TOKEN);
}

/** Rounds to a billionth of a dollar (well below any price step) to keep sums stable. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}

/** `$0.0123` with enough digits to see small sums, for messages and summaries. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0.00';
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`;
  if (Math.abs(usd) >= 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(6)}`;
}
