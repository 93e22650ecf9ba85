import type { RunConfig } from '../config/index.js';
import type { Clock } from '../core/clock.js';
import type { RunEmitter } from '../core/events.js';
import type { SignalSource } from '../core/signals.js';
import type { Logger } from '../telemetry/index.js';

/** What every phase of a run (prepare → open resources → execute → finish) works with. */
export interface RunContext {
  config: RunConfig;
  clock: Clock;
  events: RunEmitter;
  logger: Logger;
  /** The outside world as the composition root handed it over (see `RunDeps` in `run-app.ts`). */
  deps: {
    argv: readonly string[];
    /** Environment variables (XDG_STATE_HOME and HOME locate the key ledger). */
    env: Readonly<Record<string, string | undefined>>;
    stdout: NodeJS.WritableStream;
    stderr: NodeJS.WritableStream & { isTTY?: boolean };
    signals: SignalSource;
  };
}
