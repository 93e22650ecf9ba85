/**
 * The batch branch of `run` (`--mode batch`): opens the job state next to the output, drives the
 * batch loop with the run's sinks; the summary and report say what it cost (docs/batch.md#report).
 * See docs/batch.md.
 */
import { unlinkSync } from 'node:fs';
import {
  createOpenAIBatchApi,
  emptyJobState,
  jobStatePath,
  loadJobState,
  runBatchJob,
  BatchSpend,
  type BatchRunResult,
} from '../batch/index.js';
import type { RunConfig } from '../config/index.js';
import type { Pricer } from '../cost/pricer.js';
import { worstCaseCost, type MeasuringBuilder } from '../cost/index.js';
import type { Clock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import type { RunEmitter } from '../core/events.js';
import type { Artist, DbStatus } from '../core/types.js';
import type { ResultSink } from '../pipeline/index.js';
import { SpendGuard, type QuotaLedger, type SpendOptions } from '../quota/index.js';

/** What the batch branch needs from `run`'s composition. */
export interface BatchBranch {
  config: RunConfig;
  clock: Clock;
  events: RunEmitter;
  sink: ResultSink;
  builder: MeasuringBuilder;
  pricer: Pricer;
  output: string;
  apiKey: string;
  baseURL: string | undefined;
  initialDbStatus: DbStatus | null;
  signal: AbortSignal;
  /** The key ledger and the run's dollar limits; reservations are made at batch prices. */
  budget: { ledger: QuotaLedger; spend: SpendOptions; model: string | undefined };
}

/** Reservations of the job at batch prices, counted like a standard run's (docs/batch.md#cost-limits). */
function batchSpend(branch: BatchBranch): BatchSpend {
  const { budget, builder, pricer } = branch;
  const price = budget.model === undefined ? undefined : pricer.price(budget.model, 'batch');
  return new BatchSpend({
    guard: new SpendGuard(budget.spend),
    ledger: budget.ledger,
    clock: branch.clock,
    maxCostUsd: budget.spend.maxCostUsd,
    // Every request of a part is built before the part is reserved, so the largest input seen covers them all.
    requestWorstUsd: () => {
      const cap = builder.maxOutputTokens;
      return price === undefined || cap === undefined ? 0 : worstCaseCost(builder.maxInputTokens, cap, price);
    },
  });
}

/** Runs `todo` through the Batch API; returns what happened. */
export async function executeBatch(branch: BatchBranch, todo: AsyncIterable<Artist>): Promise<BatchRunResult> {
  const { config, events } = branch;
  const statePath = jobStatePath(branch.output);
  const endpoint = config.api === 'chat' ? '/v1/chat/completions' : '/v1/responses';
  const existing = loadJobState(statePath);
  if (existing !== undefined && !config.resume) {
    const unfinished = existing.parts.some((part) => part.status !== 'done');
    if (unfinished && !config.overwrite) {
      throw new UsageError(
        `${statePath} lists batches that are not collected yet: continue with --resume (nothing is submitted twice), ` +
          'or cancel them with `artist-bio-gen batch cancel` and start again with --overwrite.',
      );
    }
    unlinkSync(statePath);
  }
  if (existing !== undefined && config.resume && existing.endpoint !== endpoint) {
    throw new UsageError(`${statePath} was made for ${existing.endpoint}; this run would use ${endpoint} (--api)`);
  }
  const state = config.resume && existing !== undefined ? existing : emptyJobState(endpoint);
  const api = createOpenAIBatchApi({ apiKey: branch.apiKey, baseURL: branch.baseURL });
  const result = await runBatchJob(
    todo,
    state,
    {
      api,
      clock: branch.clock,
      events,
      sink: branch.sink,
      build: (artist) => {
        const request = branch.builder.build(artist);
        return { body: request.body, record: request.record };
      },
      costOf: (usage, model, tier) => branch.pricer.costOf(usage, model, tier),
      spend: batchSpend(branch),
    },
    {
      endpoint,
      statePath,
      maxRequests: config.batchMaxRequests,
      queueTokens: config.batchQueueTokens,
      pollIntervalMs: config.batchPollInterval * 1000,
      maxRetries: config.maxRetries,
      initialDbStatus: branch.initialDbStatus,
      signal: branch.signal,
    },
  );
  return result;
}
