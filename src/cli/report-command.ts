import { Command } from 'commander';
import { UsageError } from '../core/errors.js';

/** Where `report` writes; tests pass their own writer. */
export interface ReportCommandIo {
  /** Receives the report text when no file is named. @default writes to process.stdout */
  stdout?: (text: string) => void;
}

interface ReportFlags {
  html?: boolean;
  out?: string;
}

/**
 * The `report` subcommand: `artist-bio-gen report OUTPUT.jsonl --html [--out report.html]`.
 * Rebuilds a report from a job's files alone (finished or still running) and writes it as
 * HTML with charts (or Markdown without `--html`).
 */
export function reportCommand(io: ReportCommandIo = {}): Command {
  const write = io.stdout ?? ((text: string) => void process.stdout.write(text));
  return new Command('report')
    .description("Rebuild a run report from a job's output files (HTML with charts with --html)")
    .argument('<output>', 'output JSONL of the job (its .errors.jsonl is read too)')
    .option('--html', 'a self-contained HTML page with charts instead of Markdown')
    .option('--out <file>', 'write the report to this file instead of stdout (.html, .md or .json)')
    .action(async (output: string, _options: unknown, command: Command) => {
      const flags = command.opts<ReportFlags>();
      const { reportFromFiles, renderReportHtml, renderReportMarkdown, writeReport } =
        await import('../report/index.js');
      const { report } = await reportFromFiles(output);
      if (report.artists.planned === 0)
        throw new UsageError(`No finished artist found in ${output} or its errors file`);
      if (flags.out !== undefined) {
        await writeReport(flags.out, report);
        process.stderr.write(`Report written to ${flags.out}\n`);
        return;
      }
      write(flags.html === true ? renderReportHtml(report) : renderReportMarkdown(report));
    });
}
