import type { RunEmitter } from '../core/events.js';
import { attachBatchLog } from './batch-log.js';
import { decimal, duration } from './format.js';
import type { Logger } from './logger.js';

/** Row warnings written per input scan; the rest are counted. */
const MAX_ROW_WARNINGS = 50;

/** `lines 3, 9, 12` or `lines 3, 9, … (20 of 31 listed)`. */
function lineList(numbers: readonly number[], total: number): string {
  const shown = `line${numbers.length === 1 ? '' : 's'} ${numbers.join(', ')}`;
  return total > numbers.length ? `${shown}, … (first ${numbers.length} of ${total} listed)` : shown;
}

const worker = (n: number): string => `W${String(n).padStart(2, '0')}`;
const ofTotal = (index: number, total: number | undefined): string =>
  total === undefined ? `${index}` : `${index}/${total}`;

/**
 * Turns run events into log lines (docs/architecture.md#events-and-log-lines). This is the one
 * place where log text lives; the user's log analysis greps these messages, so their shape is a
 * contract.
 * Returns an unsubscribe function.
 */
export function attachLogRenderer(events: RunEmitter, logger: Logger): () => void {
  let rowWarnings = 0;
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
    events.on('input:row-error', (e) => {
      // A file of 200,000 bad rows must not write 200,000 warnings: the first ones show the
      // pattern, the count comes with the scan summary.
      rowWarnings++;
      if (rowWarnings <= MAX_ROW_WARNINGS)
        logger.log('warn', `Line ${e.line}: ${e.reason}, skipping`, { event: 'input:row-error', line: e.line });
    }),
    events.on('input:scanned', (e) => {
      if (rowWarnings > MAX_ROW_WARNINGS) {
        logger.log('warn', `... and ${rowWarnings - MAX_ROW_WARNINGS} more row warnings not shown`, {
          event: 'input:row-error',
          suppressed: rowWarnings - MAX_ROW_WARNINGS,
        });
      }
      rowWarnings = 0;
      logger.log(
        'info',
        `Input: ${e.valid} valid artists, ${e.skipped} comment/blank/header lines skipped, ${e.errors} invalid rows` +
          (e.alreadyDone > 0 ? `, ${e.alreadyDone} already done` : '') +
          (e.shard === undefined ? '' : ` (shard ${e.shard}: ${e.otherShards ?? 0} artists left to the other shards)`),
        {
          event: 'input:scanned',
          valid: e.valid,
          skipped: e.skipped,
          errors: e.errors,
          ...(e.shard === undefined ? {} : { shard: e.shard, other_shards: e.otherShards }),
        },
      );
    }),
    events.on('output:repaired', (e) =>
      logger.log(
        'warn',
        `Repaired ${e.path}: removed a torn last line (${e.bytesRemoved} bytes) left by an interrupted run`,
        { event: 'output:repaired', bytes_removed: e.bytesRemoved },
      ),
    ),
    events.on('output:stale', (e) =>
      logger.log(
        'info',
        `--redo-stale: ${e.staleArtists} bio${e.staleArtists === 1 ? ' was' : 's were'} written by another prompt ` +
          `than the current one (${e.fingerprint}) and will be regenerated; each new line replaces the old one`,
        { event: 'output:stale', stale_artists: e.staleArtists, fingerprint: e.fingerprint },
      ),
    ),
    events.on('output:compacted', (e) =>
      logger.log(
        'info',
        `Removed ${e.removedLines} replaced line${e.removedLines === 1 ? '' : 's'} from ${e.path} ` +
          `(one line per artist again); the previous file is kept as ${e.backupPath}`,
        { event: 'output:compacted', removed_lines: e.removedLines, backup: e.backupPath },
      ),
    ),
    events.on('output:damaged', (e) => {
      const parts: string[] = [];
      if (e.invalidLines > 0)
        parts.push(
          `${e.invalidLines} line${e.invalidLines === 1 ? ' that is' : 's that are'} not output records ` +
            `(${lineList(e.invalidLineNumbers, e.invalidLines)})`,
        );
      if (e.duplicateLines > 0)
        parts.push(
          `${e.duplicateLines} duplicate artist line${e.duplicateLines === 1 ? '' : 's'} ` +
            `(${lineList(e.duplicateLineNumbers, e.duplicateLines)})`,
        );
      logger.log(
        'warn',
        `Output ${e.path} has ${parts.join(' and ')}; they were left in place and the first success of each ` +
          `artist counts. To rewrite it with one line per artist: artist-bio-gen validate ${e.path} --repair`,
        {
          event: 'output:damaged',
          invalid_lines: e.invalidLines,
          invalid_line_numbers: e.invalidLineNumbers.join(','),
          duplicate_lines: e.duplicateLines,
          duplicate_line_numbers: e.duplicateLineNumbers.join(','),
        },
      );
    }),
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
