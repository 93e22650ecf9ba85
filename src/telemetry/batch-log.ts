import type { RunEmitter } from '../core/events.js';
import { formatEta } from './eta.js';
import type { Logger } from './logger.js';

/**
 * Log lines of batch mode's events (docs/batch.md): each submission, each change of a batch's
 * status or counts, each collected batch. The job's overall progress goes to the progress
 * display (see {@link batchProgressText}). Returns an unsubscribe function.
 */
export function attachBatchLog(events: RunEmitter, logger: Logger): () => void {
  const offs = [
    events.on('batch:submitted', (e) =>
      logger.log(
        'info',
        `Batch ${e.batchId} submitted: ${e.part}, ${e.requests} requests` +
          (e.attempt > 1 ? ` (try ${e.attempt})` : ''),
        { event: 'batch:submitted', batch_id: e.batchId, part: e.part, requests: e.requests, attempt: e.attempt },
      ),
    ),
    events.on('batch:status', (e) =>
      logger.log(
        'info',
        `Batch ${e.batchId} (${e.part}): ${e.status}, ${e.completed} completed, ${e.failed} failed of ${e.total}`,
        {
          event: 'batch:status',
          batch_id: e.batchId,
          part: e.part,
          status: e.status,
          completed: e.completed,
          failed: e.failed,
          total: e.total,
        },
      ),
    ),
    events.on('batch:collected', (e) =>
      logger.log(
        'info',
        `Batch ${e.batchId} (${e.part}) ${e.status}: ${e.written} written, ${e.failed} failed, ${e.resubmitted} resubmitted`,
        {
          event: 'batch:collected',
          batch_id: e.batchId,
          part: e.part,
          status: e.status,
          written: e.written,
          failed: e.failed,
          resubmitted: e.resubmitted,
        },
      ),
    ),
  ];
  return () => offs.forEach((off) => off());
}

/** `3/5 batches done, 2 in flight · 140/300 requests · ETA 2m 10s` for progress displays. */
export function batchProgressText(e: {
  partsTotal: number;
  partsDone: number;
  inFlight: number;
  requestsTotal: number;
  requestsFinished: number;
  etaMs: number | undefined;
}): string {
  return (
    `${e.partsDone}/${e.partsTotal} batches done, ${e.inFlight} in flight · ` +
    `${e.requestsFinished}/${e.requestsTotal} requests · ETA ${formatEta(e.etaMs)}`
  );
}
