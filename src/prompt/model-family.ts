/**
 * Which request parameters a model family takes, so the builder never sends one the API would
 * refuse with a 400 for every artist (README.md#model-choice-reasoning-effort-and-cost).
 */

/** What the builder needs to know about a model. */
export interface ModelFamily {
  /** Family name for messages, e.g. `GPT-6`. */
  name: string;
  /** True for reasoning models: their reasoning tokens count against the output cap. */
  reasoning: boolean;
  /** Effort the API uses when the request names none. */
  defaultEffort: string | undefined;
  /** Whether `temperature` and `top_p` are accepted at `effort`. */
  acceptsSampling(effort: string | undefined): boolean;
  /** True when the family is known not to reason, so a reasoning effort would be refused. */
  known?: boolean;
}

const samplingOnlyWithoutReasoning =
  (defaultEffort: string) =>
  (effort: string | undefined): boolean =>
    (effort ?? defaultEffort) === 'none';

/**
 * The family of a model name. Unknown names (fine-tunes, other providers) are assumed to take
 * every parameter: the builder then sends what the template asks for.
 */
export function modelFamily(model: string): ModelFamily {
  const name = model.toLowerCase();
  if (name.startsWith('gpt-6')) {
    return {
      name: 'GPT-6',
      reasoning: true,
      defaultEffort: 'medium',
      acceptsSampling: samplingOnlyWithoutReasoning('medium'),
    };
  }
  if (/^gpt-5\.\d/.test(name)) {
    return {
      name: 'GPT-5.x',
      reasoning: true,
      defaultEffort: 'medium',
      acceptsSampling: samplingOnlyWithoutReasoning('medium'),
    };
  }
  if (name.startsWith('gpt-5') || /^o\d/.test(name)) {
    return {
      name: name.startsWith('o') ? 'o-series' : 'GPT-5',
      reasoning: true,
      defaultEffort: 'medium',
      acceptsSampling: () => false,
    };
  }
  if (/^(gpt-4|gpt-3\.5|chatgpt-)/.test(name)) {
    return { name: 'GPT-4', reasoning: false, defaultEffort: undefined, acceptsSampling: () => true, known: true };
  }
  return { name: 'other', reasoning: false, defaultEffort: undefined, acceptsSampling: () => true };
}
