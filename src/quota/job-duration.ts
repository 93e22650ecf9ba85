/**
 * How long a job takes under the daily limit and the provider's rate limits, for the `--dry-run`
 * estimate (docs/costs.md#the-estimate). Pure arithmetic on the settings; nothing is measured.
 */
import { budgetPoint } from './budget.js';

const MINUTES_PER_DAY = 24 * 60;

/** Provider limits per minute, as the key ledger last saw them. */
export interface RateLimits {
  requestsPerMinute: number | undefined;
  tokensPerMinute: number | undefined;
}

/** What {@link estimateDuration} needs. */
export interface DurationInput {
  /** Requests the job sends. */
  requests: number;
  /** `--daily-limit`; undefined = none. */
  dailyLimit: number | undefined;
  /** `--quota-threshold` (a fraction of the limit). */
  threshold: number;
  /** `--pause-duration` in hours. */
  pauseDurationHours: number;
  /** Requests the key already used today. @default 0 */
  usedToday?: number;
  /** Provider limits last seen; undefined = unknown. */
  limits: RateLimits | undefined;
  /** Tokens one request is charged against the provider's token window (input + output cap). */
  tokensPerRequest: number;
  /** `--rate-share`: the part of the provider's rate this job may use. @default 1 */
  rateShare?: number;
}

/** The duration estimate. */
export interface DurationEstimate {
  /**
   * Requests the daily limit lets through per UTC day: up to the threshold when the threshold
   * pause lasts until the day ends, else up to the limit. Undefined without a daily limit.
   */
  requestsPerDay: number | undefined;
  /** Requests per minute the provider's limits allow this job; undefined when unknown. */
  requestsPerMinute: number | undefined;
  /** UTC days the job spans, today counted as the first; undefined when nothing bounds a day. */
  days: number | undefined;
  /** Minutes spent sending, at `requestsPerMinute`, over every day; undefined when the rate is unknown. */
  sendingMinutes: number | undefined;
}

/** Requests per minute the provider's limits allow, or undefined when neither limit is known. */
export function allowedRequestsPerMinute(
  limits: RateLimits | undefined,
  tokensPerRequest: number,
  rateShare = 1,
): number | undefined {
  if (limits === undefined) return undefined;
  const byTokens =
    limits.tokensPerMinute === undefined || tokensPerRequest <= 0
      ? undefined
      : limits.tokensPerMinute / tokensPerRequest;
  const rates = [limits.requestsPerMinute, byTokens].filter((r): r is number => r !== undefined && r > 0);
  if (rates.length === 0) return undefined;
  return Math.min(...rates) * rateShare;
}

/**
 * Days and sending time of a job. A day holds the daily allowance and at most a day of sending
 * at the provider's rate; the first day holds what is left of today's allowance.
 */
export function estimateDuration(input: DurationInput): DurationEstimate {
  const { dailyLimit, threshold, requests } = input;
  const requestsPerDay =
    dailyLimit === undefined
      ? undefined
      : threshold < 1 && input.pauseDurationHours >= 24
        ? budgetPoint(threshold, dailyLimit)
        : dailyLimit;
  const requestsPerMinute = allowedRequestsPerMinute(input.limits, input.tokensPerRequest, input.rateShare);
  const byRate = requestsPerMinute === undefined ? undefined : Math.floor(requestsPerMinute * MINUTES_PER_DAY);
  const perDay = [requestsPerDay, byRate].filter((n): n is number => n !== undefined);
  const dayRoom = perDay.length === 0 ? undefined : Math.max(1, Math.min(...perDay));
  let days: number | undefined;
  if (dayRoom !== undefined) {
    const usedToday = Math.min(input.usedToday ?? 0, requestsPerDay ?? Number.POSITIVE_INFINITY);
    const firstDay = Math.max(0, Math.min(dayRoom, (requestsPerDay ?? dayRoom) - usedToday));
    days = requests <= firstDay ? 1 : 1 + Math.ceil((requests - firstDay) / dayRoom);
  }
  return {
    requestsPerDay,
    requestsPerMinute,
    days,
    sendingMinutes: requestsPerMinute === undefined ? undefined : requests / requestsPerMinute,
  };
}
