/**
 * Batch mode's loop: plan parts, upload and create batches (each id saved in the job state
 * before moving on), poll with back-off, collect finished batches by `custom_id`, resubmit what
 * is missing or failed, and check at the end that every submitted artist came back.
 * See docs/batch.md.
 */
import type { Clock } from '../core/clock.js';
import { ProviderError, type QuotaStopError } from '../core/errors.js';
import type { BatchStatus, RunEmitter } from '../core/events.js';
import type { Artist, RequestRecord, TokenUsage } from '../core/types.js';
import { failureRecord, successRecord, type ResultSink } from '../pipeline/index.js';
import type { SpendHold } from '../quota/index.js';
import type { BatchApi, BatchInfo } from './api.js';
import { readResultFile, type LineOutcome } from './collector.js';
import { saveJobState, type BatchJobState, type BatchPart } from './job-state.js';
import { estimateTokens, splitIntoFiles, type PlannedLine } from './planner.js';
import { CompletionRate, jobProgress } from './progress.js';
import type { BatchSpend } from './spend.js';

/** Refusals of a part with nothing else queued before it is given up (it can never fit). */
const MAX_ALONE_REFUSALS = 5;

/** Batch statuses after which a batch changes no more. */
const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** What the loop needs, injected. */
export interface BatchRunDeps {
  api: BatchApi;
  clock: Clock;
  events: RunEmitter;
  sink: ResultSink;
  /** The request body and output-line request record of an artist. */
  build(artist: Artist): { body: unknown; record: RequestRecord };
  /** Dollars for `usage` at `tier`, or null when the model has no price. */
  costOf(usage: TokenUsage, model: string, tier: 'batch' | 'standard'): number | null;
  /** Dollar reservations (`--max-cost`, `--daily-cost-limit`); none without it. */
  spend?: BatchSpend | undefined;
}

/** Settings of one batch run. */
export interface BatchRunOptions {
  /** `/v1/responses` or `/v1/chat/completions`. */
  endpoint: string;
  statePath: string;
  maxRequests: number;
  queueTokens: number | undefined;
  pollIntervalMs: number;
  maxRetries: number;
  /** Stops polling (batches keep running at the provider; `--resume` collects them). */
  signal: AbortSignal;
}

/** What a batch run did. */
export interface BatchRunResult {
  succeeded: number;
  failed: number;
  stopped: boolean;
  /** Set when a cost limit stopped the submissions (exit 5; `--resume` continues). */
  stopError?: QuotaStopError | undefined;
  batchesCreated: number;
  costUsd: number | null;
  /** What the same answers would have cost at standard prices. */
  standardCostUsd: number | null;
}

/** Runs the artists of `todo` (plus the parts the state already holds) through the Batch API. */
export async function runBatchJob(
  todo: AsyncIterable<Artist>,
  state: BatchJobState,
  deps: BatchRunDeps,
  options: BatchRunOptions,
): Promise<BatchRunResult> {
  return new BatchJob(state, deps, options).run(todo);
}

class BatchJob {
  readonly #state: BatchJobState;
  readonly #deps: BatchRunDeps;
  readonly #options: BatchRunOptions;
  readonly #artists = new Map<string, Artist>();
  /** Parts refused by the token queue, waiting for another batch to end. */
  readonly #waiting = new Set<string>();
  /** What the last poll saw of each batch. */
  readonly #lastSeen = new Map<string, BatchStatus>();
  readonly #rate = new CompletionRate();
  #succeeded = 0;
  #failed = 0;
  #created = 0;
  #index = 0;
  #cost: number | null = null;
  #standard: number | null = null;
  /** Dollars reserved per part name, until its batch is collected. */
  readonly #holds = new Map<string, SpendHold>();
  /** Dollars billed per part name by the answers collected so far in this run. */
  readonly #billed = new Map<string, number>();
  #stopError: QuotaStopError | undefined;

  constructor(state: BatchJobState, deps: BatchRunDeps, options: BatchRunOptions) {
    this.#state = state;
    this.#deps = deps;
    this.#options = options;
  }

  #save(): void {
    saveJobState(this.#options.statePath, this.#state);
  }

