import * as z from '../core/schema.js';
import { bool, choice, numberIn, text } from './rules.js';

/** Where a setting's value came from, weakest first. */
export type SettingSource = 'default' | '.env' | '.env.local' | 'environment' | 'flag';

/**
 * One setting of `run`: everything the command line, the environment, validation, `--help`,
 * the `RunConfig` type and redaction need to know about it. See docs/architecture.md#settings.
 */
export interface FieldSpec {
  /** Long flag, e.g. `--quota-threshold`. */
  flag: string;
  /** Other long flags with the same meaning, listed beside the flag in `--help`, e.g. `--input-file`. */
  aliases?: readonly string[];
  /**
   * Value placeholder shown in `--help`: `<n>` for a required value, `[bool]` for an optional one.
   * Absent for a switch that takes no value.
   */
  placeholder?: string;
  /** Help text of a generated `--no-<flag>` switch that sets the setting to `false`. */
  negation?: string;
  /** Environment variable, when the setting has one (also read from `.env` and `.env.local`). */
  env?: string;
  /** One line for `--help`; the environment variable and the default are appended to it. */
  help: string;
  /** How `--help` shows the default when the value itself says too little (`none`, `built-in`). */
  helpDefault?: string;
  /** The only values accepted; `--help` lists them and commander refuses others. */
  choices?: readonly string[];
  /** Human description of the allowed values, used in error messages. */
  allowed: string;
  /** The rule a value must pass; its output type is the setting's type in `RunConfig`. */
  schema: z.ZodMiniType;
  /** Value when nothing sets it. A setting without one is optional in `RunConfig`. */
  default?: unknown;
  /** There is no default, yet a run cannot start without it (checked after merging the layers). */
  required?: true;
  /**
   * The value holds a credential: `value` is masked whole wherever settings are printed or stored,
   * `url-password` keeps the URL but masks its password. Error messages never echo either.
   */
  secret?: 'value' | 'url-password';
}

/**
 * Every setting of `run`, in `--help` order: the single source of the flags, aliases, environment
 * variables, ranges, defaults, help text, secrecy and the `RunConfig` type (docs/architecture.md#settings).
 * A new setting is one row here.
 */
