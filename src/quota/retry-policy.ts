import { AuthStopError, QuotaStopError, type ProviderError } from '../core/errors.js';
import type { RetryDecision } from '../core/gate.js';
import { computeBackoff, DEFAULT_BACKOFF, OVERLOADED_BACKOFF, RATE_LIMIT_BACKOFF } from './backoff.js';
import { parseRateLimitHeaders, retryAfterFromHeaders } from './headers.js';
import { hintJitterMs, serverVerdict } from './response-rules.js';

const withJitter = (floorMs: number, random: () => number): number =>
  floorMs > 0 ? floorMs + hintJitterMs(floorMs, random) : 0;

/** Options of a {@link RetryPolicy}. */
export interface RetryPolicyOptions {
  /** Source of numbers in [0, 1) for jitter. @default Math.random */
  random?: () => number;
  /**
   * Extra attempts a rate-limited artist gets on top of `maxRetries`. 429s are the run pacing
   * itself, not a fault of the artist, so they should not use up its budget quickly; the cap
   * still bounds a key that is throttled forever.
   * @default 20
   */
  rateLimitExtraRetries?: number;
  /** Longest `retry-after` / `retry-after-ms` honoured, in ms. @default 120000 */
  maxRetryAfterMs?: number;
  /** Longest wait derived from an `x-ratelimit-reset-*` header, in ms (per-minute windows). @default 65000 */
  maxResetWaitMs?: number;
  /** Added to reset-header waits so the window has really refilled. @default 50 */
  resetMarginMs?: number;
  /** Shortest hold-off after a 429 that carried no hint at all, in ms. @default 250 */
  minRateLimitBackoffMs?: number;
}

/** A run-wide hold-off called for by a 429. */
export interface HoldOff {
  /** How long every worker waits, in ms from now. */
  ms: number;
  /** Where the figure came from. */
  source: 'retry-after' | 'reset-header' | 'backoff';
}

/** Kinds retried with exponential backoff within the artist's `maxRetries`. */
const BACKOFF_KINDS = new Set(['server', 'overloaded', 'network', 'timeout', 'malformed', 'incomplete']);

/**
 * Maps a classified provider failure to what happens next (docs/architecture.md#quota-and-pacing):
 *
 * | kind | decision |
 * |---|---|
 * | `rate_limit`, `slow_down` | retry after the shared hold-off, up to `maxRetries + rateLimitExtraRetries` attempts |
 * | `quota` | stop the run with {@link QuotaStopError} (`insufficient_quota`) |
 * | `auth` | stop the run with {@link AuthStopError} |
 * | `server`, `network`, `timeout`, `malformed`, `incomplete` | full-jitter backoff (base 500 ms, cap 30 s) while `attempt <= maxRetries` |
 * | `overloaded` | the same with base 2 s, cap 60 s |
 * | `bad_request`, `too_large` | fail the artist at once |
 *
 * Before the table, {@link serverVerdict} applies what the provider said: an answer cut off at
 * `max_output_tokens` is retried once with a larger cap, `content_filter` fails at once, and
 * `x-should-retry` overrides the table. A server retry hint is a floor plus a little jitter.
 *
 * The policy is pure apart from its random source; the gate owns the shared state.
 */
export class RetryPolicy {
  readonly #random: () => number;
  readonly #extra: number;
  readonly #maxRetryAfterMs: number;
  readonly #maxResetWaitMs: number;
  readonly #resetMarginMs: number;
  readonly #minRateLimitBackoffMs: number;

  constructor(options: RetryPolicyOptions = {}) {
    this.#random = options.random ?? Math.random;
    this.#extra = options.rateLimitExtraRetries ?? 20;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
    this.#maxResetWaitMs = options.maxResetWaitMs ?? 65_000;
    this.#resetMarginMs = options.resetMarginMs ?? 50;
    this.#minRateLimitBackoffMs = options.minRateLimitBackoffMs ?? 250;
  }

  /** Highest attempt number at which a rate-limited artist is still retried. */
  rateLimitAttemptCap(maxRetries: number): number {
    return maxRetries + this.#extra;
  }

