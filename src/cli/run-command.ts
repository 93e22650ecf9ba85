import { Command, Option } from 'commander';
import type { RunFieldName } from '../config/index.js';
import type { RunDeps } from './run-app.js';

/** Flags whose value the user types (commander key → setting). */
const VALUE_FLAGS: [string, RunFieldName][] = [
  ['input', 'input'],
  ['output', 'output'],
  ['promptFile', 'promptFile'],
  ['model', 'model'],
  ['promptId', 'promptId'],
  ['promptVersion', 'promptVersion'],
  ['api', 'api'],
  ['baseUrl', 'baseUrl'],
  ['apiKey', 'apiKey'],
  ['maxWorkers', 'maxWorkers'],
  ['maxRetries', 'maxRetries'],
  ['requestTimeout', 'requestTimeout'],
  ['quotaThreshold', 'quotaThreshold'],
  ['dailyLimit', 'dailyLimit'],
  ['pauseDuration', 'pauseDuration'],
  ['quotaLogInterval', 'quotaLogInterval'],
  ['onDailyLimit', 'onDailyLimit'],
  ['stateFile', 'stateFile'],
  ['dbUrl', 'dbUrl'],
  ['dbTarget', 'dbTarget'],
  ['metricsPort', 'metricsPort'],
  ['report', 'report'],
  ['logFile', 'logFile'],
  ['logFormat', 'logFormat'],
];
const BOOLEAN_FLAGS: RunFieldName[] = [
  'resume',
  'overwrite',
  'dryRun',
  'enableDb',
  'testMode',
  'simulate',
  'verbose',
  'quiet',
  'quotaMonitoring',
];

/** Maps commander's parsed options to setting values (undefined = not given on the command line). */
export function flagsFromOptions(opts: Record<string, unknown>): Partial<Record<RunFieldName, unknown>> {
  const flags: Partial<Record<RunFieldName, unknown>> = {};
  for (const [key, field] of VALUE_FLAGS) if (opts[key] !== undefined) flags[field] = opts[key];
  for (const field of BOOLEAN_FLAGS) if (opts[field] !== undefined) flags[field] = opts[field];
  // Aliases kept for users of the original tool.
  if (flags.input === undefined && opts['inputFile'] !== undefined) flags.input = opts['inputFile'];
  if (flags.apiKey === undefined && opts['openaiApiKey'] !== undefined) flags.apiKey = opts['openaiApiKey'];
  return flags;
}

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
  const cmd = new Command('run')
    .description('Generate a bio for every artist in a CSV file (default command)')
    .option('--input <file>', 'CSV of artists: artist_id,artist_name,artist_data (header optional)')
    .addOption(new Option('--input-file <file>', 'alias of --input').hideHelp())
    .option('--output <file>', 'JSONL output, one line per artist done (default: out.jsonl)')
    .option('--resume', 'continue an existing output: skip artists already in it, retry failed ones')
    .option('--overwrite', 'start the output afresh (replaces a non-empty output)')
    .option('--dry-run', 'validate the input and show the first 5 payloads; sends nothing, needs no key')
    .option(
      '--prompt-file <file>',
      'prompt template with {{artist_name}}/{{artist_data}} [env PROMPT_FILE] (default: built-in)',
    )
    .option('--model <name>', 'model for template prompts [env OPENAI_MODEL] (default: from the template)')
    .option(
      '--prompt-id <id>',
      'stored prompt id, legacy: OpenAI retires stored prompts on 2026-11-30 [env OPENAI_PROMPT_ID]',
    )
    .option('--prompt-version <v>', 'stored prompt version [env OPENAI_PROMPT_VERSION]')
    .addOption(
      new Option('--api <api>', 'API flavour: responses, or chat for servers without the Responses API').choices([
        'responses',
        'chat',
      ]),
    )
    .option('--base-url <url>', 'OpenAI-compatible API base URL [env OPENAI_BASE_URL]')
    .option('--api-key <key>', 'API key [env OPENAI_API_KEY]; never printed')
    .addOption(new Option('--openai-api-key <key>', 'alias of --api-key').hideHelp())
    .option('--simulate', 'run against the built-in simulator (no key, no cost)')
    .option('--max-workers <n>', 'concurrent requests, 1-512 (default: 4)')
    .option('--max-retries <n>', 'retries per artist after the first attempt, 0-100 (default: 5)')
    .option('--request-timeout <sec>', 'seconds before a request is abandoned and retried (default: 120)')
    .option(
      '--quota-monitoring [bool]',
      'enable quota monitoring: true or false; a bare flag means true [env QUOTA_MONITORING] (default: true)',
    )
    .option('--no-quota-monitoring', 'disable quota monitoring (provider 429s are still honoured)')
    .option(
      '--quota-threshold <x>',
      'pause when this share of the daily limit is used, 0.1-1.0 [env QUOTA_THRESHOLD] (default: 0.8)',
    )
    .option('--daily-limit <n>', 'requests per UTC day, retries included [env DAILY_REQUEST_LIMIT] (default: none)')
    .option(
      '--pause-duration <hours>',
      'length of the threshold pause, >0-72, fractions allowed [env PAUSE_DURATION_HOURS] (default: 24)',
    )
    .option('--quota-log-interval <n>', 'log quota metrics every N requests [env QUOTA_LOG_INTERVAL] (default: 100)')
    .addOption(
      new Option(
        '--on-daily-limit <what>',
        'at the hard daily limit: wait for the next UTC day, or exit with code 5',
      ).choices(['wait', 'exit']),
    )
    .option('--state-file <file>', 'quota ledger and run state (default: <output>.state.json)')
    .option('--enable-db', 'also store bios in a database (SQLite next to the output unless --db-url)')
    .option('--db-url <url>', 'PostgreSQL URL, implies --enable-db [env DATABASE_URL, used with --enable-db]')
    .addOption(
      new Option(
        '--db-target <target>',
        "store: the tool's own table; catalog: UPDATE an existing artists table",
      ).choices(['store', 'catalog']),
    )
    .option('--test-mode', 'catalog mode writes to test_artists instead of artists')
    .option('--metrics-port <n>', 'serve Prometheus metrics on this port while the run lasts')
    .option('--report <file>', 'write a run report at the end (.json or .md)')
    .option('--log-file <file>', 'also append log lines to this file')
    .addOption(new Option('--log-format <format>', 'log line format').choices(['text', 'json']))
    .option('--verbose', 'debug logging')
    .option('--quiet', 'only warnings and errors on the console')
    .addHelpText('after', EXAMPLES)
    .action(async (_opts: Record<string, unknown>, command: Command) => {
      // Loaded on use, so `--help` and the other commands do not pay for the whole pipeline.
      const { executeRun } = await import('./run-app.js');
      host.setExitCode(await executeRun(flagsFromOptions(command.opts()), host.deps()));
    });
  return cmd;
}
