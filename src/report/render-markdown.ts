import { formatBytes, formatCounts, formatDuration, formatMb, formatNumber, orNa } from './format.js';
import type { CheckStatus, QuotaEventEntry, RunReport } from './types.js';
import { formatUsd } from '../cost/cost.js';
import { batchTable, billingLines } from './billing.js';

const MARK: Record<CheckStatus, string> = { pass: '✅', fail: '❌', 'n/a': '➖' };

/** Makes a value safe inside a Markdown table cell. */
function cell(value: string | number | boolean | null): string {
  const text = value === null ? '—' : String(value);
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

function table(header: readonly string[], rows: readonly (readonly (string | number | boolean | null)[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

function batchSection(report: RunReport): string[] {
  const { header, rows } = batchTable(report.billing);
  return rows.length === 0 ? [] : ['## Batches', '', ...table(header, rows), ''];
}

function quotaDetails(e: QuotaEventEntry): string {
  const parts: string[] = [];
  if (e.type === 'warning' && e.percent !== null) parts.push(`usage at ${formatNumber(e.percent)}%`);
  if (e.usedToday !== null) parts.push(`${e.usedToday}/${e.dailyLimit ?? '∞'} requests today`);
  if (e.resumeAt !== null) parts.push(`resume at ${e.resumeAt}`);
  if (e.pausedMs !== null) parts.push(`paused for ${formatDuration(e.pausedMs)}`);
  if (e.message !== null) parts.push(e.message);
  return parts.join('; ');
}

/**
 * Renders the report as the user's small-batch test plan, filled in: the same section names
 * ("Metrics to Record", "Performance Metrics to Track", "Performance Analysis", "Resource
 * utilization", "Quota events", "Configuration") with ✅/❌ in the Pass/Fail column.
 */
export function renderReportMarkdown(report: RunReport): string {
  const { performance: p, analysis: a, resources: r, artists } = report;
  const lines: string[] = [
    '# artist-bio-gen run report',
    '',
    `- **Outcome:** ${report.outcome} (exit code ${report.exitCode})${report.stopReason === null ? '' : ` — ${report.stopReason}`}`,
    `- **Verdict:** ${report.verdict === 'pass' ? '✅ pass' : '❌ fail'}`,
    `- **Input:** ${report.inputPath ?? 'n/a'} → **Output:** ${report.outputPath}`,
    ...(report.promptLabel === null ? [] : [`- **Prompt:** ${report.promptLabel}`]),
    `- **Report generated:** ${report.generatedAt}`,
    '',
    '## Metrics to Record',
    '',
    ...table(
      ['Metric', 'Target', 'Actual', 'Pass/Fail'],
      report.checks.map((c) => [c.metric, c.target, c.actual, MARK[c.status]]),
    ),
    '',
    `Pause accuracy compares the day's usage at each threshold pause with the configured threshold, in percentage points (${MARK['n/a']} = not measurable in this run).`,
    '',
    '## Artists',
    '',
    ...table(
      ['Artists', 'Count'],
      [
        ['Planned in this run', artists.planned],
        ['Succeeded', artists.succeeded],
        ['Failed', artists.failed],
        ['Not attempted', artists.notAttempted],
        ['Already done (resume)', artists.alreadyDone],
        ['Input rows skipped', artists.inputSkipped],
        ['Input row errors', artists.inputErrors],
        ...(artists.shard
          ? [
              [`Left to the other shards (this is shard ${artists.shard.of})`, artists.shard.otherShards] as [
                string,
                number,
              ],
            ]
          : []),
      ],
    ),
    ...(Object.keys(artists.failedByKind).length === 0
      ? []
      : ['', `Failures by kind: ${formatCounts(artists.failedByKind)}.`]),
    '',
    '## Performance Metrics to Track',
    '',
    `- Start time: ${p.startTime}`,
    `- End time: ${p.endTime}`,
    `- Total duration: ${formatDuration(p.durationMs)}`,
    `- Average time per artist: ${orNa(p.averagePerArtistMs, (ms) => `${formatNumber(ms / 1000, 2)} s`)}`,
    `- Number of pauses triggered: ${p.pauses}${p.pauses > 0 ? ` (${formatCounts(p.pausesByReason)})` : ''}`,
    `- Total pause duration: ${formatDuration(p.totalPauseMs)}`,
    '',
    '## Performance Analysis',
    '',
    `- Requests per minute: ${orNa(a.requestsPerMinute, (v) => formatNumber(v, 1))} (${orNa(a.requestsPerMinuteActive, (v) => formatNumber(v, 1))} excluding pauses; ${formatNumber(a.requests)} requests)`,
    `- Tokens per minute: ${orNa(a.tokensPerMinute, (v) => formatNumber(v))} (${formatNumber(a.inputTokens)} input + ${formatNumber(a.outputTokens)} output tokens)`,
    `- Cost: ${a.costUsd === null ? 'n/a (no priced response)' : formatUsd(a.costUsd)}`,
    ...billingLines(report.billing, formatUsd).map((line) => `- ${line}`),
    `- Effective parallelism: ${orNa(a.effectiveParallelism, (v) => formatNumber(v, 2))}${a.maxWorkers === null ? '' : ` (max workers ${a.maxWorkers})`}`,
    `- Request latency: ${
      a.latencyMs === null
        ? 'n/a'
        : `p50 ${formatDuration(a.latencyMs.p50)}, p95 ${formatDuration(a.latencyMs.p95)}, max ${formatDuration(a.latencyMs.max)}`
    }`,
    `- Retries: ${formatNumber(a.retries)} (${formatCounts(a.retriesByKind)})`,
    `- 429 responses: ${formatCounts(a.rateLimitedByKind)}`,
    '',
    ...batchSection(report),
    '## Resource utilization',
    '',
    `- CPU average: ${orNa(r.cpuAveragePercent, (v) => `${formatNumber(v, 1)}%`)} (100% = one core)`,
    `- Memory average: ${orNa(r.rssAverageMb, formatMb)} (peak ${orNa(r.rssPeakMb, formatMb)}, ${r.memorySamples} samples)`,
    `- Output size: ${orNa(r.outputBytes, formatBytes)}${r.bytesPerArtist === null ? '' : ` (${formatBytes(r.bytesPerArtist)} per artist)`}`,
    `- Storage for outputs: ${orNa(r.storagePer10kArtistsMb, formatMb)} per 10K artists`,
    '',
    '## Quota events',
    '',
    ...(report.quotaEvents.length === 0
      ? ['None.']
      : table(
          ['Time', 'Event', 'Reason', 'Details'],
          report.quotaEvents.map((e) => [e.time, e.type, e.reason, quotaDetails(e)]),
        )),
    '',
    '## Configuration',
    '',
    ...(Object.keys(report.config).length === 0
      ? ['None recorded.']
      : table(
          ['Setting', 'Value'],
          Object.entries(report.config).map(([key, value]) => [key, value]),
        )),
    '',
  ];
  if (report.notes.length > 0) {
    lines.push('## Notes', '', ...report.notes.map((n) => `- ${n}`), '');
  }
  return lines.join('\n');
}
