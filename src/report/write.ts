import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { UsageError } from '../core/errors.js';
import { renderReportMarkdown } from './render-markdown.js';
import type { RunReport } from './types.js';

/** Report file formats, chosen by extension. */
export type ReportFormat = 'json' | 'markdown';

/**
 * The format a report path asks for: `.json` → JSON, `.md` / `.markdown` → Markdown.
 * @throws UsageError for any other extension
 */
export function reportFormatFor(path: string): ReportFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  throw new UsageError(
    `Invalid --report path "${path}": expected a file ending in .json or .md, got ${ext === '' ? 'no extension' : `"${ext}"`}`,
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
 * @throws UsageError when the extension is neither `.json` nor `.md`
 */
export async function writeReport(
  path: string,
  report: RunReport,
  mask: (text: string) => string = (text) => text,
): Promise<void> {
  const text = mask(reportFormatFor(path) === 'json' ? renderReportJson(report) : renderReportMarkdown(report));
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
