import type { RunSummary } from '../core/events.js';
import { duration, megabytes, percent } from './format.js';

const RULE = '='.repeat(70);

const kinds = (map: Record<string, number>): string =>
  Object.keys(map).length === 0
    ? 'none'
    : Object.entries(map)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');

/** The end-of-run summary (DESIGN §3.8) as log lines. */
export function summaryLines(s: RunSummary): string[] {
  const wallMs = Math.max(1, s.endTime - s.startTime);
  const processed = s.succeeded + s.failed;
  const minutes = wallMs / 60_000;
  const title =
    s.outcome === 'completed'
      ? 'RUN SUMMARY'
      : s.outcome === 'interrupted'
        ? 'RUN SUMMARY (interrupted - partial results saved)'
        : s.outcome === 'quota_stopped'
          ? 'RUN SUMMARY (stopped by quota - resumable)'
          : 'RUN SUMMARY (stopped)';
  return [
    RULE,
    title,
    RULE,
    `Start: ${new Date(s.startTime).toISOString()}  End: ${new Date(s.endTime).toISOString()}  Duration: ${duration(wallMs)}`,
    `Artists: ${s.total} to do${s.alreadyDone > 0 ? ` (+${s.alreadyDone} already done before this run)` : ''}, ${s.succeeded} succeeded, ${s.failed} failed, ${s.notAttempted} not attempted`,
    `Success rate: ${percent(s.succeeded, processed)} of processed artists`,
    `Input: ${s.inputSkipped} comment/blank/header lines skipped, ${s.inputErrors} invalid rows`,
    `Average time per artist: ${processed > 0 ? `${(wallMs / processed / 1000).toFixed(2)}s` : 'n/a'} (wall time / artists processed)`,
    `Requests: ${s.requests} sent, ${(s.requests / minutes).toFixed(1)} requests/min, ${((s.inputTokens + s.outputTokens) / minutes).toFixed(0)} tokens/min`,
    `Retries: ${s.retries} (${kinds(s.retriesByKind)}); 429 responses: ${kinds(s.rateLimited)}`,
    `Pauses: ${s.pauses}, total pause duration ${duration(s.pausedMs)}`,
    `Tokens: ${s.inputTokens} input, ${s.outputTokens} output`,
    `Peak memory (RSS): ${megabytes(s.peakRssBytes)}`,
    `Output: ${s.outputPath}`,
    RULE,
  ];
}
