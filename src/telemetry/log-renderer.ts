import type { RunEmitter } from '../core/events.js';
import { attachBatchLog } from './batch-log.js';
import { attachInputLog } from './input-log.js';
import type { Logger } from './logger.js';
import { attachQuotaLog } from './quota-log.js';
import { attachRequestLog } from './request-log.js';

/**
 * Turns run events into log lines (docs/architecture.md#events-and-log-lines). Log text lives
 * only in this folder: this file writes the run's start and stop lines and attaches the renderers
 * of the input, quota, request and batch events. The user's log analysis greps these messages,
 * so their shape is a contract. Returns an unsubscribe function.
 */
export function attachLogRenderer(events: RunEmitter, logger: Logger): () => void {
  const offs = [
    events.on('log', ({ level, message }) => logger.log(level, message, { event: 'log' })),
    events.on('run:start', (e) => {
      logger.log(
        'info',
        `Starting run: input ${e.inputPath}, output ${e.outputPath}, ${e.maxWorkers === 'auto' ? `auto concurrency (up to ${e.maxInFlight ?? 1024} in flight)` : `${e.maxWorkers} workers`}, ${e.promptLabel}`,
        { event: 'run:start', total: e.total, already_done: e.alreadyDone, workers: e.maxWorkers },
      );
      if (e.alreadyDone > 0)
        logger.log('info', `Resume: ${e.alreadyDone} artists already done in ${e.outputPath}`, {
          event: 'run:resume',
          already_done: e.alreadyDone,
        });
      if (e.total !== undefined)
        logger.log('info', `Artists to process: ${e.total}`, { event: 'run:total', total: e.total });
    }),
    attachInputLog(events, logger),
    attachQuotaLog(events, logger),
    attachRequestLog(events, logger),
    events.on('run:stopping', (e) => {
      const what =
        e.reason === 'SIGINT' || e.reason === 'SIGTERM'
          ? `Received ${e.reason}: no new requests; waiting for ${e.inFlight} in-flight request(s) to finish (press Ctrl+C again to abort them)`
          : e.message;
      logger.log(e.reason === 'quota' || e.reason === 'auth' || e.reason === 'fatal' ? 'error' : 'warn', what, {
        event: 'run:stopping',
        reason: e.reason,
        in_flight: e.inFlight,
      });
    }),
  ];
  offs.push(attachBatchLog(events, logger));
  return () => offs.forEach((off) => off());
}
