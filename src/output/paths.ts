/** Where a run's files live, derived from the output path (docs/architecture.md#output-files). */
import { basename, dirname, extname, join } from 'node:path';

/** The files of one output. */
export interface OutputPaths {
  /** The successes JSONL, as given. */
  output: string;
  /** Failures of the latest run: `<dir>/<stem>.errors.jsonl`. */
  errors: string;
  /** Quota ledger and run state: `<output>.state.json`. */
  state: string;
  /** Held by the run writing the output: `<output>.lock`. */
  lock: string;
}

/**
 * Derives the errors and state paths from the output path. The stem is the file name without
 * its extension: `out/bios.jsonl` → `out/bios.errors.jsonl` and `out/bios.jsonl.state.json`.
 */
export function outputPaths(outputPath: string): OutputPaths {
  const name = basename(outputPath);
  const extension = extname(name);
  const stem = extension === '' ? name : name.slice(0, -extension.length);
  return {
    output: outputPath,
    errors: join(dirname(outputPath), `${stem}.errors.jsonl`),
    state: `${outputPath}.state.json`,
    lock: `${outputPath}.lock`,
  };
}
