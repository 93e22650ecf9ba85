/** The printed results table (plain text, and Markdown for BENCHMARKS.md). */
import type { Row } from './types.js';

/** How one scenario ended. */
export interface ScenarioOutcome {
  id: number;
  title: string;
  status: 'ok' | 'failed';
  durationMs: number;
  rows: Row[];
  notes: string[];
  /** The measurements behind the rows (latest.json only). */
  details?: Record<string, unknown>;
  /** Why it could not run, when it failed. */
  error?: string;
}

function mark(row: Row): string {
  if (row.pass === undefined) return '';
  return row.pass ? 'met' : 'MISSED';
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The table as aligned plain text, one block per scenario, notes underneath. */
export function renderText(outcomes: readonly ScenarioOutcome[]): string {
  const lines: string[] = [];
  const all = outcomes.flatMap((o) => o.rows);
  const metricWidth = Math.max(20, ...all.map((r) => r.metric.length));
  const valueWidth = Math.min(70, Math.max(10, ...all.map((r) => r.value.length)));
  const goalWidth = Math.max(6, ...all.map((r) => r.goal.length));
  for (const outcome of outcomes) {
    const took = `${(outcome.durationMs / 1000).toFixed(0)} s`;
    lines.push('', `${outcome.id}. ${outcome.title}  [${outcome.status === 'ok' ? took : 'FAILED TO RUN'}]`);
    if (outcome.error !== undefined) lines.push(`   error: ${outcome.error.split('\n')[0] ?? ''}`);
    for (const row of outcome.rows) {
      lines.push(
        `   ${pad(row.metric, metricWidth)}  ${pad(row.value, valueWidth)}  ${pad(row.goal, goalWidth)}  ${mark(row)}`.trimEnd(),
      );
    }
    for (const note of outcome.notes) lines.push(`   · ${note}`);
  }
  return `${lines.join('\n')}\n`;
}

const cell = (text: string): string => text.replaceAll('|', '\\|');

/** The table as Markdown (what BENCHMARKS.md shows). */
export function renderMarkdown(outcomes: readonly ScenarioOutcome[]): string {
  const lines = ['| # | Metric | Result | Goal | |', '|---|---|---|---|---|'];
  for (const outcome of outcomes) {
    if (outcome.status === 'failed') {
      lines.push(`| ${outcome.id} | ${cell(outcome.title)} | failed to run: ${cell(outcome.error ?? '')} | | |`);
      continue;
    }
    for (const row of outcome.rows) {
      const status = row.pass === undefined ? '' : row.pass ? '✅' : '❌';
      lines.push(`| ${outcome.id} | ${cell(row.metric)} | ${cell(row.value)} | ${cell(row.goal)} | ${status} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
