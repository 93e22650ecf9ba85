/**
 * Works out what one admitted request gets back: the bio text, the reasoning tokens spent on
 * it, citations when the web search tool was offered, and the final status. Reasoning tokens
 * come out of `max_output_tokens` first, as they do at OpenAI, so a cap that the reasoning
 * fills gives `incomplete` with no text at all.
 */
import { generateBio } from './bio-text.js';
import { groundText, SEARCH_CONTEXT_TOKENS } from './grounding.js';
import type { UrlCitation } from './grounding.js';
import { modelRules, reasoningTokens } from './models.js';
import type { GenerationRequest } from './request-info.js';

/** Why a response ended `incomplete`. */
export type IncompleteReason = 'max_output_tokens' | 'content_filter';

/** Faults that shape the answer body itself. */
export type AnswerFault = 'malformed' | 'incomplete' | 'empty' | 'failed' | 'content_filter';

/** The answer to put into a success body. */
export interface Answer {
  text: string;
  status: 'completed' | 'incomplete' | 'failed';
  /** Set when `status` is `incomplete`. */
  incompleteReason: IncompleteReason | undefined;
  /** Set when `status` is `failed`. */
  error: { code: string; message: string } | undefined;
  inputTokens: number;
  /** Output tokens billed, reasoning included. */
  outputTokens: number;
  reasoningTokens: number;
  /** Input tokens read from the prompt cache. */
  cachedTokens: number;
  /** Input tokens written to the prompt cache. */
  cacheWriteTokens: number;
  /** Effort the answer was produced with (undefined for models without reasoning). */
  effort: string | undefined;
  annotations: UrlCitation[];
  /** The web search the model ran, if it ran one. */
  searchQuery: string | undefined;
  /** Unix seconds. */
  createdAt: number;
}

/** Smallest prompt prefix OpenAI caches, and the step cached lengths come in. */
const CACHE_MIN_TOKENS = 1024;
const CACHE_STEP_TOKENS = 128;

/**
 * Composes the answer. `cachedPrefixes` remembers instruction texts already written to the
 * simulated prompt cache.
 */
export function composeAnswer(
  request: GenerationRequest,
  fault: AnswerFault | undefined,
  cachedPrefixes: Set<string>,
  createdAt: number,
): Answer {
  const rules = modelRules(request.model);
  const effort = rules.reasoning ? (request.effort ?? rules.defaultEffort) : undefined;
  const reasoning = rules.reasoning ? reasoningTokens(effort, request.artistKey) : 0;
  const bio = fault === 'empty' || fault === 'failed' ? '' : generateBio(request.artistName, request.artistData);
  const grounded = request.webSearch && bio !== '' ? groundText(bio, request.artistName) : undefined;
  let text = grounded?.text ?? bio;
  let annotations = grounded?.annotations ?? [];
  const inputTokens = request.inputTokens + (grounded ? SEARCH_CONTEXT_TOKENS : 0);
  const answer: Answer = {
    text,
    status: 'completed',
    incompleteReason: undefined,
    error: undefined,
    inputTokens,
    outputTokens: 0,
    reasoningTokens: 0,
    ...cacheUse(request, cachedPrefixes),
    effort,
    annotations,
    searchQuery: grounded?.query,
    createdAt,
  };
  if (fault === 'failed') {
    answer.status = 'failed';
    answer.error = { code: 'server_error', message: 'The model failed to generate a response.' };
    answer.annotations = [];
    return answer;
  }
  let textTokens = Math.ceil(text.length / 4);
  let spent = reasoning;
  if (fault === 'incomplete' || fault === 'content_filter') {
    textTokens = Math.max(1, Math.floor(textTokens / 2));
    answer.status = 'incomplete';
    answer.incompleteReason = fault === 'incomplete' ? 'max_output_tokens' : 'content_filter';
  }
  const cap = request.maxOutputTokens;
  if (cap !== undefined && spent + textTokens > cap) {
    spent = Math.min(spent, cap);
    textTokens = cap - spent;
    answer.status = 'incomplete';
    answer.incompleteReason ??= 'max_output_tokens';
  }
  if (textTokens * 4 < text.length) {
    text = text.slice(0, textTokens * 4);
    annotations = annotations.filter((a) => a.end_index <= text.length);
  }
  answer.text = text;
  answer.annotations = annotations;
  answer.reasoningTokens = spent;
  answer.outputTokens = spent + textTokens;
  return answer;
}

function cacheUse(
  request: GenerationRequest,
  cachedPrefixes: Set<string>,
): { cachedTokens: number; cacheWriteTokens: number } {
  const prefix = request.instructions ?? '';
  const prefixTokens = Math.floor(Math.ceil(prefix.length / 4) / CACHE_STEP_TOKENS) * CACHE_STEP_TOKENS;
  if (prefixTokens < CACHE_MIN_TOKENS) return { cachedTokens: 0, cacheWriteTokens: 0 };
  const key = `${request.model}\u0000${prefix}`;
  if (cachedPrefixes.has(key)) return { cachedTokens: prefixTokens, cacheWriteTokens: 0 };
  cachedPrefixes.add(key);
  return { cachedTokens: 0, cacheWriteTokens: prefixTokens };
}
