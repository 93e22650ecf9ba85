/**
 * What the provider itself says about retrying, read before the generic per-kind rules: the
 * `x-should-retry` header, and the reason an answer came back unusable (README.md#what-happens-to-each-answer).
 */
import type { ProviderError } from '../core/errors.js';

/** A verdict that overrides the per-kind retry table, or undefined to use the table. */
export type ServerVerdict =
  /** Retry once with a larger output cap (the answer was cut off at `max_output_tokens`). */
  | 'raise_cap'
  /** Never retry: the same request would fail the same way (or the server said so). */
  | 'fail'
  /** Retry with backoff even though the kind alone would not be retried (`x-should-retry: true`). */
  | 'retry';

/**
 * | signal | verdict |
 * |---|---|
 * | `incomplete` + `max_output_tokens` | `raise_cap` (the runner allows it once) |
 * | `incomplete` + `content_filter` | `fail` |
 * | `x-should-retry: false` | `fail` |
 * | `x-should-retry: true` on a kind that is normally failed at once | `retry` |
 *
 * Quota and auth failures are not covered: they stop the run whatever a header says.
 */
export function serverVerdict(error: ProviderError): ServerVerdict | undefined {
  if (error.kind === 'quota' || error.kind === 'auth') return undefined;
  if (error.kind === 'incomplete') {
    if (error.apiCode === 'max_output_tokens') return 'raise_cap';
    if (error.apiCode === 'content_filter') return 'fail';
  }
  const header = error.headers?.get('x-should-retry')?.trim().toLowerCase();
  if (header === 'false') return 'fail';
  if (header === 'true' && (error.kind === 'bad_request' || error.kind === 'too_large')) return 'retry';
  return undefined;
}

/**
 * Random extra wait added on top of a server's retry hint, so that workers told the same
 * moment do not all come back at once: up to 10 % of the hint, at most 1 s.
 */
export function hintJitterMs(hintMs: number, random: () => number): number {
  return Math.round(random() * Math.min(1000, hintMs * 0.1));
}
