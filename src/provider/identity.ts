import { ProviderError } from '../core/errors.js';
import type { ResponseHeaders } from '../core/types.js';

/** The fields of a success that identify it in the output. */
export interface ResponseIdentity {
  responseId: string;
  created: number;
  model: string;
}

/**
 * Checks that a 200 body names its response id, creation time and model. A body without them
 * is not a usable success (the output validator would reject the line for good), so it is a
 * `malformed` {@link ProviderError} and the attempt is retried.
 */
export function checkIdentity(
  id: unknown,
  created: unknown,
  model: unknown,
  headers: ResponseHeaders,
  requestId: string | null | undefined,
): ResponseIdentity {
  const missing: string[] = [];
  if (typeof id !== 'string' || id === '') missing.push('id');
  if (typeof created !== 'number' || !Number.isFinite(created) || created <= 0) missing.push('created');
  if (typeof model !== 'string' || model === '') missing.push('model');
  if (missing.length > 0 || typeof id !== 'string' || typeof created !== 'number' || typeof model !== 'string') {
    throw new ProviderError(`Response without ${missing.join(', ')}: treated as malformed`, {
      kind: 'malformed',
      status: 200,
      headers,
      requestId: requestId ?? undefined,
    });
  }
  return { responseId: id, created: Math.trunc(created), model };
}
