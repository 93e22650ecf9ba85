/** Shapes shared by the harness and the scenarios. */
import type { BaselineScripts } from './baselines.js';

/** One line of the results table. */
export interface Row {
  /** What was measured, e.g. `ours: wall time ÷ ideal`. */
  metric: string;
  /** The figure as printed. */
  value: string;
  /** The figure as a number, for latest.json (undefined when it is not one). */
  raw?: number | undefined;
  /** The goal as printed; empty when the figure has none. */
  goal: string;
  /** Whether the goal was met; undefined when there is no goal. */
  pass?: boolean | undefined;
}

/** What a scenario hands back. */
export interface ScenarioResult {
  rows: Row[];
  /** Remarks printed under the table (a skipped part, a goal missed and why). */
  notes: string[];
  /** Every measurement behind the rows, for latest.json. */
  details: Record<string, unknown>;
}

/** What every scenario receives from the harness. */
export interface BenchContext {
  /** `--quick`: smaller sizes and fewer repetitions, for a run under a minute. */
  quick: boolean;
  /** A temporary folder of this bench run, removed at the end. */
  workDir: string;
  /** The compiled baseline clients. */
  baselines: BaselineScripts;
  /** The rendered request body the baselines fill in (see fixtures). */
  bodyFile: string;
  /** Progress messages (stderr). */
  log: (message: string) => void;
  /** Figures one scenario leaves for a later one (scenario 7 checks scenario 2's rates). */
  shared: Map<string, number>;
}

/** One benchmark scenario. */
export interface Scenario {
  id: number;
  title: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}
