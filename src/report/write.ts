import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { UsageError } from '../core/errors.js';
import { renderReportHtml } from './render-html.js';
import { renderReportMarkdown } from './render-markdown.js';
import type { RunReport } from './types.js';

/** Report file formats, chosen by extension. */
export type ReportFormat = 'json' | 'markdown' | 'html';

/**
 * The format a report path asks for: `.json` → JSON, `.md` / `.markdown` → Markdown, `.html` /
 * `.htm` → a self-contained HTML page with charts.
 * @throws UsageError for any other extension
 */
export function reportFormatFor(path: string): ReportFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  if (ext === '.html' || ext === '.htm') return 'html';
  throw new UsageError(
    `Invalid --report path "${path}": expected a file ending in .json, .md or .html, got ${ext === '' ? 'no extension' : `"${ext}"`}`,
  );
}

/** The report as pretty-printed JSON with a trailing newline. */
export function renderReportJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * Writes the report in the format its extension names. The file is written beside the target and
 * renamed into place, so a reader never sees half a report; missing folders are created.
 * `mask` is applied to the rendered text (the run's secrets).
 * @throws UsageError when the extension is not one of `.json`, `.md`, `.html`
 */
export async function writeReport(
  path: string,
  report: RunReport,
  mask: (text: string) => string = (text) => text,
): Promise<void> {
  const format = reportFormatFor(path);
  const render = format === 'json' ? renderReportJson : format === 'html' ? renderReportHtml : renderReportMarkdown;
  const text = mask(render(report));
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, text, 'utf8');
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
