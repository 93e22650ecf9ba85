import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ProviderError, ShutdownError, type ProviderErrorKind } from '../core/errors.js';
import { connectionFailure, neverReachedServer } from './connection.js';

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

/**
 * Turns anything the SDK throws into a classified {@link ProviderError}. A deliberate abort
 * becomes a {@link ShutdownError}.
 */
export function classifyError(error: unknown): ProviderError | ShutdownError {
  if (error instanceof ProviderError || error instanceof ShutdownError) return error;
  if (error instanceof APIUserAbortError) return new ShutdownError('Request aborted by shutdown');
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError('Request timed out', { kind: 'timeout', cause: error });
  }
  if (error instanceof APIConnectionError) {
    // Our bounded fetch throws classified errors (body too large, not JSON); the SDK wraps them.
    if (error.cause instanceof ProviderError) return error.cause;
    const reachedServer = !neverReachedServer(error);
    const why = connectionFailure(error);
    return new ProviderError(`Connection error: ${why}`, { kind: 'network', reachedServer, cause: error });
  }
  if (error instanceof APIError) {
    const status = typeof error.status === 'number' ? error.status : undefined;
    const code = typeof error.code === 'string' ? error.code : undefined;
    const type = typeof error.type === 'string' ? error.type : undefined;
    const headers = error.headers instanceof Headers ? error.headers : undefined;
    const kind = status === undefined ? 'network' : kindForStatus(status, code, type, error.message);
    return new ProviderError(error.message, {
      kind,
      status,
      apiCode: code,
      apiType: type,
      requestId: error.requestID ?? undefined,
      headers,
      cause: error,
    });
  }
  if (error instanceof SyntaxError) {
    return new ProviderError(`Malformed response body: ${error.message}`, { kind: 'malformed', cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(`Request failed: ${message}`, { kind: 'network', cause: error });
}
