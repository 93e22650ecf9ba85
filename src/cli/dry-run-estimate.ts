/**
 * `--dry-run`: the estimate of the whole job (docs/costs.md#the-estimate). One more streaming
 * pass over the input builds each request exactly as the run would and counts its input with the
 * model's tokenizer; the pure parts (`estimateJob`, `estimateDuration`) do the arithmetic and
 * this file only gathers and formats. Nothing is sent and nothing is written.
 */
import type { RunConfig } from '../config/index.js';
import type { RunEmitter } from '../core/events.js';
import {
  encodingFor,
  estimateJob,
  EXPECTED_OUTPUT_SHARE,
  InputTally,
  loadCounter,
  requestInputTokens,
  requestOutputCap,
  type JobEstimate,
  type ModelPrice,
  type Pricer,
  type Tier,
} from '../cost/index.js';
import type { OutputPaths } from '../output/index.js';
import type { PreparedRequest, RequestBuilder } from '../prompt/index.js';
import { estimateDuration, type DurationEstimate, type RateLimits } from '../quota/index.js';
import { knownLimits, type KnownLimits } from './dry-run-limits.js';
import { formatEstimate } from './dry-run-format.js';
import { artistsToDo, type RunInputScan } from './input-scan.js';

/** Everything the dry run found out, as printed (text) or written as JSON (`--log-format json`). */
export interface DryRunEstimate {
  /** What builds the requests, e.g. `template built-in (gpt-6-luna, effort low)`. */
  label: string;
  model: string | undefined;
  /** Tokenizer encoding the input was counted with. */
  encoding: string;
  /** Share of the cap the expected output assumes. */
  expectedOutputShare: number;
  outputCap: number | undefined;
  /** Cap of the one larger-cap retry, when one can happen. */
  retryCap: number | undefined;
  tokens: JobEstimate;
  duration: DurationEstimate;
  limits: KnownLimits;
  dailyLimit: number | undefined;
  threshold: number;
  pauseDurationHours: number;
}

/** What {@link estimateDryRun} reads besides the settings. */
export interface DryRunSources {
  builder: RequestBuilder;
  pricer: Pricer;
  scan: RunInputScan;
  paths: OutputPaths;
  events: RunEmitter;
  env: Readonly<Record<string, string | undefined>>;
  /** Epoch ms now (for today's count in the ledger). */
  now: number;
  /** Limits of the built-in simulator, used with `--simulate`. */
  simulatedLimits: RateLimits;
}

function tierPrices(pricer: Pricer, model: string | undefined): Partial<Record<Tier, ModelPrice>> {
  // One lookup first: an unknown model gets its single warning, not one per tier.
  if (model === undefined || pricer.price(model, 'standard') === undefined) return {};
  const prices: Partial<Record<Tier, ModelPrice>> = {};
  for (const tier of ['standard', 'flex', 'batch'] as const) {
    const price = pricer.price(model, tier);
    if (price !== undefined) prices[tier] = price;
  }
  return prices;
}

/** Streams the input once more, counting every request, and estimates tokens, dollars and time. */
export async function estimateDryRun(config: RunConfig, sources: DryRunSources): Promise<DryRunEstimate> {
  const { builder, scan } = sources;
  const firstArtist = scan.preview[0];
  const model = firstArtist === undefined ? config.model : (builder.build(firstArtist).record.model ?? config.model);
  const count = await loadCounter(model ?? '');
  const tally = new InputTally();
  let first: PreparedRequest | undefined;
  for await (const artist of artistsToDo(scan.plan, undefined, sources.events, scan.shard?.shard)) {
    const request = builder.build(artist);
    first ??= request;
    tally.add(requestInputTokens(request, count));
  }
  const outputCap = builder.maxOutputTokens;
  const raised = first === undefined ? undefined : builder.raiseOutputCap(first);
  const retryCap = raised === undefined ? undefined : requestOutputCap(raised);
  const tokens = estimateJob(tally, { outputCap, retryCap, prices: tierPrices(sources.pricer, model) });
  const limits = await knownLimits(config, sources.paths, sources.env, sources.now, sources.simulatedLimits);
  const averageInput = tally.requests === 0 ? 0 : tally.inputTokens / tally.requests;
  const duration = estimateDuration({
    requests: tokens.requests,
    dailyLimit: config.dailyLimit,
    threshold: config.quotaThreshold,
    pauseDurationHours: config.pauseDuration,
    usedToday: limits.usedToday,
    limits: limits.limits,
    tokensPerRequest: averageInput + (outputCap ?? 0),
    rateShare: config.rateShare,
  });
  return {
    label: builder.label,
    model,
    encoding: encodingFor(model ?? ''),
    expectedOutputShare: EXPECTED_OUTPUT_SHARE,
    outputCap,
    retryCap,
    tokens,
    duration,
    limits,
    dailyLimit: config.dailyLimit,
    threshold: config.quotaThreshold,
    pauseDurationHours: config.pauseDuration,
  };
}

/** The dry run's stdout: the text estimate, or one JSON document with `--log-format json`. */
export function dryRunOutput(
  estimate: DryRunEstimate,
  preview: string,
  payloads: readonly unknown[],
  json: boolean,
): string {
  if (json)
    return `${JSON.stringify({ dry_run: true, ...estimate, payloads }, (_key, value: unknown) => value ?? null)}\n`;
  return `${preview}\n\n${formatEstimate(estimate)}\n`;
}
