import type { RunEmitter } from '../core/events.js';
import type { Logger } from './logger.js';

/** Row warnings written per input scan; the rest are counted. */
const MAX_ROW_WARNINGS = 50;

/** `lines 3, 9, 12` or `lines 3, 9, … (20 of 31 listed)`. */
function lineList(numbers: readonly number[], total: number): string {
  const shown = `line${numbers.length === 1 ? '' : 's'} ${numbers.join(', ')}`;
  return total > numbers.length ? `${shown}, … (first ${numbers.length} of ${total} listed)` : shown;
}

/**
 * Log lines of the input scan and of the output file's state at start (repaired, stale,
 * compacted, damaged). Part of the log renderer (`attachLogRenderer` in log-renderer.ts); returns an
 * unsubscribe function.
 */
export function attachInputLog(events: RunEmitter, logger: Logger): () => void {
  let rowWarnings = 0;
  const offs = [
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
  ];
  return () => offs.forEach((off) => off());
}