export const runFields = {
  input: {
    flag: '--input',
    aliases: ['--input-file'],
    placeholder: '<file>',
    help: 'CSV of artists: artist_id,artist_name,artist_data (header optional)',
    allowed: 'a path to a CSV file',
    schema: text,
    required: true,
  },
  output: {
    flag: '--output',
    placeholder: '<file>',
    help: 'JSONL output, one line per artist done',
    allowed: 'a file path',
    schema: text,
    default: 'out.jsonl',
  },
  resume: {
    flag: '--resume',
    help: 'continue an existing output: skip artists already in it, retry failed ones',
    allowed: 'a flag',
    schema: bool,
    default: false,
  },
  redoStale: {
    flag: '--redo-stale',
    help: 'with --resume: also regenerate the bios whose prompt_fingerprint differs from the current template, model and parameters; the new line replaces the old one (kept in <output>.bak)',
    allowed: 'a flag',
    schema: bool,
    default: false,
  },
  force: {
    flag: '--force',
    help: 'process an input that does not look like an artist file (most rows invalid, ids with spaces or markup)',
    allowed: 'a flag',
    schema: bool,
    default: false,
  },
  overwrite: {
    flag: '--overwrite',
    help: 'start the output afresh (replaces a non-empty output)',
    allowed: 'a flag',
    schema: bool,
    default: false,
  },
  dryRun: {
    flag: '--dry-run',
    help: 'validate the input and show the first 5 payloads; sends nothing, needs no key',
    allowed: 'a flag',
    schema: bool,
    default: false,
  },
  promptFile: {
    flag: '--prompt-file',
    placeholder: '<file>',
    env: 'PROMPT_FILE',
    help: 'prompt template with {{artist_name}}/{{artist_data}}',
    helpDefault: 'built-in',
    allowed: 'a path to a template file',
    schema: text,
  },
  model: {
    flag: '--model',
    placeholder: '<name>',
    env: 'OPENAI_MODEL',
    help: 'model for template prompts',
    helpDefault: 'from the template',
    allowed: 'a model name',
    schema: text,
  },
  webSearch: {
    flag: '--web-search',
    help: 'let the model search the web and keep the cited pages as sources (grounded bios; Responses API)',
    allowed: 'a flag',
    schema: bool,
    default: false,
  },
  promptId: {
    flag: '--prompt-id',
    placeholder: '<id>',
    env: 'OPENAI_PROMPT_ID',
    help: 'stored prompt id, legacy: OpenAI shut stored prompts down on 2026-11-30 (works with servers that still serve them)',
    allowed: 'a stored prompt id (pmpt_…)',
    schema: text,
  },
  promptVersion: {
    flag: '--prompt-version',
    placeholder: '<v>',
    env: 'OPENAI_PROMPT_VERSION',
    help: 'stored prompt version',
    allowed: 'a version',
    schema: text,
  },
  api: {
    flag: '--api',
    placeholder: '<api>',
    help: 'API flavour: responses, or chat for servers without the Responses API',
    allowed: 'responses or chat',
    ...choice(['responses', 'chat']),
    default: 'responses',
  },
  baseUrl: {
    flag: '--base-url',
    placeholder: '<url>',
    env: 'OPENAI_BASE_URL',
    help: 'OpenAI-compatible API base URL',
    allowed: 'an http(s) URL',
    schema: z.url(),
  },
  apiKey: {
    flag: '--api-key',
    aliases: ['--openai-api-key'],
    placeholder: '<key>',
    env: 'OPENAI_API_KEY',
    help: 'API key; never printed',
    allowed: 'an API key',
    schema: text,
    secret: 'value',
  },
  organization: {
    flag: '--openai-org-id',
    placeholder: '<id>',
    env: 'OPENAI_ORG_ID',
    help: 'OpenAI organization to bill, sent as the OpenAI-Organization header',
    allowed: 'an organization id',
    schema: text,
  },
  project: {
    flag: '--openai-project-id',
    placeholder: '<id>',
    env: 'OPENAI_PROJECT_ID',
    help: 'OpenAI project to bill, sent as the OpenAI-Project header',
    allowed: 'a project id',
    schema: text,
  },
  simulate: {
    flag: '--simulate',
    help: 'run against the built-in simulator (no key, no cost)',
    allowed: 'a flag',
    schema: bool,
    default: false,
  },
  mode: {
    flag: '--mode',
    placeholder: '<mode>',
    env: 'RUN_MODE',
    help: 'standard requests, flex (half price, slower, service_tier "flex") or batch (Batch API, half price, within 24 h)',
    allowed: 'standard, flex or batch',
    ...choice(['standard', 'flex', 'batch']),
    default: 'standard',
  },
  flexFallback: {
    flag: '--flex-fallback',
    placeholder: '<what>',
    help: 'flex mode, after --flex-fallback-after "resource unavailable" refusals: keep waiting, or send at the standard tier',
    allowed: 'wait or standard',
    ...choice(['wait', 'standard']),
    default: 'wait',
  },
  flexFallbackAfter: {
    flag: '--flex-fallback-after',
    placeholder: '<n>',
    help: 'flex refusals of one artist before --flex-fallback standard applies, 1-1000',
    allowed: 'an integer from 1 to 1000',
    schema: numberIn({ min: 1, max: 1000, integer: true }),
    default: 3,
  },
  batchMaxRequests: {
    flag: '--batch-max-requests',
    placeholder: '<n>',
    help: 'batch mode: most requests per batch file, 1-50000 (files are also kept under 200 MB)',
    allowed: 'an integer from 1 to 50000',
    schema: numberIn({ min: 1, max: 50_000, integer: true }),
    default: 50_000,
  },
  batchQueueTokens: {
    flag: '--batch-queue-tokens',
    placeholder: '<n>',
    help: "batch mode: the model's enqueued-token limit; input tokens queued at once stay under it",
    helpDefault: 'none',
    allowed: 'a whole number of tokens greater than 0',
    schema: numberIn({ min: 1, integer: true }),
  },
  batchPollInterval: {
    flag: '--batch-poll-interval',
    placeholder: '<sec>',
    help: 'batch mode: first wait between status checks; it grows up to 10x while nothing changes',
    allowed: 'seconds, more than 0 and at most 3600',
    schema: numberIn({ min: 0, max: 3600, minExclusive: true }),
    default: 30,
  },
  maxWorkers: {
    flag: '--max-workers',
    placeholder: '<n>',
    help: 'concurrent requests: auto (follow the allowed rate × latency) or a fixed 1-10000',
    allowed: 'auto or an integer from 1 to 10000',
    schema: z.union([
      z.literal('auto'),
      z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.literal('auto')),
      numberIn({ min: 1, max: 10_000, integer: true }),
    ]),
    default: 'auto',
  },
  maxInFlight: {
    flag: '--max-in-flight',
    placeholder: '<n>',
    help: 'most requests in flight with --max-workers auto, 1-100000',
    allowed: 'an integer from 1 to 100000',
    schema: numberIn({ min: 1, max: 100_000, integer: true }),
    default: 1024,
  },
  maxRetries: {
    flag: '--max-retries',
    placeholder: '<n>',
    help: 'retries per artist after the first attempt, 0-100',
    allowed: 'an integer from 0 to 100',
    schema: numberIn({ min: 0, max: 100, integer: true }),
    default: 5,
  },
  requestTimeout: {
    flag: '--request-timeout',
    placeholder: '<sec>',
    help: 'seconds before a request is abandoned and retried (flex mode: 900 unless set)',
    allowed: 'seconds, more than 0 and at most 3600',
    schema: numberIn({ min: 0, max: 3600, minExclusive: true }),
    default: 120,
  },
  unreachableGiveUp: {
    flag: '--unreachable-give-up',
    placeholder: '<sec>',
    help: 'seconds the model API may stay unreachable (dispatch paused, probing) before the run stops with exit 3',
    allowed: 'seconds, from 1 to 86400',
    schema: numberIn({ min: 1, max: 86400 }),
    default: 900,
  },
  quotaMonitoring: {
    flag: '--quota-monitoring',
    placeholder: '[bool]',
    negation: 'disable quota monitoring (provider 429s are still honoured)',
    env: 'QUOTA_MONITORING',
    help: 'enable quota monitoring: true or false; a bare flag means true',
    allowed: 'true or false',
    schema: bool,
    default: true,
  },
  quotaThreshold: {
    flag: '--quota-threshold',
    placeholder: '<x>',
    env: 'QUOTA_THRESHOLD',
    help: 'pause when this share of the daily limit is used, 0.1-1.0',
    allowed: 'a number from 0.1 to 1.0',
    schema: numberIn({ min: 0.1, max: 1 }),
    default: 0.8,
  },
  rateShare: {
    flag: '--rate-share',
    placeholder: '<x>',
    env: 'RATE_SHARE',
    help: "share of the provider's request and token windows this run may use, >0-1.0",
    allowed: 'a number more than 0 and at most 1.0',
    schema: numberIn({ min: 0, max: 1, minExclusive: true }),
    default: 1,
  },
  dailyLimit: {
    flag: '--daily-limit',
    placeholder: '<n>',
    env: 'DAILY_REQUEST_LIMIT',
    help: 'requests per UTC day, retries included; none lifts a limit set in .env or the environment',
    helpDefault: 'none',
    allowed: 'a whole number of requests greater than 0, or none for no limit',
    // `none` (any case) lifts a limit set in .env or the environment: the test plan's "None" row.
    schema: z.union([
      z.pipe(
        z.string().check(z.trim(), z.regex(/^none$/i)),
        z.transform(() => undefined),
      ),
      numberIn({ min: 1, integer: true }),
    ]),
  },
  pauseDuration: {
    flag: '--pause-duration',
    placeholder: '<hours>',
    env: 'PAUSE_DURATION_HOURS',
    help: 'length of the threshold pause, >0-72, fractions allowed',
    allowed: 'hours, more than 0 and at most 72 (fractions allowed: 0.1 = 6 minutes)',
    schema: numberIn({ min: 0, max: 72, minExclusive: true }),
    default: 24,
  },
  quotaLogInterval: {
    flag: '--quota-log-interval',
    placeholder: '<n>',
    env: 'QUOTA_LOG_INTERVAL',
    help: 'log quota metrics every N requests',
    allowed: 'a whole number of requests greater than 0',
    schema: numberIn({ min: 1, integer: true }),
    default: 100,
  },
  onDailyLimit: {
    flag: '--on-daily-limit',
    placeholder: '<what>',
    help: 'at the hard daily limit: wait for the next UTC day, or exit with code 5',
    allowed: 'wait or exit',
    ...choice(['wait', 'exit']),
    default: 'wait',
  },
  stateFile: {
    flag: '--state-file',
    placeholder: '<file>',
    help: 'quota ledger and run state',
    helpDefault: '<output>.state.json',
    allowed: 'a file path',
    schema: text,
  },
  ledgerUrl: {
    flag: '--ledger-url',
    placeholder: '<url>',
    env: 'LEDGER_URL',
    help: 'keep the key ledger in PostgreSQL, shared by every process and machine on the key (docs/ledger.md#postgresql)',
    helpDefault: 'the SQLite ledger in the state directory',
    allowed: 'a postgres:// or postgresql:// URL',
    schema: text.check(
      z.refine((v) => /^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(v), 'expected postgres://user@host:port/database'),
    ),
    secret: 'url-password',
  },
  shard: {
    flag: '--shard',
    placeholder: '<i/n>',
    env: 'SHARD',
    help: 'do only shard I of N (1-based): the artists whose id hashes to it (docs/ledger.md#shards)',
    helpDefault: 'all artists',
    allowed: 'I/N with whole numbers 1 <= I <= N <= 1000, e.g. 2/3',
    schema: text.check(
      z.refine((v) => {
        const m = /^(\d{1,4})\/(\d{1,4})$/.exec(v);
        return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= Number(m[2]) && Number(m[2]) <= 1000;
      }, 'expected I/N with 1 <= I <= N <= 1000, e.g. 2/3'),
    ),
  },
  prices: {
    flag: '--prices',
    placeholder: '<file>',
    env: 'PRICES_FILE',
    help: 'price table override, JSON or YAML, USD per 1M tokens (docs/costs.md)',
    allowed: 'a .json, .yaml or .yml price file',
    schema: text,
  },
  maxCost: {
    flag: '--max-cost',
    placeholder: '<usd>',
    env: 'MAX_COST_USD',
    help: 'dollars this job may spend, resumes included; the run stops (exit 5) before exceeding it',
    allowed: 'US dollars, more than 0',
    schema: numberIn({ min: 0, minExclusive: true }),
  },
  dailyCostLimit: {
    flag: '--daily-cost-limit',
    placeholder: '<usd>',
    env: 'DAILY_COST_LIMIT_USD',
    help: 'dollars the API key may spend per UTC day, shared by every run on the key (exit 5 when reached)',
    allowed: 'US dollars, more than 0',
    schema: numberIn({ min: 0, minExclusive: true }),
  },
  enableDb: {
    flag: '--enable-db',
    help: 'also store bios in a database (SQLite next to the output unless --db-url)',
    allowed: 'a flag',
    schema: bool,
    default: false,
  },
  dbUrl: {
    flag: '--db-url',
    placeholder: '<url>',
    env: 'DATABASE_URL',
    help: 'PostgreSQL URL; the flag implies --enable-db, the variable applies with --enable-db',
    allowed: 'a postgres:// or postgresql:// URL',
    schema: text.check(
      z.refine((v) => /^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(v), 'expected postgres://user@host:port/database'),
    ),
    secret: 'url-password',
  },
  dbTarget: {
    flag: '--db-target',
    placeholder: '<target>',
    help: "store: the tool's own table; catalog: UPDATE an existing artists table",
    allowed: 'store or catalog',
    ...choice(['store', 'catalog']),
    default: 'store',
  },
  testMode: {
    flag: '--test-mode',
    help: 'catalog mode writes to test_artists instead of artists',
    allowed: 'a flag',
    schema: bool,
    default: false,
  },
  metricsPort: {
    flag: '--metrics-port',
    placeholder: '<n>',
    help: 'serve Prometheus metrics on this port while the run lasts',
    allowed: 'a port from 0 to 65535',
    schema: numberIn({ min: 0, max: 65535, integer: true }),
  },
  dashboard: {
    flag: '--dashboard',
    placeholder: '[port]',
    help: 'serve a live dashboard in the browser while the run lasts (loopback; a bare flag picks a free port)',
    allowed: 'a port from 0 to 65535 (0 or no value: any free port)',
    schema: z.union([
      z.pipe(
        z.literal(true),
        z.transform(() => 0),
      ),
      numberIn({ min: 0, max: 65535, integer: true }),
    ]),
  },
  dashboardHost: {
    flag: '--dashboard-host',
    placeholder: '<host>',
    help: 'interface the dashboard listens on; anything but 127.0.0.1 exposes bios and spend to the network',
    allowed: 'a host name or IP address',
    schema: text,
    default: '127.0.0.1',
  },
  report: {
    flag: '--report',
    placeholder: '<file>',
    help: 'write a run report at the end (.json, .md, or .html with charts)',
    allowed: 'a file ending in .json, .md or .html',
    schema: text.check(z.refine((v) => /\.(json|md|html?)$/i.test(v), 'expected a .json, .md or .html file name')),
  },
  logFile: {
    flag: '--log-file',
    placeholder: '<file>',
    help: 'also append log lines to this file',
    allowed: 'a file path',
    schema: text,
  },
  logFormat: {
    flag: '--log-format',
    placeholder: '<format>',
    help: 'log line format',
    allowed: 'text or json',
    ...choice(['text', 'json']),
    default: 'text',
  },
  verbose: { flag: '--verbose', help: 'debug logging', allowed: 'a flag', schema: bool, default: false },
  quiet: {
    flag: '--quiet',
    help: 'only warnings and errors on the console',
    allowed: 'a flag',
    schema: bool,
    default: false,
  },
} as const satisfies Record<string, FieldSpec>;

/** Name of a run setting. */
export type RunFieldName = keyof typeof runFields;

type ValueOf<F> = F extends { schema: infer S extends z.ZodMiniType } ? z.output<S> : never;
type AlwaysSet<F> = F extends { default: unknown } ? true : F extends { required: true } ? true : false;

/**
 * The typed settings a table of fields produces: a field with a default (or marked required) is
 * always present; the others are optional.
 */
export type ConfigOf<T extends Record<string, FieldSpec>> = {
  -readonly [K in keyof T as AlwaysSet<T[K]> extends true ? K : never]: ValueOf<T[K]>;
} & {
  -readonly [K in keyof T as AlwaysSet<T[K]> extends true ? never : K]?: ValueOf<T[K]>;
};
