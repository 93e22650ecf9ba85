/**
 * The `--dry-run` estimate of a job's tokens and dollars (docs/costs.md#the-estimate). Pure: the
 * caller counts each request's input tokens with the model's tokenizer and feeds them to a
 * {@link InputTally}; {@link estimateJob} turns the totals and the template's output caps into
 * expected and worst-case figures per tier.
 */
import { roundUsd } from './cost.js';
import { TIERS, type ModelPrice, type Tier } from './prices.js';

/**
 * Share of the output cap an answer is expected to use, reasoning included. The shipped
 * template asks for 120–220 words (about 230 text tokens) under a 1,000-token cap, and low-effort
 * reasoning adds about as much again: half the cap (docs/costs.md#the-estimate).
 */
export const EXPECTED_OUTPUT_SHARE = 0.5;

/** Running totals of the requests of a job, one {@link add} per request. */
export class InputTally {
  /** Requests counted. */
  requests = 0;
  /** Input tokens of every measured request. */
  inputTokens = 0;
  /** Largest input of one request. */
  maxInputTokens = 0;
  /** Requests whose input cannot be counted locally (a stored prompt lives on the server). */
  unmeasured = 0;

  /** Counts one request of `tokens` input tokens (undefined = not measurable). */
  add(tokens: number | undefined): void {
    this.requests++;
    if (tokens === undefined) {
      this.unmeasured++;
      return;
    }
    this.inputTokens += tokens;
    if (tokens > this.maxInputTokens) this.maxInputTokens = tokens;
  }
}

/** What {@link estimateJob} needs besides the tally. */
export interface EstimateOptions {
  /** `max_output_tokens` of each request; undefined when the prompt sets none. */
  outputCap: number | undefined;
  /**
   * Cap of the one larger-cap retry an answer cut off at `outputCap` gets; undefined when no
   * such retry can happen.
   */
  retryCap: number | undefined;
  /** Price of the model on each tier; a missing tier has no cost figure. */
  prices: Partial<Record<Tier, ModelPrice>>;
  /** Share of the cap an answer is expected to use. @default EXPECTED_OUTPUT_SHARE */
  expectedOutputShare?: number;
}

/** Dollars of the job on one tier. */
export interface TierEstimate {
  tier: Tier;
  /** At the expected output, every input token uncached. */
  expectedUsd: number;
  /** Every request at its worst case: the whole cap, then the larger-cap retry when one can happen. */
  worstUsd: number;
}

/** The estimate of a whole job. */
export interface JobEstimate {
  /** Requests the job sends when every answer comes back whole (one per artist). */
  requests: number;
  /** Requests at worst: each artist's larger-cap retry included. */
  worstRequests: number;
  /** Input tokens of every request, counted with the model's tokenizer. */
  inputTokens: number;
  /** Input tokens at worst: the retried requests send their input again. */
  worstInputTokens: number;
  /** Largest input of one request. */
  maxInputTokens: number;
  /** Requests whose input could not be counted (stored prompt); their input is missing from the totals. */
  unmeasured: number;
  /** Output tokens expected (cap × share); undefined without a cap. */
  expectedOutputTokens: number | undefined;
  /** Output tokens at worst (every cap used, retries included); undefined without a cap. */
  worstOutputTokens: number | undefined;
  /** Cost per tier, for the tiers with a price (standard, flex, batch order). */
  tiers: TierEstimate[];
}

const PER_TOKEN = 1 / 1_000_000;

const dollars = (input: number, output: number, price: ModelPrice): number =>
  roundUsd((input * price.input + output * price.output) * PER_TOKEN);

/**
 * Expected and worst-case tokens and dollars of a job. The expected case sends each request once
 * and uses `expectedOutputShare` of the cap; the worst case uses the whole cap and, when a
 * larger-cap retry exists, sends each request a second time using the whole larger cap. Retries
 * after errors are not counted: an error answer is not billed. Without a cap no output figure
 * (and no cost) can be given.
 */
export function estimateJob(tally: InputTally, options: EstimateOptions): JobEstimate {
  const share = options.expectedOutputShare ?? EXPECTED_OUTPUT_SHARE;
  const cap = options.outputCap;
  const retry = cap !== undefined && options.retryCap !== undefined && options.retryCap > cap;
  const expectedOutputTokens = cap === undefined ? undefined : Math.round(tally.requests * cap * share);
  const worstOutputTokens =
    cap === undefined ? undefined : tally.requests * (cap + (retry ? (options.retryCap ?? 0) : 0));
  const worstInputTokens = tally.inputTokens * (retry ? 2 : 1);
  const tiers: TierEstimate[] = [];
  for (const tier of TIERS) {
    const price = options.prices[tier];
    if (price === undefined || expectedOutputTokens === undefined || worstOutputTokens === undefined) continue;
    tiers.push({
      tier,
      expectedUsd: dollars(tally.inputTokens, expectedOutputTokens, price),
      worstUsd: dollars(worstInputTokens, worstOutputTokens, price),
    });
  }
  return {
    requests: tally.requests,
    worstRequests: tally.requests * (retry ? 2 : 1),
    inputTokens: tally.inputTokens,
    worstInputTokens,
    maxInputTokens: tally.maxInputTokens,
    unmeasured: tally.unmeasured,
    expectedOutputTokens,
    worstOutputTokens,
    tiers,
  };
}