  /**
   * The hold-off every worker must observe after `error`, or undefined when the failure does not
   * concern the shared windows (anything but `rate_limit` / `slow_down`). Prefers the server's
   * retry-after, then the reset header of the limit that was hit (`apiType`), then a backoff.
   *
   * @param consecutiveRateLimits 429s in a row across the run, this one included
   * @param now current time in epoch ms (for HTTP-date retry-after values)
   */
  holdOffFor(error: ProviderError, consecutiveRateLimits: number, now: number): HoldOff | undefined {
    if (error.kind !== 'rate_limit' && error.kind !== 'slow_down') return undefined;
    const hint = error.retryAfterMs ?? (error.headers ? retryAfterFromHeaders(error.headers, now) : undefined);
    if (hint !== undefined && Number.isFinite(hint) && hint >= 0) {
      return { ms: Math.min(hint, this.#maxRetryAfterMs), source: 'retry-after' };
    }
    const reset = this.#resetFor(error);
    if (reset !== undefined) {
      return { ms: Math.min(reset + this.#resetMarginMs, this.#maxResetWaitMs), source: 'reset-header' };
    }
    const backoff = computeBackoff(consecutiveRateLimits, RATE_LIMIT_BACKOFF, this.#random);
    return { ms: Math.max(this.#minRateLimitBackoffMs, backoff), source: 'backoff' };
  }

  #resetFor(error: ProviderError): number | undefined {
    if (!error.headers) return undefined;
    const status = parseRateLimitHeaders(error.headers);
    const type = error.apiType?.toLowerCase();
    if (type === 'requests') return status.requestsResetMs;
    if (type?.includes('token') === true) return status.tokensResetMs;
    // Unknown limit type: wait for whichever exhausted window resets last.
    const candidates: number[] = [];
    if (status.requestsRemaining === 0 && status.requestsResetMs !== undefined) candidates.push(status.requestsResetMs);
    if (status.tokensRemaining === 0 && status.tokensResetMs !== undefined) candidates.push(status.tokensResetMs);
    return candidates.length > 0 ? Math.max(...candidates) : undefined;
  }

  /** The error that stops the run for a `quota` or `auth` failure; undefined for other kinds. */
  stopErrorFor(error: ProviderError): QuotaStopError | AuthStopError | undefined {
    if (error.kind === 'quota') {
      const code = error.apiCode ?? 'insufficient_quota';
      return new QuotaStopError(
        `The provider reports no quota left for this account (${code}): ${error.message} ` +
          'No more requests will be sent. Add credit or raise the spend limit, then run again with --resume ' +
          'to continue where this run stopped.',
        'insufficient_quota',
        { cause: error },
      );
    }
    if (error.kind === 'auth') {
      const status = error.status === undefined ? '' : ` (HTTP ${error.status})`;
      return new AuthStopError(
        `The provider rejected the credentials${status}: ${error.message} ` +
          'Check --api-key / OPENAI_API_KEY and the key’s permissions, then run again with --resume to continue.',
        { cause: error },
      );
    }
    return undefined;
  }

  /**
   * What to do with an artist whose attempt number `attempt` (1-based) failed with `error`.
   *
   * @param maxRetries retries allowed per artist after the first attempt
   * @param holdOffRemainingMs time left of the shared 429 hold-off; the delay of a rate-limit retry
   * @default holdOffRemainingMs 0
   */
  decide(error: ProviderError, attempt: number, maxRetries: number, holdOffRemainingMs = 0): RetryDecision {
    const verdict = serverVerdict(error);
    if (verdict === 'fail') return { action: 'fail' };
    if (verdict === 'raise_cap') return { action: 'retry', delayMs: 0, raiseOutputCap: true };
    if (verdict === 'retry' && attempt <= maxRetries) {
      return { action: 'retry', delayMs: computeBackoff(attempt, DEFAULT_BACKOFF, this.#random) };
    }
    switch (error.kind) {
      case 'rate_limit':
      case 'slow_down':
        // The shared hold-off is the earliest moment, not an appointment: each worker adds its
        // own jitter so that they do not all come back at once.
        return attempt <= this.rateLimitAttemptCap(maxRetries)
          ? { action: 'retry', delayMs: withJitter(Math.max(0, holdOffRemainingMs), this.#random) }
          : { action: 'fail' };
      case 'quota':
      case 'auth': {
        const stop = this.stopErrorFor(error);
        return stop ? { action: 'stop', error: stop } : { action: 'fail' };
      }
      case 'bad_request':
      case 'too_large':
        return { action: 'fail' };
      default:
        break;
    }
    if (!BACKOFF_KINDS.has(error.kind) || attempt > maxRetries) return { action: 'fail' };
    const schedule = error.kind === 'overloaded' ? OVERLOADED_BACKOFF : DEFAULT_BACKOFF;
    const backoff = computeBackoff(attempt, schedule, this.#random);
    // A 503 may carry its own retry-after; never come back sooner than the server asked.
    const serverHint = error.retryAfterMs ?? (error.headers ? retryAfterFromHeaders(error.headers) : undefined);
    const hint = serverHint === undefined ? 0 : Math.min(serverHint, this.#maxRetryAfterMs);
    return { action: 'retry', delayMs: Math.max(backoff, withJitter(hint, this.#random)) };
  }
}
