/**
 * Batch mode's loop: plan parts, submit them (each id saved in the job state before moving on),
 * poll with back-off, collect finished batches by `custom_id`, resubmit what is missing or
 * failed, and check at the end that every submitted artist came back. Each step lives in its own
 * file (part-plan, submitter, poller, part-results, reservations); this one only runs them in
 * order. See docs/batch.md.
 */
import type { Artist } from '../core/types.js';
import {
  createJobContext,
  type BatchRunDeps,
  type BatchRunOptions,
  type BatchRunResult,
  type JobContext,
} from './job-context.js';
import type { BatchJobState } from './job-state.js';
import { planParts } from './part-plan.js';
import { PartCollector } from './part-results.js';
import { BatchPoller } from './poller.js';
import { PartReservations } from './reservations.js';
import { PartSubmitter } from './submitter.js';

/** Runs the artists of `todo` (plus the parts the state already holds) through the Batch API. */
export async function runBatchJob(
  todo: AsyncIterable<Artist>,
  state: BatchJobState,
  deps: BatchRunDeps,
  options: BatchRunOptions,
): Promise<BatchRunResult> {
  return new BatchJob(createJobContext(state, deps, options)).run(todo);
}

class BatchJob {
  readonly #ctx: JobContext;
  readonly #reservations: PartReservations;
  readonly #submitter: PartSubmitter;
  readonly #collector: PartCollector;
  readonly #poller: BatchPoller;

  constructor(ctx: JobContext) {
    this.#ctx = ctx;
    this.#reservations = new PartReservations(ctx);
    this.#submitter = new PartSubmitter(ctx, this.#reservations);
    this.#collector = new PartCollector(ctx, this.#reservations, (artists, attempt) => {
      planParts(ctx, artists, attempt);
    });
    this.#poller = new BatchPoller(ctx, (part, info) => this.#collector.collect(part, info));
  }

  async run(todo: AsyncIterable<Artist>): Promise<BatchRunResult> {
    const { state, options, artists } = this.#ctx;
    for await (const artist of todo) artists.set(artist.id, artist);
    const inParts = new Set<string>();
    for (const part of state.parts) if (part.status !== 'done') for (const id of part.customIds) inParts.add(id);
    const fresh = [...artists.values()].filter((artist) => !inParts.has(artist.id));
    planParts(this.#ctx, fresh, 1);
    const running = state.parts.filter((part) => part.status !== 'done').length;
    if (inParts.size > 0) {
      this.#ctx.log('info', `Batch job: re-attaching to ${running} unfinished part(s) from ${options.statePath}`);
    }
    await this.#submitter.reattach();
    this.#reservations.adopt();

    let interval = options.pollIntervalMs;
    while (state.parts.some((part) => part.status !== 'done')) {
      if (options.signal.aborted) return this.#result(true);
      let changed = await this.#submitter.submit();
      changed = (await this.#poller.poll()) || changed;
      if (changed) this.#poller.progress();
      if (this.#reservations.stopError !== undefined && !state.parts.some((part) => part.status === 'submitted')) {
        return this.#result(true);
      }
      if (!state.parts.some((part) => part.status !== 'done')) break;
      interval = changed ? options.pollIntervalMs : Math.min(interval * 1.5, options.pollIntervalMs * 10);
      try {
        await this.#ctx.deps.clock.sleep(interval, options.signal);
      } catch {
        return this.#result(true);
      }
    }
    this.#finalCheck();
    return this.#result(false);
  }

  #result(stopped: boolean): BatchRunResult {
    const stopError = this.#reservations.stopError;
    if (stopped && stopError !== undefined) {
      this.#ctx.save();
      this.#ctx.deps.events.emit('run:stopping', { reason: 'quota', message: stopError.message, inFlight: 0 });
    } else if (stopped) {
      this.#ctx.save();
      this.#ctx.log(
        'warn',
        'Stopped polling. Submitted batches keep running at the provider; run again with --resume to collect them ' +
          '(none is submitted twice).',
      );
    }
    const tally = this.#collector.tally;
    return {
      succeeded: tally.succeeded,
      failed: tally.failed,
      stopped,
      stopError,
      batchesCreated: this.#submitter.created,
      costUsd: tally.costUsd,
      standardCostUsd: tally.standardCostUsd,
    };
  }

  /** Says whether every artist submitted in this job came back as a success or a recorded failure. */
  #finalCheck(): void {
    const submitted = new Set(this.#ctx.state.parts.flatMap((part) => part.customIds));
    const missing = [...this.#ctx.artists.keys()].filter((id) => submitted.has(id));
    const { succeeded, failed } = this.#collector.tally;
    if (missing.length === 0) {
      this.#ctx.log(
        'info',
        `Batch check: every submitted artist came back (${succeeded} written, ${failed} failed in this run).`,
      );
    } else {
      this.#ctx.log(
        'warn',
        `Batch check: ${missing.length} submitted artist(s) did not come back (e.g. ${missing.slice(0, 5).join(', ')}); ` +
          'run again with --resume to submit them.',
      );
    }
  }
}
