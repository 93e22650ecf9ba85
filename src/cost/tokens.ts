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

// BPE time grows with the square of a run of text without spaces: 200 KB of one "word" takes
// minutes. Long texts are counted in pieces cut at a space where one is near, which is exact for
// prose and adds at most a token per cut otherwise (an estimate may exceed the bill, not fall below).
const PIECE = 2000;
const LONG = 2 * PIECE;

/** Wraps `count` so that texts of any length are counted in time linear in their length. */
export function linearCounter(count: Counter): Counter {
  return (text) => {
    if (text.length <= LONG) return count(text);
    let total = 0;
    let start = 0;
    while (start < text.length) {
      let end = Math.min(text.length, start + PIECE);
      if (end < text.length) {
        const space = text.lastIndexOf(' ', end);
        if (space > start + PIECE / 2) end = space;
      }
      total += count(text.slice(start, end));
      start = end;
    }
    return total;
  };
}

const o200k = linearCounter(countO200k);

/**
 * Loads the counter of an encoding. o200k_base is always ready; cl100k_base is loaded on first
 * use since few runs need it. Both count long texts in pieces ({@link linearCounter}).
 */
export async function loadCounter(model: string): Promise<Counter> {
  if (encodingFor(model) === 'o200k_base') return o200k;
  if (!cl100k) {
    const mod = await import('gpt-tokenizer/encoding/cl100k_base');
    cl100k = linearCounter(mod.countTokens);
  }
  return cl100k;
}

/** Number of tokens of `text` in `model`'s encoding. */
export async function countTokens(text: string, model: string): Promise<number> {
  return (await loadCounter(model))(text);
}
