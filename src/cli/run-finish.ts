import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { secretMaskFor, type RunConfig } from '../config/index.js';
import { BioGenError, ExitCode, exitCodeFor, ProviderUnreachableError } from '../core/errors.js';
import { LedgerUnavailableError } from '../quota/index.js';
import type { RunEmitter, RunSummary } from '../core/events.js';
import type { RunOutcome } from '../pipeline/index.js';
import { summaryLines, writeReport, type RunRecorder } from '../report/index.js';
import type { Logger } from '../telemetry/index.js';
import { continueCommand } from './continue-command.js';

/** The exit code and report outcome of a finished run (docs/architecture.md#exit-codes). */
export function exitCodeOf(outcome: RunOutcome): { code: number; kind: RunSummary['outcome'] } {
  switch (outcome.stopReason) {
    case 'SIGINT':
      return { code: ExitCode.sigint, kind: 'interrupted' };
    case 'SIGTERM':
      return { code: ExitCode.sigterm, kind: 'interrupted' };
    case 'quota':
      return { code: ExitCode.quota, kind: 'quota_stopped' };
    case 'auth':
      return {
        code: ExitCode.config,
        kind:
          outcome.stopError instanceof ProviderUnreachableError || outcome.stopError instanceof LedgerUnavailableError
            ? 'failed'
            : 'auth_failed',
      };
    default:
      return outcome.failed > 0
        ? { code: ExitCode.someFailed, kind: 'completed' }
        : { code: ExitCode.ok, kind: 'completed' };
  }
}

/** Everything the end of a run needs. */
export interface FinishContext {
  config: RunConfig;
  events: RunEmitter;
  logger: Logger;
  recorder: RunRecorder;
  paths: { output: string; errors: string };
  /** The run's command-line arguments, for the "continue with" hint. */
  argv: readonly string[];
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Ends a run: emits `run:end`, writes the report, prints the summary, says how to continue.
 * A report that cannot be written is an error message, never a lost exit code.
 */
export async function finishRun(ctx: FinishContext, outcome: RunOutcome, fatal?: BioGenError): Promise<number> {
  const { config, events, logger, recorder, paths } = ctx;
  const { code, kind } = fatal ? { code: exitCodeFor(fatal), kind: 'failed' as const } : exitCodeOf(outcome);
  const summary = recorder.summarize({ outcome: kind, exitCode: code, outputPath: paths.output });
  events.emit('run:end', summary);
  const report = recorder.finish(summary, { outputBytes: sizeOf(paths.output) });
  // Written before the summary, so that its last line names the report only when it exists.
  let reportNote = '';
  if (config.report) {
    try {
      await mkdir(dirname(config.report), { recursive: true });
      await writeReport(config.report, report, secretMaskFor(config));
      reportNote = ` · report: ${config.report}`;
    } catch (error) {
      logger.log('error', `Could not write the run report ${config.report}: ${(error as Error).message}`, {
        event: 'report:failed',
      });
      reportNote = ' · report: not written (see the error above)';
    }
  }
  logger.rule();
  for (const line of summaryLines(report)) logger.log('info', line, { event: 'run:summary' });
  logger.log('info', `Output: ${paths.output}${reportNote}`, {
    event: 'run:output',
  });
  logger.rule();
  // The reason of a stop was announced once when it happened (run:stopping); here only the way on.
  const again = continueCommand(ctx.argv);
  if (code === ExitCode.sigint || code === ExitCode.sigterm || code === ExitCode.quota) {
    logger.log('info', `Partial results are saved in ${paths.output}. To continue: ${again}`, {
      event: 'run:continue',
      command: again,
    });
  } else if (outcome.failed > 0) {
    logger.log('warn', `${outcome.failed} artist(s) failed (details in ${paths.errors}). To retry them: ${again}`, {
      event: 'run:continue',
      command: again,
    });
  }
  return code;
}
