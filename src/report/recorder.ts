import type { Clock } from '../core/clock.js';
import type { RunEmitter, RunSummary } from '../core/events.js';
import { buildReport } from './build.js';
import { observeRun } from './observations.js';
import { ResourceSampler } from './resources.js';
import type { RunReport } from './types.js';

/** Options of {@link createRunRecorder}. */
export interface RunRecorderOptions {
  /** The run's clock: quota events and the report time are stamped with it. */
  clock: Clock;
  /**
   * The run's configuration as a flat record, already redacted by the caller. Credential-like
   * keys and URL passwords are masked again before anything is written.
   */
  config: Record<string, string | number | boolean | null>;
  /** Real-time interval between memory samples. @default 1000 */
  sampleIntervalMs?: number;
}

/** Extra figures only the caller knows at the end of a run. */
export interface FinishExtra {
  /** Size in bytes of the output JSONL after the run. */
  outputBytes?: number;
}

/** Watches one run and turns it into a {@link RunReport}. */
export interface RunRecorder {
  /**
   * Stops recording and returns the report. Works for every outcome (completed, interrupted,
   * quota-stopped, failed); may be called again to rebuild the same report.
   */
  finish(summary: RunSummary, extra?: FinishExtra): RunReport;
  /** Stops recording without building a report (unsubscribes, stops the sampler). Idempotent. */
  stop(): void;
}

/**
 * Subscribes to a run's events and samples process memory and CPU until the run ends. Create it
 * before the runner emits `run:start` so that every request and pause is seen.
 *
 * @example
 * const recorder = createRunRecorder(events, { clock, config: redactConfig(config) });
 * const summary = await runner.run();
 * await writeReport('report.md', recorder.finish(summary, { outputBytes }));
 */
export function createRunRecorder(events: RunEmitter, options: RunRecorderOptions): RunRecorder {
  const { observations, unsubscribe } = observeRun(events, options.clock);
  const sampler = new ResourceSampler(options.sampleIntervalMs ?? 1000);
  let stopped = false;

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    sampler.stop();
  };

  return {
    finish(summary, extra = {}) {
      stop();
      return buildReport({
        observations,
        summary,
        resources: sampler.stop(),
        config: options.config,
        outputBytes: extra.outputBytes,
        now: options.clock.now(),
      });
    },
    stop,
  };
}
