/**
 * The request settings a template's front matter may carry, checked once when the template is
 * read (README.md#prompts lists them).
 */
import type { Tool } from 'openai/resources/responses/responses';
import { ConfigError } from '../core/errors.js';

/** A hosted tool offered to the model, as sent in the Responses `tools` array. */
export type ToolSpec = Tool;

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
const VERBOSITIES = ['low', 'medium', 'high'] as const;
const TIERS = ['auto', 'default', 'flex', 'priority'] as const;

/** A `reasoning.effort` value. */
export type ReasoningEffort = (typeof EFFORTS)[number];
/** A `text.verbosity` value. */
export type Verbosity = (typeof VERBOSITIES)[number];
/** A `service_tier` value. */
export type ServiceTier = (typeof TIERS)[number];

/** Request settings from a template's front matter. */
export interface TemplateSettings {
  /** Model named by the template's front matter. */
  model?: string;
  /** System-level instructions sent as `instructions`. */
  instructions?: string;
  /** Output cap sent as `max_output_tokens` (reasoning tokens included). */
  maxOutputTokens?: number;
  /**
   * Largest cap an answer cut off at `max_output_tokens` is retried with (the retry doubles the
   * cap up to this). @default twice `maxOutputTokens`
   */
  retryMaxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  /** `reasoning.effort` (`reasoning_effort` on chat), e.g. `none`, `low`, `medium`. */
  reasoningEffort?: ReasoningEffort;
  /** `text.verbosity` (`verbosity` on chat): `low`, `medium` or `high`. */
  verbosity?: Verbosity;
  /** `service_tier`: `auto`, `default`, `flex` or `priority`. */
  serviceTier?: ServiceTier;
  /** Whether OpenAI keeps the response for later retrieval. @default false */
  store?: boolean;
  /** Hosted tools offered to the model. */
  tools?: ToolSpec[];
  /** Adds the web search tool (grounded bios with sources). @default false */
  webSearch?: boolean;
}

/** Front-matter keys a template may use. */
export const SETTING_KEYS: readonly string[] = [
  'model',
  'instructions',
  'max_output_tokens',
  'retry_max_output_tokens',
  'temperature',
  'top_p',
  'reasoning_effort',
  'verbosity',
  'service_tier',
  'store',
  'tools',
  'web_search',
];

/** Reads the settings out of parsed front-matter values. Throws `ConfigError` naming the file and key. */
export function readSettings(values: ReadonlyMap<string, string>, source: string): TemplateSettings {
  const bad = (key: string, expected: string, got: string): never => {
    throw new ConfigError(`Prompt template ${source}: ${key} must be ${expected}, got "${got}"`);
  };
  const settings: TemplateSettings = {};
  const get = (key: string): string | undefined => {
    const value = values.get(key);
    return value === undefined || value === '' ? undefined : value;
  };
  const integer = (key: string, min: number): number | undefined => {
    const raw = get(key);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    return Number.isInteger(n) && n >= min ? n : bad(key, `an integer of at least ${min}`, raw);
  };
  const number = (key: string, min: number, max: number): number | undefined => {
    const raw = get(key);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    return Number.isFinite(n) && n >= min && n <= max ? n : bad(key, `between ${min} and ${max}`, raw);
  };
  const choice = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const raw = get(key);
    if (raw === undefined) return undefined;
    const found = allowed.find((value) => value === raw);
    return found ?? bad(key, `one of ${allowed.join(', ')}`, raw);
  };
  const flag = (key: string): boolean | undefined => {
    const raw = get(key);
    if (raw === undefined) return undefined;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    return bad(key, 'true or false', raw);
  };

  const model = get('model');
  if (model !== undefined) settings.model = model;
  const instructions = get('instructions');
  if (instructions !== undefined) settings.instructions = instructions;
  const max = integer('max_output_tokens', 16);
  if (max !== undefined) settings.maxOutputTokens = max;
  const retryMax = integer('retry_max_output_tokens', 16);
  if (retryMax !== undefined) {
    if (max === undefined || retryMax < max) {
      bad('retry_max_output_tokens', `at least max_output_tokens (${max ?? 'not set'})`, String(retryMax));
    }
    settings.retryMaxOutputTokens = retryMax;
  }
  const temperature = number('temperature', 0, 2);
  if (temperature !== undefined) settings.temperature = temperature;
  const topP = number('top_p', 0, 1);
  if (topP !== undefined) settings.topP = topP;
  const effort = choice('reasoning_effort', EFFORTS);
  if (effort !== undefined) settings.reasoningEffort = effort;
  const verbosity = choice('verbosity', VERBOSITIES);
  if (verbosity !== undefined) settings.verbosity = verbosity;
  const tier = choice('service_tier', TIERS);
  if (tier !== undefined) settings.serviceTier = tier;
  const store = flag('store');
  if (store !== undefined) settings.store = store;
  const webSearch = flag('web_search');
  if (webSearch !== undefined) settings.webSearch = webSearch;
  const tools = get('tools');
  if (tools !== undefined) settings.tools = readTools(tools, source);
  return settings;
}

/** `tools` is a JSON array of tool objects, or a comma-separated list of tool types. */
function readTools(raw: string, source: string): ToolSpec[] {
  if (!raw.trimStart().startsWith('[')) {
    return raw
      .split(',')
      .map((type) => type.trim())
      .filter((type) => type !== '')
      .map((type) => ({ type }) as ToolSpec);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`Prompt template ${source}: tools is not valid JSON: ${raw}`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError(`Prompt template ${source}: tools must be a JSON array`);
  return parsed.map((tool: unknown, i) => {
    if (typeof tool !== 'object' || tool === null || typeof (tool as { type?: unknown }).type !== 'string') {
      throw new ConfigError(`Prompt template ${source}: tools[${i}] must be an object with a "type" string`);
    }
    // Checked for a type only: the API validates the rest and names the field it refuses.
    return tool as ToolSpec;
  });
}
