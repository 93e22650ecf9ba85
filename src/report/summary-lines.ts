import { formatCounts, formatDuration, formatMb, formatNumber, orNa } from './format.js';
import type { RunReport } from './types.js';
import { formatUsd } from '../cost/cost.js';
import { billingLines } from './billing.js';

/** How each outcome reads in the summary: words, not internal names. */
const OUTCOME_WORDS: Record<RunReport['outcome'], string> = {
  completed: 'Run completed',
  interrupted: 'Run interrupted',
  quota_stopped: 'Run stopped by the quota',
  auth_failed: 'Run stopped: the API key was refused',
  failed: 'Run failed',
};

/**
 * Headline figures for the end-of-run summary on stderr (docs/architecture.md#events-and-log-lines):
 * counts, success rate, time, average per artist, requests and tokens per minute, retries and 429s by kind, pauses,
 * peak memory, and the test-plan checks that failed. One line per topic, no timestamps (the
 * logger adds them).
 */
export function summaryLines(report: RunReport): string[] {
  const { artists, performance: p, analysis: a, resources: r } = report;
  const success = report.checks.find((c) => c.id === 'success_rate');
  const failedChecks = report.checks.filter((c) => c.status === 'fail');
  const passed = report.checks.filter((c) => c.status === 'pass').length;
  const notMeasured = report.checks.filter((c) => c.status !== 'pass' && c.status !== 'fail').length;

  const lines = [
    `${OUTCOME_WORDS[report.outcome]} ${report.outcome === 'completed' ? 'in' : 'after'} ${formatDuration(p.durationMs)} (exit code ${report.exitCode})`,
    `Artists: ${artists.succeeded} succeeded, ${artists.failed} failed, ${artists.notAttempted} not attempted` +
      ` (success rate ${success === undefined || success.value === null ? 'n/a' : `${formatNumber(success.value, 1)}%`})` +
      (artists.alreadyDone > 0 ? `; ${artists.alreadyDone} already done` : '') +
      (artists.inputErrors > 0
        ? `; ${artists.inputErrors} invalid input row${artists.inputErrors === 1 ? '' : 's'} skipped`
        : ''),
    `Average time per artist: ${orNa(p.averagePerArtistMs, (ms) => `${formatNumber(ms / 1000, 2)} s`)}` +
      ` · ${orNa(a.requestsPerMinute, (v) => formatNumber(v, 1))} requests/min` +
      ` · ${orNa(a.tokensPerMinute, (v) => formatNumber(v))} tokens/min` +
      ` · parallelism ${orNa(a.effectiveParallelism, (v) => formatNumber(v, 2))}`,
    `Requests: ${formatNumber(a.requests)} · retries ${formatNumber(a.retries)} (${formatCounts(a.retriesByKind)})` +
      ` · 429s: ${formatCounts(a.rateLimitedByKind)}`,
    `Pauses: ${p.pauses}${p.pauses > 0 ? ` (${formatCounts(p.pausesByReason)})` : ''}, ${formatDuration(p.totalPauseMs)} in total`,
    `Peak memory: ${orNa(r.rssPeakMb, formatMb)} · CPU ${orNa(r.cpuAveragePercent, (v) => `${formatNumber(v, 1)}%`)}`,
    `Test-plan checks: ${passed}/${report.checks.length} passed` +
      (notMeasured > 0 ? `, ${notMeasured} not measurable in this run` : '') +
      (failedChecks.length > 0 ? `; failed: ${failedChecks.map((c) => `${c.metric} ${c.actual}`).join(', ')}` : ''),
    `Cost: ${a.costUsd === null ? 'n/a (no priced response)' : `${formatUsd(a.costUsd)} (${a.costUsd} USD)`}`,
    ...billingLines(report.billing, formatUsd),
  ];
  return lines;
}
