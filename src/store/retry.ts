/** Retries a database call while its failure is transient, with short exponential backoff. */
import type { Clock } from '../core/clock.js';
import { classifyDbError, type DbErrorClass } from './db-errors.js';
import type { DbRetryOptions } from './types.js';

/** Resolved retry settings. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Fills in the defaults of {@link DbRetryOptions}. */
export function resolveRetryPolicy(options: DbRetryOptions = {}): RetryPolicy {
  return {
    attempts: Math.max(1, Math.floor(options.attempts ?? 4)),
    baseDelayMs: Math.max(0, options.baseDelayMs ?? 100),
    maxDelayMs: Math.max(0, options.maxDelayMs ?? 2000),
  };
}

/** Delay before retry number `retry` (1-based): base·3^(retry-1), capped, ±20 % jitter. */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 3 ** (retry - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

/** Outcome of {@link withDbRetry}. */
export type RetryOutcome<T> =
  { ok: true; value: T } | { ok: false; error: unknown; errorClass: DbErrorClass; attempts: number };

/**
 * Runs `task` until it succeeds, fails permanently, or the attempts are used up. Never throws;
 * `onRetry` is told about each transient failure that will be retried.
 */
export async function withDbRetry<T>(
  task: () => Promise<T>,
  policy: RetryPolicy,
  clock: Clock,
  onRetry?: (error: unknown, errorClass: DbErrorClass, retry: number, delayMs: number) => void,
): Promise<RetryOutcome<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await task() };
    } catch (error) {
      const errorClass = classifyDbError(error);
      if (errorClass.kind === 'permanent' || attempt >= policy.attempts) {
        return { ok: false, error, errorClass, attempts: attempt };
      }
      const delayMs = retryDelayMs(policy, attempt);
      onRetry?.(error, errorClass, attempt, delayMs);
      await clock.sleep(delayMs);
    }
  }
}
