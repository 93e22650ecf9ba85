/**
 * Reads a Responses API answer on purpose: what its `status`, `incomplete_details.reason` and
 * `error.code` mean for the artist, and which pages it cites. Pure functions; the client turns a
 * failure into a `ProviderError` (README.md#what-happens-to-each-answer lists every case).
 */
import type { ProviderErrorKind } from '../core/errors.js';
import type { BioSource } from '../core/types.js';
import { stripTrailingCitations } from './citations.js';

/** The parts of a `response` object read here. */
export interface ResponseLike {
  status?: string | null | undefined;
  error?: { code?: string | null; message?: string | null } | null | undefined;
  incomplete_details?: { reason?: string | null } | null | undefined;
  output_text: string;
  output?: readonly unknown[] | undefined;
}

/** What an answer amounts to. */
export type ResponseReading =
  | { ok: true; text: string; sources: BioSource[] }
  | { ok: false; kind: ProviderErrorKind; code: string; message: string };

/** `error.code` values of a `failed` response that are worth another attempt. */
const TRANSIENT_FAILED_CODES = new Set(['server_error', 'vector_store_timeout', 'timeout']);

/**
 * Classifies a response:
 *
 * | status / reason / code | reading |
 * |---|---|
 * | `completed` with text | success, with the cited pages |
 * | `completed` without text | `incomplete` / `empty_output` |
 * | `incomplete` + `max_output_tokens` | `incomplete` / `max_output_tokens` (retried once with a larger cap) |
 * | `incomplete` + `content_filter` | `incomplete` / `content_filter` (never retried) |
 * | `failed` + `rate_limit_exceeded` | `rate_limit` |
 * | `failed` + a transient code (`server_error`, …) | `server` |
 * | `failed` + any other code | `bad_request` (not retried) |
 * | `cancelled`, `queued`, `in_progress` | `incomplete` / the status |
 */
export function readResponse(data: ResponseLike): ResponseReading {
  const status = data.status ?? 'unknown';
  if (status === 'completed') {
    const annotated = removeCitationMarkers(data.output ?? []);
    const text = stripTrailingCitations(annotated ?? data.output_text);
    if (text === '')
      return { ok: false, kind: 'incomplete', code: 'empty_output', message: 'Response completed with empty text' };
    return { ok: true, text, sources: sourcesOf(data.output ?? []) };
  }
  if (status === 'incomplete') {
    const reason = data.incomplete_details?.reason ?? 'unknown';
    const detail =
      reason === 'max_output_tokens'
        ? 'the output cap was reached (reasoning tokens count against it)'
        : reason === 'content_filter'
          ? 'the content filter stopped the answer'
          : 'no reason given';
    return { ok: false, kind: 'incomplete', code: reason, message: `Response incomplete (${reason}): ${detail}` };
  }
  if (status === 'failed') {
    const code = data.error?.code ?? 'unknown';
    const message = `Response failed (${code}): ${data.error?.message ?? 'no message'}`;
    if (code === 'rate_limit_exceeded') return { ok: false, kind: 'rate_limit', code, message };
    return { ok: false, kind: TRANSIENT_FAILED_CODES.has(code) ? 'server' : 'bad_request', code, message };
  }
  return { ok: false, kind: 'incomplete', code: status, message: `Response ${status}: not finished` };
}

/** Reads a chat completion choice's `finish_reason` the same way. */
export function readChatFinish(finishReason: string | null | undefined, content: string | null): ResponseReading {
  if (finishReason === 'stop') {
    const text = stripTrailingCitations(content ?? '');
    if (text === '')
      return { ok: false, kind: 'incomplete', code: 'empty_output', message: 'Chat completion has empty text' };
    return { ok: true, text, sources: [] };
  }
  const reason = finishReason === 'length' ? 'max_output_tokens' : (finishReason ?? 'unknown');
  return {
    ok: false,
    kind: 'incomplete',
    code: reason,
    message: `Chat completion finished with ${finishReason ?? 'no reason'}`,
  };
}

interface Annotation {
  type?: unknown;
  start_index?: unknown;
  end_index?: unknown;
  url?: unknown;
  title?: unknown;
}

function messageParts(output: readonly unknown[]): { text: string; annotations: Annotation[] }[] {
  const parts: { text: string; annotations: Annotation[] }[] = [];
  for (const item of output) {
    if (typeof item !== 'object' || item === null) continue;
    const { type, content } = item as { type?: unknown; content?: unknown };
    if (type !== 'message' || !Array.isArray(content)) continue;
    for (const part of content as unknown[]) {
      if (typeof part !== 'object' || part === null) continue;
      const { type: partType, text, annotations } = part as { type?: unknown; text?: unknown; annotations?: unknown };
      if (partType !== 'output_text' || typeof text !== 'string') continue;
      parts.push({ text, annotations: Array.isArray(annotations) ? (annotations as Annotation[]) : [] });
    }
  }
  return parts;
}

/** The pages cited by `url_citation` annotations, each URL once, in order of first citation. */
export function sourcesOf(output: readonly unknown[]): BioSource[] {
  const seen = new Set<string>();
  const sources: BioSource[] = [];
  for (const part of messageParts(output)) {
    for (const a of part.annotations) {
      if (a.type !== 'url_citation' || typeof a.url !== 'string' || seen.has(a.url)) continue;
      seen.add(a.url);
      sources.push({ url: a.url, title: typeof a.title === 'string' ? a.title : '' });
    }
  }
  return sources;
}

/**
 * The answer text without its inline citation markers: each annotated span is cut, with the
 * parentheses around it and the space before it. Undefined when nothing is annotated (the
 * plain `output_text` is then used as it is).
 */
export function removeCitationMarkers(output: readonly unknown[]): string | undefined {
  const parts = messageParts(output);
  if (!parts.some((part) => part.annotations.some((a) => a.type === 'url_citation'))) return undefined;
  return parts.map((part) => cutSpans(part.text, part.annotations)).join('');
}

function cutSpans(text: string, annotations: readonly Annotation[]): string {
  const spans = annotations
    .filter((a) => a.type === 'url_citation')
    .map((a) => ({ start: Number(a.start_index), end: Number(a.end_index) }))
    .filter(
      (s) =>
        Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.end <= text.length && s.start < s.end,
    )
    .sort((a, b) => b.start - a.start);
  let result = text;
  for (const span of spans) {
    let { start, end } = span;
    // `([site](url))`: take the parentheses too when they wrap exactly this span.
    if (result[start - 1] === '(' && result[end] === ')') {
      start--;
      end++;
    }
    while (start > 0 && result[start - 1] === ' ') start--;
    result = result.slice(0, start) + result.slice(end);
  }
  return result;
}
