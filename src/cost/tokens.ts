/**
 * Token counting for estimates, with the tokenizer of the model's encoding (gpt-tokenizer).
 * Current OpenAI models (gpt-4o and later, o-series, gpt-4.1, gpt-5, gpt-6) use `o200k_base`;
 * gpt-4 and gpt-3.5 use `cl100k_base`.
 */

/** Name of a BPE encoding. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

const CL100K_MODELS = /^(gpt-4(-\d|-turbo|$)|gpt-3\.5|text-embedding-(ada|3))/;

/** The encoding `model` tokenizes with (o200k_base for every current and unknown model). */
export function encodingFor(model: string): EncodingName {
  return CL100K_MODELS.test(model) ? 'cl100k_base' : 'o200k_base';
}

/** Counts the tokens of one text. */
export type Counter = (text: string) => number;
let o200k: Counter | undefined;
let cl100k: Counter | undefined;

/** Longest run of non-space characters handed to the tokenizer in one piece. */
const MAX_RUN = 256;
const LONG_RUN = new RegExp(`\\S{${MAX_RUN + 1}}`);
const RUN_PIECES = new RegExp(`(\\S{${MAX_RUN}})`);

/**
 * Wraps a counter so its cost stays linear in the text's length. BPE merges inside one
 * pre-token take time quadratic in its length: a 200 KB cell without a space (a pasted blob, a
 * base64 image) took minutes of CPU. Runs of non-space characters are cut into pieces of
 * {@link MAX_RUN} characters before counting; ordinary text (no such run) is counted whole, and a
 * cut costs at most a token or two of accuracy per piece. See docs/costs.md.
 */
export function linearCounter(count: Counter): Counter {
  return (text) => {
    if (!LONG_RUN.test(text)) return count(text);
    let total = 0;
    for (const piece of text.split(RUN_PIECES)) if (piece !== '') total += count(piece);
    return total;
  };
}

/**
 * A counter that never falls below the real count in any byte-level BPE encoding (o200k_base,
 * cl100k_base): every token stands for at least one UTF-8 byte. It needs no tokenizer, whose
 * tables take most of a second of CPU to load, so a run without a dollar limit of its own starts
 * faster and still reserves a safe worst case in a shared ledger (docs/costs.md#dollar-limits).
 */
export const byteBoundCounter: Counter = (text) => Buffer.byteLength(text, 'utf8');

/**
 * Loads the counter of an encoding on first use: the tokenizer's tables are large (most of a
 * second of CPU for o200k_base), so only the work that needs exact counts loads them.
 */
export async function loadCounter(model: string): Promise<Counter> {
  if (encodingFor(model) === 'o200k_base') {
    if (!o200k) {
      const mod = await import('gpt-tokenizer/encoding/o200k_base');
      o200k = linearCounter(mod.countTokens);
    }
    return o200k;
  }
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
