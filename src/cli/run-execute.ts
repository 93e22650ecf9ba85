import { BioGenError } from '../core/errors.js';
import type { StopSignal } from '../core/signals.js';
import { Runner, type RunOutcome } from '../pipeline/index.js';
import type { RunRecorder } from '../report/index.js';
import { startProgress } from '../telemetry/index.js';
import { artistsToDo } from './input-scan.js';
import type { RunContext } from './run-context.js';
import type { RunPlan } from './run-prepare.js';
import type { RunResources } from './run-resources.js';

/** How the execute phase ended. */
export interface WorkResult {
  outcome: RunOutcome;
  /** A failure of our own mid-run (a write error): the run still ends with summary and report. */
  fatal: BioGenError | undefined;
}

/**
 * Phase 3 of a run: the workers go through the artists to do while progress is shown and stop
 * signals are listened to; database writes still queued are flushed before it returns.
 */
export async function executeWork(
  ctx: RunContext,
  plan: RunPlan,
  resources: RunResources,
  recorder: RunRecorder,
): Promise<WorkResult> {
  const { config, clock, events, logger, deps } = ctx;
  const { paths, builder, pricer, scan, resumed } = plan;
  const { provider, gate, sink, db } = resources;
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
      maxInFlight: config.maxInFlight,
      maxRetries: config.maxRetries,
      requestTimeoutMs: config.requestTimeout * 1000,
      total: scan.valid,
      flex:
        config.mode === 'flex' ? { fallback: config.flexFallback, fallbackAfter: config.flexFallbackAfter } : undefined,
    },
  );
  resources.live.current = runner;

  events.emit('run:start', {
    time: clock.now(),
    inputPath: config.input,
    outputPath: paths.output,
    maxWorkers: config.maxWorkers,
    maxInFlight: config.maxInFlight,
    total: scan.valid,
    alreadyDone: scan.alreadyDone,
    promptLabel: builder.label,
  });
  const progress = config.quiet
    ? undefined
    : startProgress({
        events,
        figures: () => ({ ...recorder.live(), pauseDurationMs: config.pauseDuration * 3_600_000 }),
        clock,
        logger,
        snapshot: () => gate.snapshot(),
        tty: deps.stderr.isTTY === true,
        stream: deps.stderr,
      });
  // Batch mode stops polling on a signal; its batches keep running and --resume collects them.
  const batchStop = new AbortController();
  const listeners = (['SIGINT', 'SIGTERM'] as const).map((signal: StopSignal) => {
    const listener = (): void => {
      runner.stop(signal);
      if (!batchStop.signal.aborted) batchStop.abort(signal);
    };
    deps.signals.on(signal, listener);
    return { signal, listener };
  });
  try {
    const todo = artistsToDo(scan.plan, resumed?.doneIds, events, scan.shard?.shard);
    let outcome: RunOutcome;
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
          ...resources.endpoint,
          signal: batchStop.signal,
          budget: resources.budget,
        },
        todo,
      );
      const reason = batchStop.signal.reason as StopSignal | undefined;
      outcome = {
        succeeded: batch.succeeded,
        failed: batch.failed,
        stopReason: batch.stopError !== undefined ? 'quota' : batch.stopped ? reason : undefined,
        stopError: batch.stopError,
      };
    } else {
      outcome =
        scan.valid > 0
          ? await runner.run(todo)
          : { succeeded: 0, failed: 0, stopReason: undefined, stopError: undefined };
    }
    await db?.flush();
    if (scan.valid === 0)
      events.log('info', `Nothing left to do: all ${scan.alreadyDone} artists are already in ${paths.output}`);
    return { outcome, fatal: undefined };
  } catch (error) {
    if (!(error instanceof BioGenError)) throw error;
    const figures = recorder.live();
    return {
      outcome: { succeeded: figures.succeeded, failed: figures.failed, stopReason: undefined, stopError: undefined },
      fatal: error,
    };
  } finally {
    progress?.stop();
    for (const { signal, listener } of listeners) deps.signals.off(signal, listener);
  }
}
