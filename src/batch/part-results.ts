/**
 * Collecting a finished batch into the output: a part refused for the token queue waits for
 * another batch; otherwise every artist of the part gets its answer written, its failure
 * recorded, or a place in a new part for another try, and the part's reservation settles with
 * what its answers cost. See docs/batch.md.
 */
import { ProviderError } from '../core/errors.js';
import type { Artist } from '../core/types.js';
import { failureRecord, successRecord } from '../pipeline/index.js';
import type { BatchInfo } from './api.js';
import { readResultFile, type LineOutcome } from './collector.js';
import type { JobContext, PartBiller, PlanParts } from './job-context.js';
import type { BatchPart } from './job-state.js';

/** Refusals of a part with nothing else queued before it is given up (it can never fit). */
const MAX_ALONE_REFUSALS = 5;

/** What the collected answers of a run add up to. */
export interface ResultTally {
  succeeded: number;
  failed: number;
  /** Dollars at batch prices; null while no answer had a price. */
  costUsd: number | null;
  /** What the same answers would have cost at standard prices. */
  standardCostUsd: number | null;
}

/** Writes the answers of finished batches to the sink. */
export class PartCollector {
  readonly #ctx: JobContext;
  readonly #biller: PartBiller;
  readonly #plan: PlanParts;
  readonly #tally: ResultTally = { succeeded: 0, failed: 0, costUsd: null, standardCostUsd: null };
  #index = 0;

  constructor(ctx: JobContext, biller: PartBiller, plan: PlanParts) {
    this.#ctx = ctx;
    this.#biller = biller;
    this.#plan = plan;
  }

  /** The figures so far (a copy). */
  get tally(): ResultTally {
    return { ...this.#tally };
  }

  /** Handles `part`, whose batch `info` reached a terminal status. */
  async collect(part: BatchPart, info: BatchInfo): Promise<void> {
    const { state, deps, options, artists, waiting } = this.#ctx;
    const alone = !state.parts.some((other) => other !== part && other.status === 'submitted');
    if (info.status === 'failed' && info.errorCodes.includes('token_limit_exceeded') && alone) {
      part.aloneRefusals = (part.aloneRefusals ?? 0) + 1;
    }
    if (
      info.status === 'failed' &&
      info.errorCodes.includes('token_limit_exceeded') &&
      (part.aloneRefusals ?? 0) < MAX_ALONE_REFUSALS
    ) {
      part.status = 'planned';
      part.batchId = null;
      part.refusals++;
      waiting.add(part.name);
      this.#ctx.save();
      this.#ctx.log(
        'warn',
        `Batch ${info.id} (${part.name}) refused: the enqueued-token limit is reached; it is submitted again ` +
          'once an earlier batch ends.',
      );
      return;
    }
    // Every other part refused for the token queue may try again now that one batch ended.
    waiting.clear();
    const outcomes = new Map<string, LineOutcome>();
    if (info.outputFileId !== null) readResultFile(await deps.api.content(info.outputFileId), outcomes);
    if (info.errorFileId !== null) readResultFile(await deps.api.content(info.errorFileId), outcomes);
    const batchFailed =
      info.status === 'failed'
        ? new ProviderError(
            `Batch ${info.id} failed: ${info.errorMessage ?? info.errorCodes.join(', ')}${hint(info)}`,
            {
              kind: 'bad_request',
              apiCode: info.errorCodes[0],
            },
          )
        : undefined;
    const retry: Artist[] = [];
    for (const id of part.customIds) {
      const artist = artists.get(id);
      // Not in the to-do list: its line is already in the output (written before an interruption).
      if (artist === undefined) continue;
      const outcome: LineOutcome =
        outcomes.get(id) ??
        (batchFailed
          ? { ok: false, retryable: false, error: batchFailed }
          : {
              ok: false,
              retryable: true,
              error: new ProviderError(`No result for this request in batch ${info.id} (${info.status})`, {
                kind: 'incomplete',
                apiCode: 'missing_result',
              }),
            });
      if (outcome.ok) {
        this.#success(artist, outcome, part, info.id);
      } else if (outcome.retryable && part.attempt <= options.maxRetries) {
        retry.push(artist);
        part.resubmitted++;
      } else {
        this.#failure(artist, outcome.error, part);
      }
    }
    part.status = 'done';
    part.endStatus = info.status;
    part.batchId = info.id;
    this.#biller.settle(part);
    this.#plan(retry, part.attempt + 1);
    this.#ctx.save();
    deps.events.emit('batch:collected', {
      batchId: info.id,
      part: part.name,
      status: info.status,
      written: part.succeeded,
      failed: part.failed,
      resubmitted: part.resubmitted,
    });
  }

  #success(artist: Artist, outcome: Extract<LineOutcome, { ok: true }>, part: BatchPart, batchId: string): void {
    const { deps } = this.#ctx;
    const tally = this.#tally;
    const result = outcome.success;
    const costUsd = deps.costOf(result.usage, result.model, 'batch');
    const standard = deps.costOf(result.usage, result.model, 'standard');
    if (costUsd !== null) {
      tally.costUsd = (tally.costUsd ?? 0) + costUsd;
      this.#biller.bill(part.name, costUsd);
    }
    if (standard !== null) tally.standardCostUsd = (tally.standardCostUsd ?? 0) + standard;
    const { record: request } = deps.build(artist);
    const record = successRecord(artist, request, result, part.attempt, 0, costUsd ?? null);
    record.mode = 'batch';
    if (result.serviceTier !== undefined) record.service_tier = result.serviceTier;
    record.batch_id = batchId;
    deps.sink.success(record);
    this.#ctx.artists.delete(artist.id);
    tally.succeeded++;
    part.succeeded++;
    deps.events.emit('request:done', {
      artist,
      ok: true,
      status: 200,
      kind: undefined,
      durationMs: 0,
      usage: result.usage,
      ...(costUsd === null ? {} : { costUsd }),
    });
    deps.events.emit('artist:done', { artist, worker: 0, index: ++this.#index, total: undefined, record });
  }

  #failure(artist: Artist, error: ProviderError, part: BatchPart): void {
    const { deps } = this.#ctx;
    const record = failureRecord(artist, error, part.attempt, deps.clock.now());
    deps.sink.failure(record);
    this.#ctx.artists.delete(artist.id);
    this.#tally.failed++;
    part.failed++;
    deps.events.emit('artist:failed', { artist, worker: 0, index: ++this.#index, total: undefined, record });
  }
}

function hint(info: BatchInfo): string {
  return info.errorCodes.includes('token_limit_exceeded')
    ? ' (this part alone exceeds the enqueued-token limit: lower --batch-max-requests or set --batch-queue-tokens)'
    : '';
}
