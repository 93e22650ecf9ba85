import { formatUsd } from '../cost/cost.js';
import { batchTable, billingLines } from './billing.js';
import { formatCounts, formatDuration, formatMb, formatNumber, orNa } from './format.js';
import { barChart, escapeXml, timeChart } from './svg-chart.js';
import type { TimelineData } from './timeline.js';
import type { CheckStatus, RunReport } from './types.js';

const MARK: Record<CheckStatus, string> = { pass: 'pass', fail: 'FAIL', 'n/a': 'n/a' };
const DAY_MS = 24 * 60 * 60 * 1000;

/** Styles of the report page (inline: the file must work offline, from an e-mail or a share). */
const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#1d2430;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde3ea;padding-bottom:4px}
.sub{color:#5a6678}.verdict-pass{color:#137333}.verdict-fail{color:#b3261e}
table{border-collapse:collapse;margin:6px 0 12px}td,th{border:1px solid #dde3ea;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f3f6f9}.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:14px}
.chart{width:100%;height:auto;background:#fff;border:1px solid #dde3ea;border-radius:6px}
.chart .title{font-weight:600;font-size:13px;fill:#1d2430}.chart .axis{font-size:11px;fill:#5a6678}
.chart .grid{stroke:#eef1f4}.chart .pause{fill:#f6c35c;opacity:.35}.chart .line{fill:none;stroke-width:2}
.chart .ref{stroke-dasharray:5 4;stroke-width:1.5}.chart .empty{fill:#f7f9fb}.chart .note{font-size:13px;fill:#5a6678}
ul{margin:4px 0 12px}`;

function batchHtml(report: RunReport): string[] {
  const { header, rows } = batchTable(report.billing);
  return rows.length === 0 ? [] : ['<h2>Batches</h2>', table(header, rows)];
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `<tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('');
  return `<table>${head}${body}</table>`;
}

/** Daily usage per bucket: reported values where known, else counted requests since the UTC day began. */
function usageSeries(t: TimelineData): number[] {
  let running = 0;
  let day = -1;
  return t.buckets.map((b) => {
    const d = Math.floor(b.t / DAY_MS);
    if (d !== day) {
      if (day !== -1) running = 0;
      day = d;
    }
    running += b.requests;
    if (b.usedToday !== null && b.usedToday > running) running = b.usedToday;
    return running;
  });
}

/** The five charts of a run, as inline SVG. */
export function renderCharts(t: TimelineData | undefined): string[] {
  const empty = 'No data recorded for this chart';
  if (t === undefined) {
    return ['requests', 'latency', 'quota', 'errors', 'cost'].map((id) =>
      timeChart(id, { title: id, times: [], bucketMs: 1, series: [], emptyNote: empty }),
    );
  }
  const times = t.buckets.map((b) => b.t);
  const end = t.start + t.buckets.length * t.bucketMs;
  const shaded = t.pauses.map((p) => ({ from: p.from, to: p.to ?? end, label: `paused (${p.reason})` }));
  const per = `per ${formatDuration(t.bucketMs)}`;
  const refLines =
    t.dailyLimit === null
      ? []
      : [
          { value: t.dailyLimit, label: `daily limit ${t.dailyLimit}`, color: '#b3261e' },
          ...(t.threshold === null
            ? []
            : [
                {
                  value: t.dailyLimit * t.threshold,
                  label: `threshold ${formatNumber(t.threshold * 100)}%`,
                  color: '#c77700',
                },
              ]),
        ];
  let spent = 0;
  const cumulativeCost = t.buckets.map((b) => (spent += b.costUsd));
  const fromFiles = t.source === 'files';
  return [
    timeChart('requests', {
      title: `Requests and successes ${per} (pauses shaded)`,
      times,
      bucketMs: t.bucketMs,
      series: [
        { name: 'requests', color: '#4c78a8', values: t.buckets.map((b) => b.requests) },
        { name: 'successes', color: '#54a24b', values: t.buckets.map((b) => b.successes) },
      ],
      shaded,
      emptyNote: 'No request was sent',
    }),
    barChart('latency', {
      title: 'Request latency (number of requests by duration)',
      labels: t.latency.map((b) => (b.upToMs === null ? 'more' : `≤${formatDuration(b.upToMs)}`)),
      values: t.latency.map((b) => b.count),
      color: '#72b7b2',
      emptyNote: 'No request finished',
    }),
    timeChart('quota', {
      title: 'Daily quota usage against threshold and limit',
      times,
      bucketMs: t.bucketMs,
      series: [{ name: 'requests today', color: '#4c78a8', values: usageSeries(t), kind: 'line' }],
      shaded,
      refLines,
      emptyNote: 'No request counted against the daily budget',
    }),
    timeChart('errors', {
      title: `429s and retries ${per}`,
      times,
      bucketMs: t.bucketMs,
      series: [
        { name: '429s', color: '#e45756', values: t.buckets.map((b) => b.rateLimited) },
        { name: 'retries', color: '#f58518', values: t.buckets.map((b) => b.retries) },
      ],
      shaded,
      emptyNote: fromFiles
        ? 'Not recorded in the output files (use --report run.html during the run)'
        : 'No 429 and no retry: a clean run',
    }),
    timeChart('cost', {
      title: 'Cost over time (cumulative)',
      times,
      bucketMs: t.bucketMs,
      series: [{ name: 'USD', color: '#9d755d', values: t.costKnown ? cumulativeCost : [], kind: 'line' }],
      emptyNote: 'No cost recorded: responses carried no price (cost_usd)',
      formatY: (v) => `$${v < 1 ? v.toFixed(3) : v.toFixed(2)}`,
    }),
  ];
}

/**
 * Renders the report as one self-contained HTML page: headline, the test plan's metric tables and
 * five inline-SVG charts. Nothing is loaded from the network.
 */
export function renderReportHtml(report: RunReport): string {
  const { performance: p, analysis: a, resources: r, artists } = report;
  const rows = (pairs: readonly [string, string][]): string =>
    table(['', ''], pairs).replace(/<tr><th><\/th><th><\/th><\/tr>/, '');
  const verdictClass = report.verdict === 'pass' ? 'verdict-pass' : 'verdict-fail';
  const body = [
    `<h1>artist-bio-gen run report</h1>`,
    `<p class="sub">${escapeXml(report.inputPath ?? 'input n/a')} → ${escapeXml(report.outputPath)} · generated ${escapeXml(report.generatedAt)}</p>`,
    `<p>Outcome: <b>${escapeXml(report.outcome.replace('_', ' '))}</b> (exit code ${report.exitCode}) · verdict <b class="${verdictClass}">${report.verdict}</b> · ${artists.succeeded} succeeded, ${artists.failed} failed, ${artists.notAttempted} not attempted</p>`,
    `<h2>Charts</h2><div class="charts">${renderCharts(report.timeline).join('')}</div>`,
    `<h2>Metrics to Record</h2>`,
    table(
      ['Metric', 'Target', 'Actual', 'Pass/Fail'],
      report.checks.map((c) => [c.metric, c.target, c.actual, MARK[c.status]]),
    ),
    `<h2>Performance Metrics to Track</h2>`,
    rows([
      ['Start time', p.startTime],
      ['End time', p.endTime],
      ['Total duration', formatDuration(p.durationMs)],
      ['Average time per artist', orNa(p.averagePerArtistMs, (ms) => `${formatNumber(ms / 1000, 2)} s`)],
      ['Pauses', `${p.pauses}${p.pauses > 0 ? ` (${formatCounts(p.pausesByReason)})` : ''}`],
      ['Total pause duration', formatDuration(p.totalPauseMs)],
    ]),
    `<h2>Performance Analysis</h2>`,
    rows([
      ['Requests', `${formatNumber(a.requests)} (${orNa(a.requestsPerMinute, (v) => formatNumber(v, 1))}/min)`],
      ['Tokens', `${formatNumber(a.inputTokens)} input + ${formatNumber(a.outputTokens)} output`],
      ['Cost', a.costUsd === null ? 'n/a (no priced response)' : formatUsd(a.costUsd)],
      ...billingLines(report.billing, formatUsd).map((line): [string, string] => ['Mode', line]),
      [
        'Latency',
        a.latencyMs === null
          ? 'n/a'
          : `p50 ${formatDuration(a.latencyMs.p50)}, p95 ${formatDuration(a.latencyMs.p95)}, max ${formatDuration(a.latencyMs.max)}`,
      ],
      ['Retries', `${formatNumber(a.retries)} (${formatCounts(a.retriesByKind)})`],
      ['429 responses', formatCounts(a.rateLimitedByKind)],
    ]),
    ...batchHtml(report),
    `<h2>Resource utilization</h2>`,
    rows([
      ['CPU average', orNa(r.cpuAveragePercent, (v) => `${formatNumber(v, 1)}%`)],
      ['Memory peak', orNa(r.rssPeakMb, formatMb)],
      ['Storage per 10K artists', orNa(r.storagePer10kArtistsMb, formatMb)],
    ]),
    ...(report.notes.length > 0
      ? [`<h2>Notes</h2><ul>${report.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>`]
      : []),
  ].join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>artist-bio-gen run report</title><style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
}
