/** Retries a database call while its failure is transient, with short exponential backoff. */
import { jitteredBackoff } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { classifyDbError, type DbErrorClass } from './db-errors.js';
import type { DbRetryOptions } from './types.js';

/** Resolved retry settings of database calls (the API's retries are the quota layer's `RetryPolicy`). */
export interface DbRetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Fills in the defaults of {@link DbRetryOptions}. */
export function resolveDbRetryPolicy(options: DbRetryOptions = {}): DbRetryPolicy {
  return {
    attempts: Math.max(1, Math.floor(options.attempts ?? 4)),
    baseDelayMs: Math.max(0, options.baseDelayMs ?? 100),
    maxDelayMs: Math.max(0, options.maxDelayMs ?? 2000),
  };
}

/** Delay before retry number `retry` (1-based): base·3^(retry-1), capped, ±20 % jitter. */
export function dbRetryDelayMs(policy: DbRetryPolicy, retry: number, random: () => number = Math.random): number {
  return jitteredBackoff(retry, { baseMs: policy.baseDelayMs, capMs: policy.maxDelayMs, factor: 3 }, 0.2, random);
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
  policy: DbRetryPolicy,
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
      const delayMs = dbRetryDelayMs(policy, attempt);
      onRetry?.(error, errorClass, attempt, delayMs);
      await clock.sleep(delayMs);
    }
  }
}
