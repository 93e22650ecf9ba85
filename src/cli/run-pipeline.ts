import type { RunConfig } from '../config/index.js';
import { redactConfig, secretMaskFor } from '../config/index.js';
import type { Clock } from '../core/clock.js';
import { BioGenError, ConfigError, ExitCode, InputError } from '../core/errors.js';
import type { RunEmitter } from '../core/events.js';
import {
  acquireOutputLock,
  openErrorSink,
  openJsonlSink,
  outputPaths,
  prepareOutput,
  type OutputLock,
  type PreparedOutput,
} from '../output/index.js';
import { createPricer, loadCounter, loadPriceTable, measuringBuilder } from '../cost/index.js';
import { Runner, type ResultSink, type RunOutcome } from '../pipeline/index.js';
import { createRequestBuilder } from '../prompt/index.js';
import { createOpenAIProvider } from '../provider/index.js';
import { openQuotaGate, withReachability } from '../quota/index.js';
import { createRunRecorder, type RunRecorder } from '../report/index.js';
import { startProgress, type Logger } from '../telemetry/index.js';
import { checkLooksLikeArtists } from '../input/index.js';
import { artistsToDo, scanRunInput } from './input-scan.js';
import type { DatabaseLink } from './run-database.js';
import { finishRun } from './run-finish.js';
import { openRunLedger, spendOptions } from './run-ledger.js';
import { printDryRun, promptSource } from './run-prompt.js';

/** Built-in simulator profile for `--simulate` and the demo: realistic latency, roomy limits. */
const SIMULATE_PROFILE = { rpm: 3000, tpm: 2_000_000, latencyMs: 120, latencyJitterMs: 80, seed: 7 } as const;

/** What a run needs from the composition root. */
export interface RunContext {
  config: RunConfig;
  clock: Clock;
  events: RunEmitter;
  logger: Logger;
}

/** Runs one `run` end to end and returns the exit code. */
export async function runPipeline(ctx: RunContext): Promise<number> {
  // Subscribed before anything is emitted, so input counts and every event are seen. The
  // recorder feeds the progress display, the end-of-run summary and the optional --report file.
  const recorder = createRunRecorder(ctx.events, { clock: ctx.clock, config: redactConfig(ctx.config) });
  try {
    return await runWithRecorder(ctx, recorder);
  } finally {
    recorder.stop();
  }
}

