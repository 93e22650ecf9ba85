import { Command } from 'commander';
import type { RunDeps } from './run-app.js';
import { addRunOptions, flagsFromOptions } from './run-options.js';

const EXAMPLES = `
Examples:
  # Rehearse for free against the built-in simulator
  artist-bio-gen run --simulate --input artists.csv --output bios.jsonl

  # Production run: 8 workers, stop at 80 % of a 5,000-request daily budget, resumable
  OPENAI_API_KEY=sk-... artist-bio-gen --input artists.csv --output bios.jsonl \\
    --max-workers 8 --daily-limit 5000 --quota-threshold 0.8 --resume

  # Check the file and see the first payloads without sending anything
  artist-bio-gen --input artists.csv --dry-run

Exit codes: 0 done · 1 input unreadable/no valid artist · 2 usage error · 3 configuration or
connection error · 4 some artists failed · 5 stopped by quota (resumable) · 130 SIGINT · 143 SIGTERM.
Settings are read from flags, then the environment, then .env.local, then .env.`;

/** How the `run` command reaches the world: its dependencies and where its exit code goes. */
export interface RunHost {
  /** The run's dependencies, asked for when the command runs (not when it is built). */
  deps(): RunDeps;
  /** Receives the run's exit code. */
  setExitCode(code: number): void;
}

/**
 * The `run` subcommand (the default): generate bios for every artist of a CSV. The CLI hands it
 * the process (`src/cli/main.ts`); tests hand it a manual clock and captured streams.
 */
export function runCommand(host: RunHost): Command {
  // Every option comes from the settings table (src/config/fields.ts): a new setting is one row there.
  const cmd = addRunOptions(
    new Command('run').description('Generate a bio for every artist in a CSV file (default command)'),
  )
    .addHelpText('after', EXAMPLES)
    .action(async (_opts: Record<string, unknown>, command: Command) => {
      // Loaded on use, so `--help` and the other commands do not pay for the whole pipeline.
      const { executeRun } = await import('./run-app.js');
      host.setExitCode(await executeRun(flagsFromOptions(command.opts()), host.deps()));
    });
  return cmd;
}
