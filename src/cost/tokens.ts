/**
 * Token counting for estimates, with the tokenizer of the model's encoding (gpt-tokenizer).
 * Current OpenAI models (gpt-4o and later, o-series, gpt-4.1, gpt-5, gpt-6) use `o200k_base`;
 * gpt-4 and gpt-3.5 use `cl100k_base`.
 */
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

/** Name of a BPE encoding. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

const CL100K_MODELS = /^(gpt-4(-\d|-turbo|$)|gpt-3\.5|text-embedding-(ada|3))/;

/** The encoding `model` tokenizes with (o200k_base for every current and unknown model). */
export function encodingFor(model: string): EncodingName {
  return CL100K_MODELS.test(model) ? 'cl100k_base' : 'o200k_base';
}

type Counter = (text: string) => number;
let cl100k: Counter | undefined;

/**
 * Loads the counter of an encoding. o200k_base is always ready; cl100k_base is loaded on first
 * use since few runs need it.
 */
export async function loadCounter(model: string): Promise<Counter> {
  if (encodingFor(model) === 'o200k_base') return countO200k;
  if (!cl100k) {
    const mod = await import('gpt-tokenizer/encoding/cl100k_base');
    cl100k = mod.countTokens;
  }
  return cl100k;
}

/** Number of tokens of `text` in `model`'s encoding. */
export async function countTokens(text: string, model: string): Promise<number> {
  return (await loadCounter(model))(text);
}