async function runWithRecorder(ctx: RunContext, recorder: RunRecorder): Promise<number> {
  // Only one run may append to an output at a time; the lock is taken just before the output
  // is touched and released however the run ends.
  const lock: { held?: OutputLock } = {};
  const takeLock = (path: string, lockPath: string): void => {
    lock.held = acquireOutputLock(lockPath, path, (message) => ctx.events.log('warn', message));
  };
  try {
    return await runLocked(ctx, recorder, takeLock);
  } finally {
    try {
      lock.held?.release();
    } catch (error) {
      // The run's result is already decided; a lock left behind is taken over by the next run.
      ctx.events.log(
        'warn',
        `Could not remove the output lock: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

async function runLocked(
  ctx: RunContext,
  recorder: RunRecorder,
  takeLock: (path: string, lockPath: string) => void,
): Promise<number> {
  const { config, clock, events, logger } = ctx;
  const paths = outputPaths(config.output);
  const baseBuilder = createRequestBuilder(await promptSource(config, events), config.api);
  for (const notice of baseBuilder.notices) events.log('warn', notice);
  const builder = measuringBuilder(baseBuilder, await loadCounter(config.model ?? ''));
  const pricer = createPricer(await loadPriceTable(config.prices), 'standard', (m) => events.log('warn', m));

  // Resume needs the output's index before the input pass; a fresh output is only touched once
  // the input has proved readable, so a typo in --input never costs an existing file.
  let resumed: PreparedOutput | undefined;
  if (config.resume && !config.dryRun) {
    takeLock(paths.output, paths.lock);
    resumed = await prepareOutput(paths.output, { resume: true, overwrite: false });
  }
  if (resumed && resumed.repairedBytes > 0)
    events.emit('output:repaired', { path: paths.output, bytesRemoved: resumed.repairedBytes });
  const scan = await scanRunInput(config.input, resumed?.doneIds, events);
  if (!config.force) checkLooksLikeArtists(config.input, scan);
  if (scan.valid === 0 && scan.alreadyDone === 0) {
    throw new InputError(
      `No valid artist found in ${config.input} (${scan.errors} invalid rows, ${scan.skipped} skipped lines)`,
    );
  }
  if (config.dryRun) {
    printDryRun(builder, scan.preview, scan.valid);
    return ExitCode.ok;
  }
  if (!config.simulate && config.apiKey === undefined) {
    throw new ConfigError(
      'Missing API key: set OPENAI_API_KEY (environment or .env) or pass --api-key. To rehearse without one, add --simulate.',
    );
  }
  if (!resumed) {
    takeLock(paths.output, paths.lock);
    const fresh = await prepareOutput(paths.output, { resume: false, overwrite: config.overwrite });
    if (fresh.backupPath !== undefined)
      events.log('info', `--overwrite: the previous output was kept as ${fresh.backupPath}`);
  }

  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        events.log('warn', `Cleanup step failed: ${(error as Error).message}`);
      }
    }
  };
  try {
    // Optional parts (simulator, database, metrics) load only when asked for: a plain run stays light.
    let simulator: { url: string; close(): Promise<void> } | undefined;
    if (config.simulate) {
      const { startSimulator } = await import('../simulator/index.js');
      simulator = await startSimulator(SIMULATE_PROFILE);
      cleanups.push(() => simulator?.close());
      events.log('info', `Simulator running at ${simulator.url} (built-in provider: no key, no cost)`);
    }
    const apiKey = simulator ? 'sk-simulator' : (config.apiKey ?? '');
    const baseURL = simulator ? simulator.url : config.baseUrl;
    const provider = createOpenAIProvider({ apiKey, baseURL, clock });
    const first = scan.preview[0];
    const model = first === undefined ? config.model : (builder.build(first).record.model ?? config.model);
    const spend = await spendOptions(config, pricer, builder, model, resumed !== undefined, events);
    const ledger = await openRunLedger(config, paths, clock, events, apiKey, baseURL);
    cleanups.push(() => ledger.close());
    const quotaGate = await openQuotaGate(
      {
        monitoring: config.quotaMonitoring,
        threshold: config.quotaThreshold,
        rateShare: config.rateShare,
        dailyLimit: config.dailyLimit,
        pauseDurationHours: config.pauseDuration,
        logIntervalRequests: config.quotaLogInterval,
        onDailyLimit: config.onDailyLimit,
        statePath: config.stateFile ?? paths.state,
        maxWorkers: config.maxWorkers,
        maxOutputTokens: builder.maxOutputTokens,
        spend,
      },
      { clock, events, ledger },
    );
    const gate = withReachability(quotaGate, {
      clock,
      events,
      url: simulator ? simulator.url : (config.baseUrl ?? 'https://api.openai.com/v1'),
      giveUpMs: config.unreachableGiveUp * 1000,
    });
    cleanups.push(() => gate.close());

    const jsonl = openJsonlSink(paths.output);
    cleanups.push(() => jsonl.close());
    const errorsSink = openErrorSink(paths.errors, secretMaskFor(config));
    cleanups.push(() => errorsSink.close());
    const db: DatabaseLink | undefined = config.enableDb
      ? await (await import('./run-database.js')).openDatabase(config, paths, jsonl, events)
      : undefined;
    if (db) cleanups.push(() => db.close());

    const sink: ResultSink = {
      success(record) {
        const handle = jsonl.append(record);
        db?.enqueue(record, handle);
      },
      failure(record) {
        errorsSink.append(record);
      },
    };

    const runner = new Runner(
      {
        provider,
        builder,
        gate,
        sink,
        events,
        clock,
        costOf: (usage, model, tier) => pricer.costOf(usage, model, tier),
      },
      {
        maxWorkers: config.maxWorkers,
        maxRetries: config.maxRetries,
        requestTimeoutMs: config.requestTimeout * 1000,
        total: scan.valid,
        initialDbStatus: db ? 'pending' : null,
        flex:
          config.mode === 'flex'
            ? { fallback: config.flexFallback, fallbackAfter: config.flexFallbackAfter }
            : undefined,
      },
    );
    if (config.metricsPort !== undefined) {
      const { startMetricsServer } = await import('../telemetry/metrics.js');
      const metrics = await startMetricsServer({
        port: config.metricsPort,
        events,
        snapshot: () => ({ ...gate.snapshot(), inFlight: runner.inFlight }),
      });
      cleanups.push(() => metrics.close());
      events.log('info', `Prometheus metrics at ${metrics.url}`);
    }

    events.emit('run:start', {
      time: clock.now(),
      inputPath: config.input,
      outputPath: paths.output,
      maxWorkers: config.maxWorkers,
      total: scan.valid,
      alreadyDone: scan.alreadyDone,
      promptLabel: builder.label,
    });

    const progress = config.quiet
      ? undefined
      : startProgress({
          events,
          figures: () => recorder.live(),
          clock,
          logger,
          snapshot: () => gate.snapshot(),
          tty: process.stderr.isTTY,
          stream: process.stderr,
        });
    // Batch mode stops polling on a signal; its batches keep running and --resume collects them.
    const batchStop = new AbortController();
    const stopBatch = (reason: 'SIGINT' | 'SIGTERM'): void => {
      if (!batchStop.signal.aborted) batchStop.abort(reason);
    };
    const onSigint = (): void => {
      runner.stop('SIGINT');
      stopBatch('SIGINT');
    };
    const onSigterm = (): void => {
      runner.stop('SIGTERM');
      stopBatch('SIGTERM');
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    let outcome: RunOutcome;
    // A failure of our own (a write error mid-run) still ends with the summary and the report.
    let fatal: BioGenError | undefined;
    try {
      const todo = artistsToDo(scan.plan, resumed?.doneIds, events);
      if (config.mode === 'batch') {
        const { executeBatch } = await import('./run-batch.js');
        const batch = await executeBatch(
          {
            config,
            clock,
            events,
            sink,
            builder,
            pricer,
            output: paths.output,
            apiKey: simulator ? 'sk-simulator' : (config.apiKey ?? ''),
            baseURL: simulator ? simulator.url : config.baseUrl,
            initialDbStatus: db ? 'pending' : null,
            signal: batchStop.signal,
          },
          todo,
        );
        const reason = batchStop.signal.reason as 'SIGINT' | 'SIGTERM' | undefined;
        outcome = {
          succeeded: batch.succeeded,
          failed: batch.failed,
          stopReason: batch.stopped ? reason : undefined,
          stopError: undefined,
        };
      } else {
        outcome =
          scan.valid > 0
            ? await runner.run(todo)
            : { succeeded: 0, failed: 0, stopReason: undefined, stopError: undefined };
      }
      await db?.flush();
    } catch (error) {
      if (!(error instanceof BioGenError)) throw error;
      fatal = error;
      const figures = recorder.live();
      outcome = { succeeded: figures.succeeded, failed: figures.failed, stopReason: undefined, stopError: undefined };
    } finally {
      progress?.stop();
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    }
    if (scan.valid === 0)
      events.log('info', `Nothing left to do: all ${scan.alreadyDone} artists are already in ${paths.output}`);

    return await finishRun({ config, events, logger, recorder, paths }, outcome, fatal);
  } finally {
    await cleanup();
  }
}
