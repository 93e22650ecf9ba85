import type { RunEmitter } from '../core/events.js';
import type { Logger } from './logger.js';

const worker = (n: number): string => `W${String(n).padStart(2, '0')}`;
const ofTotal = (index: number, total: number | undefined): string =>
  total === undefined ? `${index}` : `${index}/${total}`;

/**
 * Log lines of each request and artist: sent (debug), retried, done, failed. Part of the log
 * renderer (`attachLogRenderer` in log-renderer.ts); returns an unsubscribe function.
 */
export function attachRequestLog(events: RunEmitter, logger: Logger): () => void {
  const offs = [
    events.on('request:sent', (e) => {
      if (logger.enabled('debug'))
        logger.log('debug', `[${worker(e.worker)}] Sending request for "${e.artist.name}" (attempt ${e.attempt})`, {
          event: 'request:sent',
          artist_id: e.artist.id,
          worker: e.worker,
          attempt: e.attempt,
        });
    }),
    events.on('request:retry', (e) => {
      const wait = `${(e.delayMs / 1000).toFixed(1)}s`;
      const fields = {
        event: 'request:retry',
        artist_id: e.artist.id,
        worker: e.worker,
        attempt: e.attempt,
        status: e.status,
        kind: e.kind,
        code: e.code,
        wait_ms: e.delayMs,
      };
      if (e.kind === 'rate_limit' || e.kind === 'slow_down') {
        logger.log(
          'warn',
          `Rate limit hit (${e.status ?? 429} ${e.code ?? e.kind}): retrying in ${wait} [${worker(e.worker)}] "${e.artist.name}" attempt ${e.attempt + 1}`,
          fields,
        );
      } else {
        logger.log(
          'warn',
          `[${worker(e.worker)}] Request for "${e.artist.name}" failed (${e.kind}${e.status ? ` ${e.status}` : ''}): ${e.message} - retrying in ${wait} (attempt ${e.attempt + 1})`,
          fields,
        );
      }
    }),
    events.on('artist:done', (e) =>
      logger.log('info', `[${worker(e.worker)}] Processed artist ${ofTotal(e.index, e.total)}: "${e.artist.name}"`, {
        event: 'artist:done',
        artist_id: e.artist.id,
        worker: e.worker,
        index: e.index,
        total: e.total,
      }),
    ),
    events.on('artist:failed', (e) =>
      logger.log(
        'error',
        `[${worker(e.worker)}] Failed artist ${ofTotal(e.index, e.total)}: "${e.artist.name}" after ${e.record.attempts} attempt(s) - ${e.record.error_kind}${e.record.status ? ` ${e.record.status}` : ''}: ${e.record.message}`,
        {
          event: 'artist:failed',
          artist_id: e.artist.id,
          worker: e.worker,
          attempt: e.record.attempts,
          status: e.record.status,
          kind: e.record.error_kind,
        },
      ),
    ),
  ];
  return () => offs.forEach((off) => off());
}
