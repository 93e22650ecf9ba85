/**
 * What the simulator knows about OpenAI's models: which ones reason, which reasoning efforts
 * they take, when they refuse sampling parameters, and how many reasoning tokens an answer
 * spends. The rules follow OpenAI's model pages as of 2026-12 (see README.md#model-choice-reasoning-effort-and-cost).
 */
import type { ApiErrorBody } from './error-bodies.js';
import { unsupportedParameterBody, unsupportedValueBody } from './error-bodies.js';
import { hashString } from './prng.js';
import type { GenerationRequest } from './request-info.js';

/** Models listed by `GET /v1/models` besides the configured default. */
export const LISTED_MODELS: readonly string[] = [
  'gpt-6-luna',
  'gpt-6-sol',
  'gpt-6-astra',
  'gpt-5-mini',
  'gpt-5-nano',
  'gpt-4.1-mini',
  'gpt-4o-mini',
];

/** How a model family treats reasoning and sampling parameters. */
export interface ModelRules {
  /** True for reasoning models (they spend reasoning tokens out of the output cap). */
  reasoning: boolean;
  /** Accepted `reasoning.effort` values; empty for models without reasoning. */
  efforts: readonly string[];
  /** Effort used when the request names none. */
  defaultEffort: string | undefined;
  /** Whether `temperature` / `top_p` are accepted at the given effort. */
  acceptsSampling(effort: string | undefined): boolean;
  /** True for names the simulator does not know: every parameter is accepted and ignored. */
  lenient?: boolean;
}

const GPT6_EFFORTS = ['none', 'low', 'medium', 'high', 'xhigh', 'max'];
const GPT5X_EFFORTS = ['none', 'low', 'medium', 'high', 'xhigh'];
const GPT5_EFFORTS = ['minimal', 'low', 'medium', 'high'];
const O_EFFORTS = ['low', 'medium', 'high'];

const NO_REASONING: ModelRules = {
  reasoning: false,
  efforts: [],
  defaultEffort: undefined,
  acceptsSampling: () => true,
};

// A name the simulator does not know (tests use made-up ones): no reasoning, nothing refused.
const UNKNOWN_MODEL: ModelRules = { ...NO_REASONING, lenient: true };

function reasoningRules(efforts: readonly string[], samplingWhenNone: boolean): ModelRules {
  return {
    reasoning: true,
    efforts,
    defaultEffort: 'medium',
    // Newer families take temperature and top_p only when they do not reason at all.
    acceptsSampling: (effort) => samplingWhenNone && (effort ?? 'medium') === 'none',
  };
}

/** The rules of a model, by name (a dated snapshot such as `gpt-6-luna-2026-09-22` included). */
export function modelRules(model: string): ModelRules {
  const name = model.toLowerCase();
  if (name.startsWith('gpt-6')) return reasoningRules(GPT6_EFFORTS, true);
  if (/^gpt-5\.\d/.test(name)) return reasoningRules(GPT5X_EFFORTS, true);
  if (name.startsWith('gpt-5')) return reasoningRules(GPT5_EFFORTS, false);
  if (/^o\d/.test(name)) return reasoningRules(O_EFFORTS, false);
  if (/^(gpt-4|gpt-3\.5|chatgpt-)/.test(name)) return NO_REASONING;
  return UNKNOWN_MODEL;
}

/** Typical reasoning tokens per effort for a short writing task. */
const REASONING_BUDGET: Record<string, number> = {
  none: 0,
  minimal: 32,
  low: 160,
  medium: 480,
  high: 1200,
  xhigh: 2400,
  max: 4800,
};

/**
 * Reasoning tokens one answer spends: the effort's typical figure, varied by ±20 % per
 * artist (deterministic, so a retry of the same artist spends the same).
 */
export function reasoningTokens(effort: string | undefined, artistKey: string): number {
  const base = REASONING_BUDGET[effort ?? 'medium'] ?? 0;
  if (base === 0) return 0;
  const spread = (hashString(`reasoning\u0000${artistKey}`) % 4001) / 10_000 - 0.2;
  return Math.max(1, Math.round(base * (1 + spread)));
}

const VERBOSITIES = ['low', 'medium', 'high'];
const SERVICE_TIERS = ['auto', 'default', 'flex', 'priority', 'scale'];

/**
 * The 400 body OpenAI sends for a request the model cannot take, or undefined when it is fine:
 * a reasoning effort on a model without reasoning or outside the model's list, `temperature` /
 * `top_p` where the family refuses them, an unknown verbosity or service tier.
 */
export function checkModelParameters(request: GenerationRequest): ApiErrorBody | undefined {
  const rules = modelRules(request.model);
  if (rules.lenient === true) return undefined;
  const effortParam = request.endpoint === 'chat' ? 'reasoning_effort' : 'reasoning.effort';
  if (request.effort !== undefined) {
    if (!rules.reasoning) return unsupportedParameterBody(effortParam);
    if (!rules.efforts.includes(request.effort)) {
      return unsupportedValueBody(effortParam, request.effort, rules.efforts);
    }
  }
  const effort = request.effort ?? rules.defaultEffort;
  if (!rules.acceptsSampling(effort)) {
    if (request.temperature !== undefined) return unsupportedParameterBody('temperature');
    if (request.topP !== undefined) return unsupportedParameterBody('top_p');
  }
  const verbosityParam = request.endpoint === 'chat' ? 'verbosity' : 'text.verbosity';
  if (request.verbosity !== undefined && !VERBOSITIES.includes(request.verbosity)) {
    return unsupportedValueBody(verbosityParam, request.verbosity, VERBOSITIES);
  }
  if (request.serviceTier !== undefined && !SERVICE_TIERS.includes(request.serviceTier)) {
    return unsupportedValueBody('service_tier', request.serviceTier, SERVICE_TIERS);
  }
  return undefined;
}
