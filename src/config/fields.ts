import { z } from 'zod';

/** Where a setting's value came from, weakest first. */
export type SettingSource = 'default' | '.env' | '.env.local' | 'environment' | 'flag';

const bool = z.union([z.boolean(), z.string().trim().toLowerCase()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  ctx.addIssue({ code: 'custom', message: `expected true or false, got "${value}"` });
  return z.NEVER;
});

const numberIn = (min: number, max: number, opts: { int?: boolean; minExclusive?: boolean } = {}) =>
  z.union([z.number(), z.string().trim().min(1)]).transform((value, ctx) => {
    const n = typeof value === 'number' ? value : Number(value);
    const low = opts.minExclusive ? n > min : n >= min;
    if (!Number.isFinite(n) || !low || n > max || (opts.int === true && !Number.isInteger(n))) {
      ctx.addIssue({ code: 'custom', message: `got "${String(value)}"` });
      return z.NEVER;
    }
    return n;
  });

const text = z.string().trim().min(1, 'must not be empty');
const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(values as [T, ...T[]]));

/** Description of one setting: its flag, its environment variable, its rule and default. */
export interface FieldSpec {
  /** Long flag, e.g. `--quota-threshold`. */
  flag: string;
  /** Environment variable, when the setting has one. */
  env?: string;
  /** Human description of the allowed values, used in error messages. */
  allowed: string;
  schema: z.ZodType;
  default?: unknown;
}

/**
 * Every setting of `run` (DESIGN §3.2). The single source of truth for flags, environment
 * variables, ranges and defaults.
 */
export const runFields = {
  input: { flag: '--input', allowed: 'a path to a CSV file', schema: text },
  output: { flag: '--output', allowed: 'a file path', schema: text, default: 'out.jsonl' },
  promptFile: { flag: '--prompt-file', env: 'PROMPT_FILE', allowed: 'a path to a template file', schema: text },
  model: { flag: '--model', env: 'OPENAI_MODEL', allowed: 'a model name', schema: text },
  promptId: { flag: '--prompt-id', env: 'OPENAI_PROMPT_ID', allowed: 'a stored prompt id (pmpt_…)', schema: text },
  promptVersion: { flag: '--prompt-version', env: 'OPENAI_PROMPT_VERSION', allowed: 'a version', schema: text },
  api: { flag: '--api', allowed: 'responses or chat', schema: oneOf(['responses', 'chat']), default: 'responses' },
  baseUrl: { flag: '--base-url', env: 'OPENAI_BASE_URL', allowed: 'an http(s) URL', schema: z.url() },
  apiKey: { flag: '--api-key', env: 'OPENAI_API_KEY', allowed: 'an API key', schema: text },
  maxWorkers: {
    flag: '--max-workers',
    allowed: 'an integer from 1 to 512',
    schema: numberIn(1, 512, { int: true }),
    default: 4,
  },
  maxRetries: {
    flag: '--max-retries',
    allowed: 'an integer from 0 to 100',
    schema: numberIn(0, 100, { int: true }),
    default: 5,
  },
  requestTimeout: {
    flag: '--request-timeout',
    allowed: 'seconds, more than 0 and at most 3600',
    schema: numberIn(0, 3600, { minExclusive: true }),
    default: 120,
  },
  resume: { flag: '--resume', allowed: 'a flag', schema: bool, default: false },
  overwrite: { flag: '--overwrite', allowed: 'a flag', schema: bool, default: false },
  dryRun: { flag: '--dry-run', allowed: 'a flag', schema: bool, default: false },
  quotaMonitoring: {
    flag: '--quota-monitoring',
    env: 'QUOTA_MONITORING',
    allowed: 'true or false',
    schema: bool,
    default: true,
  },
  quotaThreshold: {
    flag: '--quota-threshold',
    env: 'QUOTA_THRESHOLD',
    allowed: 'a number from 0.1 to 1.0',
    schema: numberIn(0.1, 1),
    default: 0.8,
  },
  dailyLimit: {
    flag: '--daily-limit',
    env: 'DAILY_REQUEST_LIMIT',
    allowed: 'a whole number of requests greater than 0, or none for no limit',
    // `none` (any case) lifts a limit set in .env or the environment: the test plan's "None" row.
    schema: z.union([
      z
        .string()
        .trim()
        .regex(/^none$/i)
        .transform(() => undefined),
      numberIn(1, Number.MAX_SAFE_INTEGER, { int: true }),
    ]),
  },
  pauseDuration: {
    flag: '--pause-duration',
    env: 'PAUSE_DURATION_HOURS',
    allowed: 'hours, more than 0 and at most 72 (fractions allowed: 0.1 = 6 minutes)',
    schema: numberIn(0, 72, { minExclusive: true }),
    default: 24,
  },
  quotaLogInterval: {
    flag: '--quota-log-interval',
    env: 'QUOTA_LOG_INTERVAL',
    allowed: 'a whole number of requests greater than 0, or none for no limit',
    // `none` (any case) lifts a limit set in .env or the environment: the test plan's "None" row.
    schema: z.union([
      z
        .string()
        .trim()
        .regex(/^none$/i)
        .transform(() => undefined),
      numberIn(1, Number.MAX_SAFE_INTEGER, { int: true }),
    ]),
    default: 100,
  },
  onDailyLimit: { flag: '--on-daily-limit', allowed: 'wait or exit', schema: oneOf(['wait', 'exit']), default: 'wait' },
  stateFile: { flag: '--state-file', allowed: 'a file path', schema: text },
  enableDb: { flag: '--enable-db', allowed: 'a flag', schema: bool, default: false },
  dbUrl: {
    flag: '--db-url',
    env: 'DATABASE_URL',
    allowed: 'a postgres:// or postgresql:// URL',
    schema: text.refine(
      (v) => /^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(v),
      'expected postgres://user@host:port/database',
    ),
  },
  dbTarget: { flag: '--db-target', allowed: 'store or catalog', schema: oneOf(['store', 'catalog']), default: 'store' },
  testMode: { flag: '--test-mode', allowed: 'a flag', schema: bool, default: false },
  simulate: { flag: '--simulate', allowed: 'a flag', schema: bool, default: false },
  metricsPort: { flag: '--metrics-port', allowed: 'a port from 0 to 65535', schema: numberIn(0, 65535, { int: true }) },
  report: {
    flag: '--report',
    allowed: 'a file ending in .json or .md',
    schema: text.refine((v) => /\.(json|md)$/i.test(v), 'expected a .json or .md file name'),
  },
  logFile: { flag: '--log-file', allowed: 'a file path', schema: text },
  logFormat: { flag: '--log-format', allowed: 'text or json', schema: oneOf(['text', 'json']), default: 'text' },
  verbose: { flag: '--verbose', allowed: 'a flag', schema: bool, default: false },
  quiet: { flag: '--quiet', allowed: 'a flag', schema: bool, default: false },
} as const satisfies Record<string, FieldSpec>;

/** Name of a run setting. */
export type RunFieldName = keyof typeof runFields;
