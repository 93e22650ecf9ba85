import type { WindowStatus } from '../core/events.js';
import type { ResponseHeaders } from '../core/types.js';
import { parseResetDuration } from './duration.js';

/** Names of the six `x-ratelimit-*` headers, by {@link WindowStatus} field. */
export const RATE_LIMIT_HEADERS = {
  requestsLimit: 'x-ratelimit-limit-requests',
  requestsRemaining: 'x-ratelimit-remaining-requests',
  requestsResetMs: 'x-ratelimit-reset-requests',
  tokensLimit: 'x-ratelimit-limit-tokens',
  tokensRemaining: 'x-ratelimit-remaining-tokens',
  tokensResetMs: 'x-ratelimit-reset-tokens',
} as const satisfies Record<keyof WindowStatus, string>;

/** A rate-limit header that was present but could not be used. */
export interface IgnoredHeader {
  name: string;
  value: string;
}

/** Result of {@link inspectRateLimitHeaders}. */
export interface HeaderInspection {
  status: WindowStatus;
  /** Headers present with a value that was not understood (garbage, negative, Azure's `-1`). */
  ignored: IgnoredHeader[];
  /** True when at least one field of `status` is known. */
  known: boolean;
}

const COUNT = /^\d+(?:\.\d+)?$/;

function parseCount(value: string): number | undefined {
  const text = value.trim();
  if (!COUNT.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Reads the `x-ratelimit-*` headers and also reports the values it had to ignore, so callers
 * can log them. Never throws.
 */
export function inspectRateLimitHeaders(headers: ResponseHeaders): HeaderInspection {
  const ignored: IgnoredHeader[] = [];
  const read = (field: keyof WindowStatus): number | undefined => {
    const name = RATE_LIMIT_HEADERS[field];
    const raw = headers.get(name);
    if (raw === null) return undefined;
    const value = field.endsWith('ResetMs') ? parseResetDuration(raw) : parseCount(raw);
    if (value === undefined) ignored.push({ name, value: raw });
    return value;
  };
  const status: WindowStatus = {
    requestsLimit: read('requestsLimit'),
    requestsRemaining: read('requestsRemaining'),
    requestsResetMs: read('requestsResetMs'),
    tokensLimit: read('tokensLimit'),
    tokensRemaining: read('tokensRemaining'),
    tokensResetMs: read('tokensResetMs'),
  };
  const known = Object.values(status).some((v) => v !== undefined);
  return { status, ignored, known };
}

/**
 * Parses the `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` headers. Counts must be
 * non-negative numbers and resets durations such as `6m0s` (see {@link parseResetDuration});
 * anything else, including a missing header, garbage, negatives and Azure's `-1`, leaves the
 * field undefined. Never throws.
 */
export function parseRateLimitHeaders(headers: ResponseHeaders): WindowStatus {
  return inspectRateLimitHeaders(headers).status;
}

const SECONDS = /^\d+(?:\.\d+)?$/;

/**
 * The server's wait hint in ms: `retry-after-ms` (milliseconds) first, then `retry-after`
 * (seconds, or an HTTP date measured against `now`). Undefined when absent, negative or
 * unreadable; a date in the past gives 0.
 *
 * @param now current time in epoch ms, used only for HTTP dates @default Date.now()
 */
export function retryAfterFromHeaders(headers: ResponseHeaders, now: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms !== undefined && SECONDS.test(ms)) {
    const value = Number(ms);
    if (Number.isFinite(value)) return value;
  }
  const after = headers.get('retry-after')?.trim();
  if (after === undefined || after === '') return undefined;
  if (SECONDS.test(after)) {
    const value = Number(after) * 1000;
    return Number.isFinite(value) ? value : undefined;
  }
  // Only real HTTP dates (they contain letters and a comma or "GMT"); Date.parse alone would
  // also read odd strings such as "-5" as a year.
  if (!/[a-z]/i.test(after)) return undefined;
  const date = Date.parse(after);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
