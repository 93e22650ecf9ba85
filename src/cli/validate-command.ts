import { Command } from 'commander';
import { numericFlag } from '../config/index.js';
import { formatValidation, validateOutput } from '../report/index.js';

/** Where `validate` writes; tests pass their own writer. */
export interface ValidateCommandIo {
  /** Receives the report text. @default writes to process.stdout */
  stdout?: (text: string) => void;
}

interface ValidateFlags {
  input?: string;
  minLength: number;
  json?: boolean;
}

const parseMinLength = numericFlag('--min-length', { min: 0, integer: true });

const EXAMPLES = `
Checks, line by line (the file is streamed, never loaded whole):
  - every line is a JSON object with artist_id, artist_name, response_text, response_id and "error": null
  - response_text has at least --min-length characters
  - no artist_id appears twice
  - the last line is complete (not torn by a crash)
  - with --input: every valid artist of the CSV has a line, and no line belongs to another artist

Exit code: 0 when the file is clean, 1 when a problem was found or a file cannot be read.

Examples:
  $ artist-bio-gen validate out.jsonl
  $ artist-bio-gen validate out.jsonl --input artists.csv --min-length 100
  $ artist-bio-gen validate out.jsonl --input artists.csv --json > validation.json
`;

/**
 * The `validate` subcommand: `artist-bio-gen validate OUTPUT.jsonl [--input FILE.csv]
 * [--min-length 50] [--json]`. Sets `process.exitCode` to 0 when clean and 1 otherwise; a missing
 * file rejects with `InputError`, a bad `--min-length` with `UsageError`.
 */
export function validateCommand(io: ValidateCommandIo = {}): Command {
  const write = io.stdout ?? ((text: string) => void process.stdout.write(text));
  return new Command('validate')
    .description('Check an output JSONL for completeness and integrity (the test plan’s data quality checks)')
    .argument('<output>', 'output JSONL file to check')
    .option('--input <file>', 'input CSV: every valid artist in it must be present in the output')
    .option('--min-length <n>', 'minimum bio length in characters', parseMinLength, 50)
    .option('--json', 'print the full result as JSON instead of a human summary')
    .addHelpText('after', EXAMPLES)
    .action(async (output: string, _options: unknown, command: Command) => {
      const flags = command.opts<ValidateFlags>();
      const result = await validateOutput({
        outputPath: output,
        inputPath: flags.input,
        minLength: flags.minLength,
      });
      write(flags.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatValidation(result));
      process.exitCode = result.ok ? 0 : 1;
    });
}
