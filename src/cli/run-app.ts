import { resolveRunConfig, secretMaskFor, type RunConfig } from '../config/index.js';
import type { Clock } from '../core/clock.js';
import { BioGenError, ExitCode, exitCodeFor } from '../core/errors.js';
import { RunEmitter } from '../core/events.js';
import type { SignalSource } from '../core/signals.js';
import type { RunFieldName } from '../config/index.js';
import { attachLogRenderer, createLogger, streamWriter, type Logger } from '../telemetry/index.js';
import { readEnvFiles } from './env-layers.js';
import { runPipeline } from './run-pipeline.js';

/**
 * Everything `run` takes from the world outside. The CLI passes the process's own
 * (`src/cli/main.ts`); tests pass a manual clock, captured streams and a plain emitter for
 * signals, and drive a whole run inside the test.
 */
export interface RunDeps {
  /** The command line as typed after the program name (repeated in the "to continue" hint). */
  argv: readonly string[];
  /** Environment variables (settings layer, see docs/architecture.md#settings). */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory whose `.env` and `.env.local` are read. */
  cwd: string;
  /** Receives the dry-run preview. */
  stdout: NodeJS.WritableStream;
  /** Receives log lines and the progress display (a bar when `isTTY`). */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** SIGINT / SIGTERM: the first stops dispatching, the second aborts what is in flight. */
  signals: SignalSource;
  /** Time for quotas, pauses, retries and log lines. */
  clock: Clock;
}

function loggerFor(config: RunConfig, deps: RunDeps): Logger {
  return createLogger({
    clock: deps.clock,
    level: config.verbose ? 'debug' : 'info',
    consoleLevel: config.quiet ? 'warn' : config.verbose ? 'debug' : 'info',
    format: config.logFormat,
    console: streamWriter(deps.stderr),
    ...(config.logFile ? { file: config.logFile } : {}),
    mask: secretMaskFor(config),
  });
}

/**
 * The `run` unit: reads the setting layers, validates them, runs the pipeline and returns the
 * process exit code. Errors become a message and a code; it never exits the process itself.
 */
export async function executeRun(flags: Partial<Record<RunFieldName, unknown>>, deps: RunDeps): Promise<number> {
  const { clock } = deps;
  let logger: Logger | undefined;
  try {
    const { config, sources } = resolveRunConfig({ flags, env: deps.env, ...readEnvFiles(deps.cwd) });
    logger = loggerFor(config, deps);
    const events = new RunEmitter();
    attachLogRenderer(events, logger);
    if (config.testMode && !(config.enableDb && config.dbTarget === 'catalog')) {
      events.log(
        'warn',
        '--test-mode only applies to --enable-db --db-target catalog (it writes to test_artists); it has no effect on this run',
      );
    }
    for (const [name, source] of Object.entries(sources)) {
      if (source !== 'default' && source !== 'flag') events.log('debug', `Setting ${name} taken from ${source}`);
    }
    return await runPipeline({ config, clock, events, logger, deps });
  } catch (error) {
    const message =
      error instanceof BioGenError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    if (logger) logger.log('error', message, { event: 'run:error' });
    else deps.stderr.write(`${new Date(clock.now()).toISOString()} ERROR: ${message}\n`);
    return error instanceof BioGenError ? exitCodeFor(error) : ExitCode.input;
  } finally {
    await logger?.close();
  }
}
