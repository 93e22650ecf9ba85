/**
 * Reads a complete HTTP answer of the model API: a 2xx is parsed as JSON by its content (a JSON
 * body with a wrong content type is still accepted), anything else becomes a classified
 * `ProviderError` carrying the status, the body's `error.code` / `error.type`, the request id and
 * the headers (docs/hostile-servers.md).
 */
import { ProviderError } from '../core/errors.js';
import type { ResponseHeaders } from '../core/types.js';
import { kindForStatus } from './classify.js';
import type { HttpAnswer } from './http-exchange.js';
import { object, optionalText } from './wire-shapes.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

function mediaType(headers: ResponseHeaders): string {
  return (headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return error instanceof SyntaxError ? error : new SyntaxError(String(error));
  }
}

/** The `x-request-id` of an answer, if any. */
export function requestIdOf(headers: ResponseHeaders): string | undefined {
  return headers.get('x-request-id') ?? undefined;
}

/**
 * The message of a failed status: `<status> <error.message>`, as OpenAI's SDKs word it, so logs
 * and error files read the same as before. A body that is not JSON is quoted as it came.
 */
function statusMessage(status: number, error: unknown, raw: string | undefined): string {
  const message = object(error)?.['message'];
  const detail =
    message !== undefined && message !== null && message !== ''
      ? typeof message === 'string'
        ? message
        : JSON.stringify(message)
      : error !== undefined && error !== null
        ? JSON.stringify(error)
        : raw !== undefined && raw !== ''
          ? raw
          : undefined;
  return detail === undefined ? `${String(status)} status code (no body)` : `${String(status)} ${detail}`;
}

/** The classified error of a non-2xx answer. */
export function statusError(answer: HttpAnswer): ProviderError {
  const { status, headers } = answer;
  const raw = answer.body.toString('utf8');
  const parsed = parse(raw);
  const json = parsed instanceof SyntaxError ? undefined : parsed;
  const error = object(json)?.['error'];
  const location = status >= 300 && status < 400 ? headers.get('location') : null;
  const message =
    location === null
      ? statusMessage(status, error, json === undefined ? raw : undefined)
      : `${String(status)} redirect to ${location}, not followed: set --base-url to the final address`;
  const code = optionalText(object(error)?.['code']);
  const type = optionalText(object(error)?.['type']);
  return new ProviderError(message, {
    kind: kindForStatus(status, code, type, message),
    status,
    apiCode: code,
    apiType: type,
    requestId: requestIdOf(headers),
    headers,
  });
}

/**
 * The JSON object of a 2xx answer. Throws a `malformed` `ProviderError` when the body is not a
 * JSON object: naming the content type when it was not JSON either, the parse error otherwise.
 */
export function jsonBody(answer: HttpAnswer): Record<string, unknown> {
  const { status, headers, body } = answer;
  const raw = body.toString('utf8');
  const parsed = parse(raw);
  const type = mediaType(headers);
  const details = { kind: 'malformed' as const, status, headers, requestId: requestIdOf(headers) };
  if (parsed instanceof SyntaxError) {
    if (!JSON_TYPE.test(type)) {
      const snippet = raw.slice(0, 80).replace(/\s+/g, ' ');
      throw new ProviderError(
        `Response body is not JSON (content type ${type === '' ? 'missing' : type}, ${String(body.byteLength)} bytes: "${snippet}")`,
        details,
      );
    }
    throw new ProviderError(`Malformed response body: ${parsed.message}`, { ...details, cause: parsed });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProviderError('Malformed response body: not a JSON object', details);
  }
  return parsed as Record<string, unknown>;
}
