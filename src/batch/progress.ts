/**
 * Progress of a batch job (docs/batch.md): what the last poll saw of each batch, the job's
 * figures summed over its parts, and an ETA from the completion rate observed in this run.
 */
import type { BatchProgress, BatchStatus } from '../core/events.js';
import type { BatchPart } from './job-state.js';

/**
 * Completion rate of a job's requests, measured from the first figure seen in this run (a
 * resumed run does not count what finished before it started).
 */
export class CompletionRate {
  #first: { at: number; finished: number } | undefined;

  /**
   * Records `finished` requests at clock time `at`; returns the time left for `total`, or
   * undefined while no request finished since the first figure.
   */
  etaMs(at: number, finished: number, total: number): number | undefined {
    if (this.#first === undefined) {
      this.#first = { at, finished };
      return undefined;
    }
    const done = finished - this.#first.finished;
    const elapsed = at - this.#first.at;
    if (done <= 0 || elapsed <= 0) return undefined;
    return Math.max(0, Math.round(((total - finished) * elapsed) / done));
  }
}

/** The job's figures over its parts; `seen` holds the last status of each batch at the provider. */
export function jobProgress(
  parts: readonly BatchPart[],
  seen: ReadonlyMap<string, BatchStatus>,
): Omit<BatchProgress, 'etaMs'> {
  let requestsTotal = 0;
  let requestsFinished = 0;
  let partsDone = 0;
  let inFlight = 0;
  for (const part of parts) {
    requestsTotal += part.customIds.length;
    if (part.status === 'done') {
      partsDone++;
      requestsFinished += part.customIds.length;
    } else if (part.status === 'submitted') {
      inFlight++;
      const status = part.batchId === null ? undefined : seen.get(part.batchId);
      if (status !== undefined) requestsFinished += Math.min(part.customIds.length, status.completed + status.failed);
    }
  }
  return { partsTotal: parts.length, partsDone, inFlight, requestsTotal, requestsFinished };
}
