import { Command } from 'commander';
import { numericFlag } from '../config/index.js';
import { acquireOutputLock, outputPaths } from '../output/index.js';
import { formatRepair, formatValidation, repairOutput, validateOutput, type RepairResult } from '../report/index.js';

/** Where `validate` writes; tests pass their own writer. */
export interface ValidateCommandIo {
  /** Receives the report text. @default writes to process.stdout */
  stdout?: (text: string) => void;
  /** Receives warnings (a lock that could not be released). @default writes to process.stderr */
  stderr?: (text: string) => void;
}

interface ValidateFlags {
  input?: string;
  minLength: number;
  json?: boolean;
  repair?: boolean;
}

const parseMinLength = numericFlag('--min-length', { min: 0, integer: true });

const EXAMPLES = `
Checks, line by line (the file is streamed, never loaded whole):
  - every line is a JSON object with artist_id, artist_name, response_text, response_id and "error": null
  - response_text has at least --min-length characters
  - no artist_id appears twice
  - the last line is complete (not torn by a crash)
  - with --input: every valid artist of the CSV has a line, and no line belongs to another artist

With --repair, the file is first rewritten to hold exactly one valid line per artist (the first
success of each, in order). Every other line (not JSON, wrong shape, failure record, duplicate)
is appended with its line number and reason to <stem>.rejected.jsonl, and the original is kept
as <output>.bak. Bios shorter than --min-length are kept (and still reported). The file is then
validated as usual.

Exit codes: 0 when the file is clean (after the repair, with --repair), 1 when a problem was found
or remains (e.g. --input artists missing: continue with run --resume) or a file cannot be read,
2 when --repair cannot take the output lock (a run is writing the file) or cannot write.

Examples:
  $ artist-bio-gen validate out.jsonl
  $ artist-bio-gen validate out.jsonl --input artists.csv --min-length 100
  $ artist-bio-gen validate out.jsonl --input artists.csv --json > validation.json
  $ artist-bio-gen validate out.jsonl --repair
`;

/** Runs the repair under the output lock, so that no run appends while the file is rewritten. */
async function repairLocked(output: string, warn: (text: string) => void): Promise<RepairResult> {
  const lock = acquireOutputLock(outputPaths(output).lock, output, (message) => warn(`WARNING: ${message}\n`));
  try {
    return await repairOutput(output);
  } finally {
    try {
      lock.release();
    } catch (error) {
      warn(`WARNING: Could not release the output lock: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}

/**
 * The `validate` subcommand: `artist-bio-gen validate OUTPUT.jsonl [--input FILE.csv]
 * [--min-length 50] [--json] [--repair]`. Sets `process.exitCode` to 0 when clean and 1 otherwise;
 * a missing file rejects with `InputError`, a bad `--min-length`, a held lock or a failed repair
 * write with `UsageError`.
 */
export function validateCommand(io: ValidateCommandIo = {}): Command {
  const write = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const warn = io.stderr ?? ((text: string) => void process.stderr.write(text));
  return new Command('validate')
    .description('Check an output JSONL for completeness and integrity (the test plan’s data quality checks)')
    .argument('<output>', 'output JSONL file to check')
    .option('--input <file>', 'input CSV: every valid artist in it must be present in the output')
    .option('--min-length <n>', 'minimum bio length in characters', parseMinLength, 50)
    .option('--json', 'print the full result as JSON instead of a human summary')
    .option(
      '--repair',
      'rewrite the file with one valid line per artist first (others to <stem>.rejected.jsonl, original kept as .bak)',
    )
    .addHelpText('after', EXAMPLES)
    .action(async (output: string, _options: unknown, command: Command) => {
      const flags = command.opts<ValidateFlags>();
      const repair = flags.repair === true ? await repairLocked(output, warn) : undefined;
      const result = await validateOutput({
        outputPath: output,
        inputPath: flags.input,
        minLength: flags.minLength,
      });
      if (flags.json === true)
        write(`${JSON.stringify(repair === undefined ? result : { ...result, repair }, null, 2)}\n`);
      else write(`${repair === undefined ? '' : formatRepair(repair)}${formatValidation(result)}`);
      process.exitCode = result.ok ? 0 : 1;
    });
}
