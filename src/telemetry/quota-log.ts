import type { RunEmitter } from '../core/events.js';
import { decimal, duration } from './format.js';
import type { Logger } from './logger.js';

/**
 * Log lines of the quota gate (start, headers, metrics, warnings, pauses) and of the provider's
 * reachability. Part of the log renderer (`attachLogRenderer` in log-renderer.ts); returns an
 * unsubscribe function.
 */
export function attachQuotaLog(events: RunEmitter, logger: Logger): () => void {
  const offs = [
    events.on('quota:init', (e) => {
      logger.log(
        'info',
        `QuotaMonitor initialized: daily_limit=${e.dailyLimit ?? 'None'}, threshold=${decimal(e.threshold)}` +
          (e.monitoring ? '' : ' (monitoring disabled)'),
        { event: 'quota:init', daily_limit: e.dailyLimit, threshold: e.threshold, used_today: e.usedToday },
      );
      if (e.usedToday > 0)
        logger.log('info', `Quota state restored: ${e.usedToday} requests already used today`, {
          event: 'quota:restored',
          used_today: e.usedToday,
        });
    }),
    events.on('quota:status', (s) => {
      if (!logger.enabled('debug')) return;
      // Remaining/limit, as the provider's headers give them; the test plan greps this shape.
      const part = (rem: number | undefined, lim: number | undefined): string => `${rem ?? '?'}/${lim ?? '?'}`;
      logger.log(
        'debug',
        `Parsed quota status: ${part(s.requestsRemaining, s.requestsLimit)} requests, ${part(s.tokensRemaining, s.tokensLimit)} tokens remaining`,
        {
          event: 'quota:status',
          requests_remaining: s.requestsRemaining,
          requests_limit: s.requestsLimit,
          tokens_remaining: s.tokensRemaining,
          tokens_limit: s.tokensLimit,
        },
      );
    }),
    events.on('quota:metrics', (e) => {
      const share =
        e.dailyLimit === undefined
          ? 'no daily limit'
          : `${((e.usedToday / e.dailyLimit) * 100).toFixed(1)}% of daily limit`;
      logger.log('info', `Quota metrics: ${e.usedToday} requests used today (${share})`, {
        event: 'quota:metrics',
        used_today: e.usedToday,
        daily_limit: e.dailyLimit,
      });
    }),
    events.on('quota:warning', (e) =>
      logger.log('warn', `Quota usage at ${Math.round(e.percent)}% (${e.usedToday}/${e.dailyLimit} requests)`, {
        event: 'quota:warning',
        used_today: e.usedToday,
        daily_limit: e.dailyLimit,
      }),
    ),
    events.on('quota:paused', (e) => {
      const at = new Date(e.resumeAt).toISOString();
      const fields = {
        event: 'quota:paused',
        reason: e.reason,
        used_today: e.usedToday,
        daily_limit: e.dailyLimit,
        resume_at: at,
      };
      if (e.reason === 'rate_limit') {
        logger.log('warn', `PAUSED: ${e.message} - Will resume at ${at}`, fields);
        return;
      }
      const pct = e.dailyLimit ? ((e.usedToday / e.dailyLimit) * 100).toFixed(1) : '?';
      const tail = e.reason === 'daily_limit' ? ' [daily limit reached, waiting for the next UTC day]' : '';
      logger.log(
        'warn',
        `PAUSED: Daily quota ${pct}% used (limit: ${e.dailyLimit ?? 'None'}) - Will resume at ${at}${tail}`,
        fields,
      );
    }),
    events.on('quota:resumed', (e) =>
      logger.log('info', `RESUMED: ${e.reason} (paused ${duration(e.pausedMs)})`, {
        event: 'quota:resumed',
        paused_ms: e.pausedMs,
      }),
    ),
    events.on('provider:unreachable', (e) =>
      logger.log(
        'warn',
        `PAUSED: provider unreachable since ${new Date(e.since).toISOString()} (${e.url}: ${e.message}); ` +
          `probing with backoff, giving up at ${new Date(e.since + e.giveUpMs).toISOString()}`,
        { event: 'provider:unreachable', url: e.url, since: new Date(e.since).toISOString() },
      ),
    ),
    events.on('provider:reachable', (e) =>
      logger.log('info', `RESUMED: provider reachable again at ${e.url} (unreachable for ${duration(e.downMs)})`, {
        event: 'provider:reachable',
        down_ms: e.downMs,
      }),
    ),
  ];
  return () => offs.forEach((off) => off());
}