  #log(level: 'info' | 'warn', message: string): void {
    this.#deps.events.log(level, message);
  }

  async run(todo: AsyncIterable<Artist>): Promise<BatchRunResult> {
    for await (const artist of todo) this.#artists.set(artist.id, artist);
    const inParts = new Set<string>();
    for (const part of this.#state.parts) if (part.status !== 'done') for (const id of part.customIds) inParts.add(id);
    const fresh = [...this.#artists.values()].filter((artist) => !inParts.has(artist.id));
    this.#plan(fresh, 1);
    const running = this.#state.parts.filter((part) => part.status !== 'done').length;
    if (inParts.size > 0) {
      this.#log('info', `Batch job: re-attaching to ${running} unfinished part(s) from ${this.#options.statePath}`);
    }
    await this.#reattach();
    this.#adoptReservations();

    let interval = this.#options.pollIntervalMs;
    while (this.#state.parts.some((part) => part.status !== 'done')) {
      if (this.#options.signal.aborted) return this.#result(true);
      let changed = await this.#submit();
      changed = (await this.#poll()) || changed;
      if (changed) this.#progress();
      if (this.#stopError !== undefined && !this.#state.parts.some((part) => part.status === 'submitted')) {
        return this.#result(true);
      }
      if (!this.#state.parts.some((part) => part.status !== 'done')) break;
      interval = changed ? this.#options.pollIntervalMs : Math.min(interval * 1.5, this.#options.pollIntervalMs * 10);
      try {
        await this.#deps.clock.sleep(interval, this.#options.signal);
      } catch {
        return this.#result(true);
      }
    }
    this.#finalCheck();
    return this.#result(false);
  }

  #result(stopped: boolean): BatchRunResult {
    if (stopped && this.#stopError !== undefined) {
      this.#save();
      this.#deps.events.emit('run:stopping', { reason: 'quota', message: this.#stopError.message, inFlight: 0 });
    } else if (stopped) {
      this.#save();
      this.#log(
        'warn',
        'Stopped polling. Submitted batches keep running at the provider; run again with --resume to collect them ' +
          '(none is submitted twice).',
      );
    }
    return {
      succeeded: this.#succeeded,
      failed: this.#failed,
      stopped,
      stopError: this.#stopError,
      batchesCreated: this.#created,
      costUsd: this.#cost,
      standardCostUsd: this.#standard,
    };
  }

  /** Adds parts for `artists` at try number `attempt` and saves them before anything is sent. */
  #plan(artists: readonly Artist[], attempt: number): void {
    if (artists.length === 0) return;
    // One build per artist: building counts the request's tokens, which is not free.
    const lines: PlannedLine[] = artists.map((artist) => {
      const { body } = this.#deps.build(artist);
      const text = requestLine(artist.id, this.#state.endpoint, body);
      return { customId: artist.id, text, tokens: estimateTokens(body) + lineOverhead(artist.id) };
    });
    const files = splitIntoFiles(lines, {
      maxRequests: this.#options.maxRequests,
      maxTokens: this.#options.queueTokens,
    });
    for (const file of files) {
      const number = this.#state.parts.length + 1;
      this.#state.parts.push({
        name: `part-${String(number).padStart(4, '0')}`,
        customIds: file.lines.map((line) => line.customId),
        attempt,
        estimatedTokens: file.tokens,
        inputFileId: null,
        batchId: null,
        batchIds: [],
        status: 'planned',
        refusals: 0,
        endStatus: null,
        succeeded: 0,
        failed: 0,
        resubmitted: 0,
      });
    }
    this.#save();
  }

  #lineText(customId: string): string {
    const artist = this.#artists.get(customId);
    if (artist === undefined) return '';
    return requestLine(customId, this.#state.endpoint, this.#deps.build(artist).body);
  }

  /** A part whose batch may have been created just before a crash gets its batch back. */
  async #reattach(): Promise<void> {
    const orphans = this.#state.parts.filter(
      (part) => part.status === 'planned' && part.inputFileId !== null && part.batchId === null,
    );
    if (orphans.length === 0) return;
    const known = new Set(this.#state.parts.flatMap((part) => part.batchIds));
    const batches = await this.#deps.api.list();
    for (const part of orphans) {
      const found = batches.find(
        (batch) => batch.inputFileId === part.inputFileId && !known.has(batch.id) && batch.status !== 'failed',
      );
      if (found === undefined) continue;
      part.batchId = found.id;
      part.batchIds.push(found.id);
      part.status = 'submitted';
      this.#log('info', `Batch job: ${part.name} re-attached to ${found.id}, created before the interruption`);
    }
    this.#save();
  }

  #enqueuedTokens(): number {
    return this.#state.parts
      .filter((part) => part.status === 'submitted')
      .reduce((sum, part) => sum + part.estimatedTokens, 0);
  }

  async #submit(): Promise<boolean> {
    let changed = false;
    const limit = this.#options.queueTokens;
    for (const part of this.#state.parts) {
      if (this.#options.signal.aborted) return changed;
      if (part.status !== 'planned') continue;
      const queued = this.#enqueuedTokens();
      if (this.#waiting.has(part.name) && queued > 0) continue;
      if (limit !== undefined && queued > 0 && queued + part.estimatedTokens > limit) continue;
      const text = part.inputFileId === null ? part.customIds.map((id) => this.#lineText(id)).join('') : undefined;
      if (text === '') {
        // Every artist of the part is in the output already (written before an interruption).
        part.status = 'done';
        part.endStatus = 'skipped';
        this.#save();
        continue;
      }
      if (!this.#reserve(part)) return changed;
      if (part.inputFileId === null) {
        part.inputFileId = await this.#deps.api.upload(`${part.name}.jsonl`, text ?? '');
        this.#save();
      }
      const info = await this.#deps.api.create(part.inputFileId, this.#state.endpoint, { part: part.name });
      part.batchId = info.id;
      part.batchIds.push(info.id);
      part.status = 'submitted';
      this.#save();
      this.#created++;
      this.#waiting.delete(part.name);
      changed = true;
      this.#deps.events.emit('batch:submitted', {
        batchId: info.id,
        part: part.name,
        requests: part.customIds.length,
        attempt: part.attempt,
      });
    }
    return changed;
  }

  /**
   * Reserves the part's worst case at batch prices before anything of it is sent, and saves the
   * reservation with the part. False when the part must not go now (a cost limit): wait for a
   * batch in flight to give dollars back, or stop submitting.
   */
  #reserve(part: BatchPart): boolean {
    const spend = this.#deps.spend;
    if (spend === undefined || this.#holds.has(part.name)) return true;
    if (this.#stopError !== undefined) return false;
    const requests = part.customIds.filter((id) => this.#artists.has(id)).length;
    const reserved = spend.reserve(spend.worstCase(requests), requests);
    if (reserved.kind === 'wait') return false;
    if (reserved.kind === 'stop') {
      this.#stopError = reserved.error;
      return false;
    }
    this.#holds.set(part.name, reserved.hold);
    part.reservedUsd = reserved.hold.reservedUsd;
    part.reservedDay = reserved.hold.day;
    this.#save();
    return true;
  }

  /** Parts reserved by an earlier run and not collected yet keep counting against the job cap. */
  #adoptReservations(): void {
    const spend = this.#deps.spend;
    if (spend === undefined) return;
    for (const part of this.#state.parts) {
      if (part.status === 'done' || part.reservedUsd === undefined || part.reservedDay === undefined) continue;
      this.#holds.set(part.name, spend.adopt(part.reservedUsd, part.reservedDay));
    }
  }

  /** Settles a collected part's reservation with what its answers cost. */
  #settle(part: BatchPart): void {
    const hold = this.#holds.get(part.name);
    if (hold !== undefined) this.#deps.spend?.settle(hold, this.#billed.get(part.name) ?? 0);
    this.#holds.delete(part.name);
    this.#billed.delete(part.name);
    delete part.reservedUsd;
    delete part.reservedDay;
  }

  async #poll(): Promise<boolean> {
    let changed = false;
    for (const part of this.#state.parts) {
      if (part.status !== 'submitted' || part.batchId === null) continue;
      const info = await this.#deps.api.retrieve(part.batchId);
      const seen: BatchStatus = {
        batchId: info.id,
        part: part.name,
        status: info.status,
        completed: info.completed,
        failed: info.failed,
        total: info.total,
      };
      const last = this.#lastSeen.get(info.id);
      if (
        last?.status !== seen.status ||
        last.completed !== seen.completed ||
        last.failed !== seen.failed ||
        last.total !== seen.total
      ) {
        this.#lastSeen.set(info.id, seen);
        changed = true;
        this.#deps.events.emit('batch:status', seen);
      }
      if (TERMINAL.has(info.status)) {
        await this.#collect(part, info);
        changed = true;
      }
    }
    return changed;
  }

  async #collect(part: BatchPart, info: BatchInfo): Promise<void> {
    const alone = !this.#state.parts.some((other) => other !== part && other.status === 'submitted');
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
      this.#waiting.add(part.name);
      this.#save();
      this.#log(
        'warn',
        `Batch ${info.id} (${part.name}) refused: the enqueued-token limit is reached; it is submitted again ` +
          'once an earlier batch ends.',
      );
      return;
    }
    // Every other part refused for the token queue may try again now that one batch ended.
    this.#waiting.clear();
    const outcomes = new Map<string, LineOutcome>();
    if (info.outputFileId !== null) readResultFile(await this.#deps.api.content(info.outputFileId), outcomes);
    if (info.errorFileId !== null) readResultFile(await this.#deps.api.content(info.errorFileId), outcomes);
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
      const artist = this.#artists.get(id);
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
      } else if (outcome.retryable && part.attempt <= this.#options.maxRetries) {
        retry.push(artist);
        part.resubmitted++;
      } else {
        this.#failure(artist, outcome.error, part);
      }
    }
    part.status = 'done';
    part.endStatus = info.status;
    part.batchId = info.id;
    this.#settle(part);
    this.#plan(retry, part.attempt + 1);
    this.#save();
    this.#deps.events.emit('batch:collected', {
      batchId: info.id,
      part: part.name,
      status: info.status,
      written: part.succeeded,
      failed: part.failed,
      resubmitted: part.resubmitted,
    });
  }

  #success(artist: Artist, outcome: Extract<LineOutcome, { ok: true }>, part: BatchPart, batchId: string): void {
    const result = outcome.success;
    const costUsd = this.#deps.costOf(result.usage, result.model, 'batch');
    const standard = this.#deps.costOf(result.usage, result.model, 'standard');
    if (costUsd !== null) {
      this.#cost = (this.#cost ?? 0) + costUsd;
      this.#billed.set(part.name, (this.#billed.get(part.name) ?? 0) + costUsd);
    }
    if (standard !== null) this.#standard = (this.#standard ?? 0) + standard;
    const { record: request } = this.#deps.build(artist);
    const record = successRecord(artist, request, result, part.attempt, 0, costUsd ?? null);
    record.mode = 'batch';
    if (result.serviceTier !== undefined) record.service_tier = result.serviceTier;
    record.batch_id = batchId;
    this.#deps.sink.success(record);
    this.#artists.delete(artist.id);
    this.#succeeded++;
    part.succeeded++;
    const { events } = this.#deps;
    events.emit('request:done', {
      artist,
      ok: true,
      status: 200,
      kind: undefined,
      durationMs: 0,
      usage: result.usage,
      ...(costUsd === null ? {} : { costUsd }),
    });
    events.emit('artist:done', { artist, worker: 0, index: ++this.#index, total: undefined, record });
  }

  #failure(artist: Artist, error: ProviderError, part: BatchPart): void {
    const record = failureRecord(artist, error, part.attempt, this.#deps.clock.now());
    this.#deps.sink.failure(record);
    this.#artists.delete(artist.id);
    this.#failed++;
    part.failed++;
    this.#deps.events.emit('artist:failed', { artist, worker: 0, index: ++this.#index, total: undefined, record });
  }

  /** Emits the job's progress, with the time left at the rate observed so far. */
  #progress(): void {
    const figures = jobProgress(this.#state.parts, this.#lastSeen);
    const etaMs = this.#rate.etaMs(this.#deps.clock.now(), figures.requestsFinished, figures.requestsTotal);
    this.#deps.events.emit('batch:progress', { ...figures, etaMs });
  }

  /** Says whether every artist submitted in this job came back as a success or a recorded failure. */
  #finalCheck(): void {
    const submitted = new Set(this.#state.parts.flatMap((part) => part.customIds));
    const missing = [...this.#artists.keys()].filter((id) => submitted.has(id));
    if (missing.length === 0) {
      this.#log(
        'info',
        `Batch check: every submitted artist came back (${this.#succeeded} written, ${this.#failed} failed in this run).`,
      );
    } else {
      this.#log(
        'warn',
        `Batch check: ${missing.length} submitted artist(s) did not come back (e.g. ${missing.slice(0, 5).join(', ')}); ` +
          'run again with --resume to submit them.',
      );
    }
  }
}

function hint(info: BatchInfo): string {
  return info.errorCodes.includes('token_limit_exceeded')
    ? ' (this part alone exceeds the enqueued-token limit: lower --batch-max-requests or set --batch-queue-tokens)'
    : '';
}

/** One line of a batch input file, newline included. */
function requestLine(customId: string, url: string, body: unknown): string {
  return `${JSON.stringify({ custom_id: customId, method: 'POST', url, body })}\n`;
}

/** Tokens of the line's wrapper around the body (custom_id, method, url). */
function lineOverhead(customId: string): number {
  return Math.ceil((customId.length + 60) / 4);
}
