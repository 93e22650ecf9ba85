/**
 * The `fetch` the SDK is given. It reads the whole response body before handing the response
 * back, so the caller's deadline (an abort signal) covers the body as well as the headers, a
 * body larger than the cap fails at once instead of filling memory and the output, and a JSON
 * body sent with a wrong content type is still read as JSON. See docs/hostile-servers.md.
 */
import { ProviderError } from '../core/errors.js';

/**
 * Largest response body accepted, in bytes. A bio is a few kB; the cap keeps every output line
 * well below what the output reader accepts (16 MiB per line).
 * @default 4 MiB
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Options of {@link createBoundedFetch}. */
export interface BoundedFetchOptions {
  /** @default {@link MAX_RESPONSE_BYTES} */
  maxBytes?: number;
  /** The underlying fetch. @default globalThis.fetch */
  fetch?: typeof fetch;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

function mediaType(headers: Headers): string {
  return (headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
}

async function readCapped(response: Response, maxBytes: number, signal: AbortSignal | null): Promise<Uint8Array> {
  const body = response.body;
  if (body === null) return new Uint8Array(0);
  const reader: ReadableStreamDefaultReader<Uint8Array> = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      // A stalled body must not outlive the deadline even when the stream ignores the signal.
      if (signal?.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        throw new ProviderError(
          `Response body larger than ${String(maxBytes)} bytes (HTTP ${String(response.status)}); not accepted`,
          { kind: 'too_large', status: response.status, headers: response.headers },
        );
      }
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function looksLikeJson(bytes: Uint8Array): boolean {
  try {
    JSON.parse(new TextDecoder().decode(bytes));
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns a fetch that buffers the full body under the request's abort signal and size cap.
 * A body that is JSON by content gets a JSON content type; a non-JSON body with a non-JSON
 * content type on a success status is a `malformed` {@link ProviderError} naming the type.
 */
export function createBoundedFetch(options: BoundedFetchOptions = {}): typeof fetch {
  const maxBytes = options.maxBytes ?? MAX_RESPONSE_BYTES;
  const inner = options.fetch ?? globalThis.fetch;
  return async (input, init) => {
    const response = await inner(input, init);
    const signal = init?.signal ?? null;
    const bytes = await readCapped(response, maxBytes, signal);
    const headers = new Headers(response.headers);
    const type = mediaType(headers);
    if (!JSON_TYPE.test(type)) {
      if (looksLikeJson(bytes)) {
        headers.set('content-type', 'application/json');
        headers.set('x-abg-original-content-type', type === '' ? '(none)' : type);
      } else if (response.ok) {
        const snippet = new TextDecoder().decode(bytes.subarray(0, 80)).replace(/\s+/g, ' ');
        throw new ProviderError(
          `Response body is not JSON (content type ${type === '' ? 'missing' : type}, ${String(bytes.byteLength)} bytes: "${snippet}")`,
          { kind: 'malformed', status: response.status, headers: response.headers },
        );
      }
    }
    // Statuses 101, 204, 205 and 304 cannot carry a body in a Response.
    const nullBody = [101, 204, 205, 304].includes(response.status);
    return new Response(nullBody ? null : bytes, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}
