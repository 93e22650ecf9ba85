import { resolveRunConfig, secretMaskFor, type RunConfig } from '../config/index.js';
import { createScaledClock, systemClock, type Clock } from '../core/clock.js';
import { BioGenError, ExitCode, exitCodeFor } from '../core/errors.js';
import { RunEmitter } from '../core/events.js';
import type { RunFieldName } from '../config/index.js';
import { attachLogRenderer, createLogger, streamWriter, type Logger } from '../telemetry/index.js';
import { readEnvFiles } from './env-layers.js';
import { runPipeline } from './run-pipeline.js';

/** Test hooks: run the clock faster and/or from another instant (end-to-end tests of pauses and day roll-over). */
function clockFromEnvironment(env: NodeJS.ProcessEnv): Clock {
  const scale = Number(env['ARTIST_BIO_GEN_CLOCK_SCALE'] ?? '1');
  const startText = env['ARTIST_BIO_GEN_CLOCK_START'];
  const start = startText ? Date.parse(startText) : undefined;
  if ((Number.isFinite(scale) && scale > 0 && scale !== 1) || (start !== undefined && Number.isFinite(start))) {
    return createScaledClock({
      scale: Number.isFinite(scale) && scale > 0 ? scale : 1,
      ...(start !== undefined && Number.isFinite(start) ? { start } : {}),
    });
  }
  return systemClock;
}

function loggerFor(config: RunConfig, clock: Clock): Logger {
  return createLogger({
    clock,
    level: config.verbose ? 'debug' : 'info',
    consoleLevel: config.quiet ? 'warn' : config.verbose ? 'debug' : 'info',
    format: config.logFormat,
    console: streamWriter(process.stderr),
    ...(config.logFile ? { file: config.logFile } : {}),
    mask: secretMaskFor(config),
  });
}

/**
 * The composition root of `run`: reads the environment layers, validates the settings, wires
 * the layers together and returns the process exit code. Errors become a message and a code.
 */
export async function executeRun(flags: Partial<Record<RunFieldName, unknown>>): Promise<number> {
  const clock = clockFromEnvironment(process.env);
  let logger: Logger | undefined;
  try {
    const { config, sources } = resolveRunConfig({ flags, env: process.env, ...readEnvFiles(process.cwd()) });
    logger = loggerFor(config, clock);
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
    return await runPipeline({ config, clock, events, logger });
  } catch (error) {
    const message =
      error instanceof BioGenError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    if (logger) logger.log('error', message, { event: 'run:error' });
    else process.stderr.write(`${new Date(clock.now()).toISOString()} ERROR: ${message}\n`);
    return error instanceof BioGenError ? exitCodeFor(error) : ExitCode.input;
  } finally {
    await logger?.close();
  }
}
