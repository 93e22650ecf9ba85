import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { numericFlag } from '../config/index.js';
import { systemClock, type Clock } from '../core/clock.js';
import { InputError, UsageError } from '../core/errors.js';

/** What `dashboard` needs from its surroundings; tests and embedders pass their own. */
export interface DashboardCommandIo {
  /** Receives the address and warnings. @default writes to process.stderr */
  stderr?: (text: string) => void;
  /** Stops the server when aborted, besides SIGINT/SIGTERM. @default none */
  signal?: AbortSignal;
  /** @default the system clock */
  clock?: Clock;
}

interface DashboardFlags {
  port: number;
  host: string;
  input?: string;
  dailyLimit?: number;
  refreshMs: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

const EXAMPLES = `
Reads only the job's files: the output JSONL, its .errors.jsonl, <output>.state.json (the day's
count and any pause, written by --simulate and --state-file runs), <output>.batches.json (batch
mode) and <output>.lock (whether a run is writing). It looks at them every --refresh-ms, so it
also follows a run started without --dashboard. Retries and 429s are not in the files.

Examples:
  $ artist-bio-gen dashboard out/bios.jsonl --input artists.csv
  $ artist-bio-gen dashboard out/bios.jsonl --port 8080 --daily-limit 5000
`;

/** Resolves on SIGINT, SIGTERM or when `signal` aborts; removes its listeners afterwards. */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (signal?.aborted === true) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}

/**
 * The `dashboard` subcommand: `artist-bio-gen dashboard OUTPUT [--port N] [--host H] [--input
 * CSV]` serves the live dashboard page of a finished or running job from its files alone, until
 * SIGINT/SIGTERM. Loopback by default; another host is allowed with a warning.
 */
export function dashboardCommand(io: DashboardCommandIo = {}): Command {
  const write = io.stderr ?? ((text: string) => void process.stderr.write(text));
  return new Command('dashboard')
    .description('Serve the live dashboard of a finished or running job from its files (output, errors, state)')
    .argument('<output>', 'output JSONL of the job')
    .option(
      '--port <n>',
      'TCP port, 0 = any free port',
      numericFlag('--port', { min: 0, max: 65_535, integer: true }),
      0,
    )
    .option(
      '--host <host>',
      'interface to listen on (the page shows bios and spend: loopback unless you mean it)',
      '127.0.0.1',
    )
    .option('--input <file>', "the job's input CSV, to know how many artists it has (progress and ETA)")
    .option(
      '--daily-limit <n>',
      "the job's requests per UTC day, for the budget line and the ETA",
      numericFlag('--daily-limit', { min: 1, integer: true }),
    )
    .option(
      '--refresh-ms <ms>',
      'how often to look at the files',
      numericFlag('--refresh-ms', { min: 100, max: 600_000, integer: true }),
      1000,
    )
    .addHelpText('after', EXAMPLES)
    .action(async (output: string, _options: unknown, command: Command) => {
      const flags = command.opts<DashboardFlags>();
      const folder = dirname(output);
      if (!existsSync(folder) || !statSync(folder).isDirectory()) {
        throw new InputError(`Cannot show ${output}: the folder ${folder} does not exist`);
      }
      if (existsSync(output) && statSync(output).isDirectory()) {
        throw new UsageError(`Cannot show ${output}: it is a folder; give the job's output JSONL`);
      }
      let total: number | undefined;
      if (flags.input !== undefined) {
        const { scanInput } = await import('../input/index.js');
        total = (await scanInput(flags.input)).valid;
      }
      const { followJobFiles } = await import('./dashboard-follow.js');
      const { startDashboardServer } = await import('../dashboard/index.js');
      const follower = await followJobFiles({
        output,
        total,
        dailyLimit: flags.dailyLimit,
        clock: io.clock ?? systemClock,
        intervalMs: flags.refreshMs,
        onProblem: (message) => write(`WARNING: ${message} (showing the last good read)\n`),
      });
      let server;
      try {
        server = await startDashboardServer({ port: flags.port, host: flags.host, state: () => follower.state() });
      } catch (error) {
        follower.stop();
        const code = (error as NodeJS.ErrnoException).code;
        throw new UsageError(
          `Invalid --port ${flags.port} or --host ${flags.host}: cannot listen (${code ?? String(error)})`,
          {
            cause: error,
          },
        );
      }
      if (!LOOPBACK.has(flags.host)) {
        write(
          `WARNING: The dashboard listens on ${flags.host}: anyone who can reach it sees the bios, the budget and the spend\n`,
        );
      }
      if (!existsSync(output)) write(`Nothing written to ${output} yet: waiting for the run\n`);
      write(`Dashboard at ${server.url} (following ${output}; Ctrl+C to stop)\n`);
      await untilStopped(io.signal);
      follower.stop();
      await server.close();
    });
}
