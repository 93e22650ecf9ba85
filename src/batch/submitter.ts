/**
 * Sending a job's planned parts: upload each input file and create its batch, saving every id in
 * the job state before moving on, within the enqueued-token limit and the dollar reservations;
 * and, after a crash, finding the batch a part may have created just before it. See docs/batch.md.
 */
import type { JobContext, PartReserver } from './job-context.js';
import { partFileText } from './part-plan.js';

/** Uploads and creates the batches of a job's planned parts. */
export class PartSubmitter {
  readonly #ctx: JobContext;
  readonly #reserver: PartReserver;
  #created = 0;

  constructor(ctx: JobContext, reserver: PartReserver) {
    this.#ctx = ctx;
    this.#reserver = reserver;
  }

  /** Batches created by this run. */
  get created(): number {
    return this.#created;
  }

  /** A part whose batch may have been created just before a crash gets its batch back. */
  async reattach(): Promise<void> {
    const { state, deps } = this.#ctx;
    const orphans = state.parts.filter(
      (part) => part.status === 'planned' && part.inputFileId !== null && part.batchId === null,
    );
    if (orphans.length === 0) return;
    const known = new Set(state.parts.flatMap((part) => part.batchIds));
    const batches = await deps.api.list();
    for (const part of orphans) {
      const found = batches.find(
        (batch) => batch.inputFileId === part.inputFileId && !known.has(batch.id) && batch.status !== 'failed',
      );
      if (found === undefined) continue;
      part.batchId = found.id;
      part.batchIds.push(found.id);
      part.status = 'submitted';
      this.#ctx.log('info', `Batch job: ${part.name} re-attached to ${found.id}, created before the interruption`);
    }
    this.#ctx.save();
  }

  /**
   * Submits every planned part that may go now, in order; stops at the first part the dollar
   * limits hold back. True when at least one batch was created.
   */
  async submit(): Promise<boolean> {
    const { state, deps, options, waiting } = this.#ctx;
    let changed = false;
    const limit = options.queueTokens;
    for (const part of state.parts) {
      if (options.signal.aborted) return changed;
      if (part.status !== 'planned') continue;
      const queued = this.#enqueuedTokens();
      if (waiting.has(part.name) && queued > 0) continue;
      if (limit !== undefined && queued > 0 && queued + part.estimatedTokens > limit) continue;
      const text = part.inputFileId === null ? partFileText(this.#ctx, part) : undefined;
      if (text === '') {
        // Every artist of the part is in the output already (written before an interruption).
        part.status = 'done';
        part.endStatus = 'skipped';
        this.#ctx.save();
        continue;
      }
      if (!this.#reserver.reserve(part)) return changed;
      if (part.inputFileId === null) {
        part.inputFileId = await deps.api.upload(`${part.name}.jsonl`, text ?? '');
        this.#ctx.save();
      }
      const info = await deps.api.create(part.inputFileId, state.endpoint, { part: part.name });
      part.batchId = info.id;
      part.batchIds.push(info.id);
      part.status = 'submitted';
      this.#ctx.save();
      this.#created++;
      waiting.delete(part.name);
      changed = true;
      deps.events.emit('batch:submitted', {
        batchId: info.id,
        part: part.name,
        requests: part.customIds.length,
        attempt: part.attempt,
      });
    }
    return changed;
  }

  /** Estimated tokens of the parts submitted and not collected yet. */
  #enqueuedTokens(): number {
    return this.#ctx.state.parts
      .filter((part) => part.status === 'submitted')
      .reduce((sum, part) => sum + part.estimatedTokens, 0);
  }
}
