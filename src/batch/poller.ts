/**
 * Watching a job's submitted batches: one retrieve per batch and poll, a `batch:status` event
 * when what a batch shows changed, collection once it reaches a terminal status, and the job's
 * progress with an ETA from the observed completion rate. See docs/batch.md.
 */
import type { BatchStatus } from '../core/events.js';
import type { CollectPart, JobContext } from './job-context.js';
import { CompletionRate, jobProgress } from './progress.js';

/** Batch statuses after which a batch changes no more. */
const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** Polls the submitted parts of one job. */
export class BatchPoller {
  readonly #ctx: JobContext;
  readonly #collect: CollectPart;
  /** What the last poll saw of each batch. */
  readonly #lastSeen = new Map<string, BatchStatus>();
  readonly #rate = new CompletionRate();

  constructor(ctx: JobContext, collect: CollectPart) {
    this.#ctx = ctx;
    this.#collect = collect;
  }

  /** Looks at every submitted batch once; true when anything changed. */
  async poll(): Promise<boolean> {
    const { state, deps } = this.#ctx;
    let changed = false;
    for (const part of state.parts) {
      if (part.status !== 'submitted' || part.batchId === null) continue;
      const info = await deps.api.retrieve(part.batchId);
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
        deps.events.emit('batch:status', seen);
      }
      if (TERMINAL.has(info.status)) {
        await this.#collect(part, info);
        changed = true;
      }
    }
    return changed;
  }

  /** Emits the job's progress, with the time left at the rate observed so far. */
  progress(): void {
    const { state, deps } = this.#ctx;
    const figures = jobProgress(state.parts, this.#lastSeen);
    const etaMs = this.#rate.etaMs(deps.clock.now(), figures.requestsFinished, figures.requestsTotal);
    deps.events.emit('batch:progress', { ...figures, etaMs });
  }
}
