import { ConfigError, UsageError } from '../core/errors.js';
import { runFields, type FieldSpec, type RunFieldName, type SettingSource } from './fields.js';
import type { RunConfig } from './run-config.js';

/** The raw layers a run's settings are merged from (precedence: docs/architecture.md#settings). */
export interface ConfigLayers {
  /** Values given as command-line flags (strings or booleans, as parsed). */
  flags: Partial<Record<RunFieldName, unknown>>;
  /** The process environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** Variables of `.env.local` in the working directory. */
  envLocal: Readonly<Record<string, string>>;
  /** Variables of `.env` in the working directory. */
  dotEnv: Readonly<Record<string, string>>;
}

interface Picked {
  value: unknown;
  source: SettingSource;
}

function pick(name: RunFieldName, spec: FieldSpec, layers: ConfigLayers): Picked | undefined {
  const flag = layers.flags[name];
  if (flag !== undefined) return { value: flag, source: 'flag' };
  if (spec.env !== undefined) {
    const envName = spec.env;
    // An empty environment value means "not set", as in most tools' dotenv handling.
    const fromEnv = layers.env[envName];
    if (fromEnv !== undefined && fromEnv.trim() !== '') return { value: fromEnv, source: 'environment' };
    const fromLocal = layers.envLocal[envName];
    if (fromLocal !== undefined && fromLocal.trim() !== '') return { value: fromLocal, source: '.env.local' };
    const fromDot = layers.dotEnv[envName];
    if (fromDot !== undefined && fromDot.trim() !== '') return { value: fromDot, source: '.env' };
  }
  if (spec.default !== undefined) return { value: spec.default, source: 'default' };
  return undefined;
}

function describeSource(spec: FieldSpec, source: SettingSource): string {
  if (source === 'flag') return spec.flag;
  if (source === 'environment') return `environment variable ${spec.env ?? ''}`;
  return `${spec.env ?? spec.flag} (from ${source})`;
}

/** Request timeout of flex mode when none is set, in seconds. */
export const FLEX_REQUEST_TIMEOUT_S = 900;

/** Origin of every resolved setting, for diagnostics and the run report. */
export type ConfigSources = Partial<Record<RunFieldName, SettingSource>>;

/**
 * Merges the layers (CLI > process env > .env.local > .env > defaults), validates every value
 * with its zod rule, and returns a typed config. A bad flag value throws `UsageError` (exit 2),
 * a bad environment value `ConfigError` (exit 3); both name the flag or variable and the range.
 */
export function resolveRunConfig(layers: ConfigLayers): { config: RunConfig; sources: ConfigSources } {
  const values: Record<string, unknown> = {};
  const sources: ConfigSources = {};
  const problems: { message: string; fromFlag: boolean }[] = [];
  for (const [name, spec] of Object.entries(runFields) as [RunFieldName, FieldSpec][]) {
    const picked = pick(name, spec, layers);
    if (picked === undefined) continue;
    const parsed = spec.schema.safeParse(picked.value);
    if (parsed.success) {
      values[name] = parsed.data;
      sources[name] = picked.source;
    } else {
      const detail = parsed.error.issues[0]?.message ?? 'invalid value';
      // A credential is never echoed, not even a mistyped one.
      const shown =
        spec.secret !== undefined ? '' : ` (${detail.startsWith('got') ? detail : `got "${String(picked.value)}"`})`;
      problems.push({
        message: `Invalid value for ${describeSource(spec, picked.source)}: expected ${spec.allowed}${shown}`,
        fromFlag: picked.source === 'flag',
      });
    }
  }
  if (problems.length > 0) {
    const message = problems.map((p) => p.message).join('\n');
    throw problems.some((p) => p.fromFlag) ? new UsageError(message) : new ConfigError(message);
  }
  if (values['input'] === undefined) {
    throw new UsageError(
      'Missing required option --input FILE (the CSV of artists to process). Example: artist-bio-gen --simulate --input examples/artists_100.csv; see artist-bio-gen run --help',
    );
  }
  if (values['resume'] === true && values['overwrite'] === true) {
    throw new UsageError('--resume and --overwrite cannot be used together: choose one');
  }
  if (values['redoStale'] === true && values['resume'] !== true) {
    throw new UsageError('--redo-stale needs --resume: it regenerates stale lines of an existing output');
  }
  if (values['redoStale'] === true && values['mode'] === 'batch') {
    throw new UsageError('--redo-stale is not available with --mode batch yet; run it in standard or flex mode');
  }
  if (values['quiet'] === true && values['verbose'] === true) {
    throw new UsageError('--quiet and --verbose cannot be used together');
  }
  if (values['promptVersion'] !== undefined && values['promptId'] === undefined) {
    throw new UsageError('--prompt-version needs --prompt-id (or OPENAI_PROMPT_ID)');
  }
  // Flex answers can take many minutes; OpenAI advises a 15-minute client timeout (docs/flex.md).
  if (values['mode'] === 'flex' && sources.requestTimeout === 'default')
    values['requestTimeout'] = FLEX_REQUEST_TIMEOUT_S;
  // A URL on the command line means the user wants the database; one in the environment alone does not.
  if (sources.dbUrl === 'flag') values['enableDb'] = true;
  return { config: values as unknown as RunConfig, sources };
}
