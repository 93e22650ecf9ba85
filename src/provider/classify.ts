/**
 * What a failed HTTP status means for the retry policy (README.md#what-happens-to-each-answer).
 */
import type { ProviderErrorKind } from '../core/errors.js';

/** 429 codes that mean the account has no quota left: retrying cannot help. */
const QUOTA_CODES = new Set([
  'insufficient_quota',
  'billing_hard_limit_reached',
  'quota_exceeded',
  'credit_balance_exhausted',
  'organization_spend_limit_exceeded',
  'project_spend_limit_exceeded',
  'organization_usage_limit_exceeded',
]);

/**
 * The kind of a failed HTTP status, from its status, the body's `error.code` / `error.type` and
 * its message (a 429 may mean a rate limit, an exhausted quota or a request too large).
 */
export function kindForStatus(
  status: number,
  code: string | undefined,
  type: string | undefined,
  message: string,
): ProviderErrorKind {
  if (status === 429) {
    if ((code !== undefined && QUOTA_CODES.has(code)) || type === 'insufficient_quota') return 'quota';
    if (code === 'slow_down') return 'slow_down';
    if (code === 'resource_unavailable') return 'resource_unavailable';
    if (/request too large/i.test(message)) return 'too_large';
    return 'rate_limit';
  }
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  // 409 is a transient conflict on OpenAI's side; the SDK itself retries it.
  if (status === 409) return 'server';
  if (status === 503 && code === 'server_is_overloaded') return 'overloaded';
  if (status >= 500) return 'server';
  if (status === 413) return 'too_large';
  return 'bad_request';
}
