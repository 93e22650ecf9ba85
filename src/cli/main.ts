import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { BioGenError, ExitCode, exitCodeFor } from '../core/errors.js';
import { batchCommand } from './batch-command.js';
import { dbCommand } from './db-command.js';
import { systemClock } from '../core/clock.js';
import { quotaCommand } from './quota-command.js';
import { runCommand, type RunHost } from './run-command.js';
import { simulateCommand } from './simulate-command.js';
import { validateCommand } from './validate-command.js';
import { reportCommand } from './report-command.js';
import { dashboardCommand } from './dashboard-command.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The process as the `run` command sees it: the only place where `run` meets `process`. */
const processRunHost: RunHost = {
  deps: () => ({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    signals: process,
    clock: systemClock,
  }),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/**
 * A reader that goes away (`run --help | head -2`) is not an error: output to a closed pipe is
 * dropped instead of dying with an EPIPE stack trace.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}

/** Builds the program with every subcommand. */
export function buildProgram(): Command {
  const program = new Command('artist-bio-gen')
    .description(
      'Write a biography for every artist in a CSV catalog with the OpenAI API, inside your rate limits and daily budget.\n' +
        'Every result is streamed to JSONL as it arrives; an interrupted run continues with --resume.',
    )
    .version(packageVersion(), '--version', 'print the tool version')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions();
  program.addCommand(runCommand(processRunHost), { isDefault: true });
  program.addCommand(simulateCommand());
  program.addCommand(validateCommand());
  program.addCommand(reportCommand());
  program.addCommand(dashboardCommand());
  program.addCommand(dbCommand());
  program.addCommand(batchCommand());
  program.addCommand(quotaCommand());
  // One error prefix everywhere: commander's own `error:` lines read like the tool's `ERROR:`.
  const output = {
    writeErr: (text: string) => void process.stderr.write(text),
    outputError: (text: string, write: (text: string) => void) => write(text.replace(/^error: /, 'ERROR: ')),
  };
  const exitOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.configureOutput(output);
    for (const sub of cmd.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}

/** CLI entry point: parses argv, runs the command, and exits with its code. */
export async function main(argv: string[]): Promise<void> {
  ignoreClosedPipes();
  const program = buildProgram();
  let code: number;
  try {
    await program.parseAsync(argv, { from: 'user' });
    code = typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; they exit 0.
      code = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    } else if (error instanceof BioGenError) {
      process.stderr.write(`ERROR: ${error.message}\n`);
      code = exitCodeFor(error);
    } else {
      process.stderr.write(
        `ERROR: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      code = ExitCode.input;
    }
  }
  // Exit explicitly (open keep-alive sockets or pools must never keep a finished run alive),
  // but only after what was written to pipes has been handed to the OS.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  process.exit(code);
}
