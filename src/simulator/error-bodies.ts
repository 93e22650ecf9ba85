/**
 * OpenAI's error bodies: `{"error":{"message","type","param","code"}}`, with the message texts
 * clients and people recognise.
 */
import type { LimitRejection } from './limiter.js';
import { ceilMs, formatResetDuration } from './reset-format.js';

/** The JSON body of every error the simulator sends. */
export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Builds an error body. */
export function errorBody(
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): ApiErrorBody {
  return { error: { message, type, param, code } };
}

/** The organization named in rate-limit messages. */
export const ORGANIZATION = 'org-sim';

const RATE_LIMITS_URL = 'https://platform.openai.com/account/rate-limits';

const WINDOW_WORDS = {
  rpm: 'requests per min (RPM)',
  tpm: 'tokens per min (TPM)',
  rpd: 'requests per day (RPD)',
} as const;

/** 429 `rate_limit_exceeded` for a request that arrived while a bucket was short. */
export function rateLimitBody(model: string, rejection: Omit<LimitRejection, 'admitted'>): ApiErrorBody {
  const message =
    `Rate limit reached for ${model} in organization ${ORGANIZATION} on ${WINDOW_WORDS[rejection.limit]}: ` +
    `Limit ${rejection.limitValue}, Used ${rejection.used}, Requested ${rejection.requested}. ` +
    `Please try again in ${formatResetDuration(rejection.waitMs)}. Visit ${RATE_LIMITS_URL} to learn more.`;
  return errorBody(message, rejection.limit === 'tpm' ? 'tokens' : 'requests', 'rate_limit_exceeded');
}

/** 429 for a request whose token estimate can never fit the token bucket (not retryable). */
export function tooLargeBody(model: string, limit: number, requested: number): ApiErrorBody {
  const message =
    `Request too large for ${model} in organization ${ORGANIZATION} on ${WINDOW_WORDS.tpm}: ` +
    `Limit ${limit}, Requested ${requested}. The input or output tokens must be reduced in order to run successfully. ` +
    `Visit ${RATE_LIMITS_URL} to learn more.`;
  return errorBody(message, 'tokens', 'rate_limit_exceeded');
}

/** 429 `insufficient_quota`: the account has no credit left (not retryable). */
export function insufficientQuotaBody(): ApiErrorBody {
  return errorBody(
    'You exceeded your current quota, please check your plan and billing details. ' +
      'For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
    'insufficient_quota',
    'insufficient_quota',
  );
}

/** 500 `server_error`. */
export function serverErrorBody(): ApiErrorBody {
  return errorBody('The server had an error while processing your request. Sorry about that!', 'server_error', null);
}

/** 503 `server_is_overloaded`. */
export function overloadedBody(): ApiErrorBody {
  return errorBody(
    'The server is overloaded or not ready yet. Please retry your request after a brief wait.',
    'service_unavailable_error',
    'server_is_overloaded',
  );
}

/** 401 without an `Authorization: Bearer` header. */
export function missingKeyBody(): ApiErrorBody {
  return errorBody(
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
      '(i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.',
    'invalid_request_error',
    null,
  );
}

/** 401 for a key the simulator does not accept; the key is masked, never echoed whole. */
export function invalidKeyBody(key: string): ApiErrorBody {
  return errorBody(
    `Incorrect API key provided: ${maskApiKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    'invalid_api_key',
  );
}

/**
 * Masks a key like OpenAI's 401 message does: a short head and tail stay readable and the rest
 * becomes asterisks. Short keys keep at most their first two characters.
 */
export function maskApiKey(key: string): string {
  if (key.length < 12) return key.slice(0, 2) + '*'.repeat(Math.max(1, key.length - 2));
  return key.slice(0, 3) + '*'.repeat(key.length - 7) + key.slice(-4);
}

/** 404 for a path or method the API does not have. */
export function invalidUrlBody(method: string, path: string): ApiErrorBody {
  return errorBody(`Invalid URL (${method} ${path})`, 'invalid_request_error', null);
}

/** 400 for a body that is not JSON. */
export function unparsableBody(): ApiErrorBody {
  return errorBody(
    'We could not parse the JSON body of your request. The API expects a JSON object as the request body.',
    'invalid_request_error',
    null,
  );
}

/** 400 for a missing required field. */
export function missingParameterBody(param: string): ApiErrorBody {
  return errorBody(
    `Missing required parameter: '${param}'.`,
    'invalid_request_error',
    'missing_required_parameter',
    param,
  );
}

/** 400 for a field with a wrong value. */
export function invalidValueBody(param: string, detail: string): ApiErrorBody {
  return errorBody(`Invalid value for '${param}': ${detail}`, 'invalid_request_error', 'invalid_value', param);
}

/**
 * Retry hint for a 429: whole seconds for `retry-after` (rounded up, never below 1, as OpenAI
 * sends it), ms for `retry-after-ms`.
 */
export function retryAfterHeaders(
  waitMs: number,
  seconds: boolean,
  millis: boolean,
  target: Record<string, string>,
): void {
  const ms = ceilMs(waitMs);
  if (seconds) target['retry-after'] = String(Math.max(1, Math.ceil(ms / 1000)));
  if (millis) target['retry-after-ms'] = String(ms);
}

/** 400 for a parameter the model does not take (e.g. `temperature` on a reasoning model). */
export function unsupportedParameterBody(param: string): ApiErrorBody {
  return errorBody(
    `Unsupported parameter: '${param}' is not supported with this model.`,
    'invalid_request_error',
    'unsupported_parameter',
    param,
  );
}

/** 400 for a value outside the accepted set (e.g. an unknown reasoning effort). */
export function unsupportedValueBody(param: string, value: string, supported: readonly string[]): ApiErrorBody {
  return errorBody(
    `Unsupported value: '${param}' does not support '${value}' with this model. Supported values are: ${supported.map((s) => `'${s}'`).join(', ')}.`,
    'invalid_request_error',
    'unsupported_value',
    param,
  );
}

/** 400 for an integer below its minimum, e.g. `max_output_tokens` under 16. */
export function integerBelowMinBody(param: string, min: number, got: number): ApiErrorBody {
  return errorBody(
    `Invalid '${param}': integer below minimum value. Expected a value >= ${min}, but got ${got} instead.`,
    'invalid_request_error',
    'integer_below_min_value',
    param,
  );
}
