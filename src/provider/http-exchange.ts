/**
 * One JSON POST over `node:http` / `node:https` on a keep-alive agent: the lean request path of a
 * run. Thousands of requests may wait 30 s each at the same time, so each one holds only its
 * request, its socket and a deadline: no WHATWG streams, no extra abort controllers
 * (docs/hostile-servers.md, BENCHMARKS.md scenario 12).
 */
import http from 'node:http';
import https from 'node:https';
import { ProviderError, ShutdownError } from '../core/errors.js';
import type { ResponseHeaders } from '../core/types.js';
import { connectionFailure, neverReachedServer } from './connection.js';

/**
 * Largest response body accepted, in bytes. A bio is a few kB; the cap keeps every output line
 * well below what the output reader accepts (16 MiB per line).
 * @default 4 MiB
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * How long an idle keep-alive connection is kept, in ms, unless the server announces a shorter
 * `Keep-Alive: timeout=`. Servers commonly close idle connections after 5 s; closing ours first
 * avoids sending a request on a connection the server is closing.
 * @default 4000
 */
export const IDLE_SOCKET_MS = 4000;

/** Options of {@link createHttpExchange}. */
export interface HttpExchangeOptions {
  /** Base URL; the path of each call is appended to it (`…/v1` + `/responses`). */
  baseURL: string;
  /** Headers sent with every request (auth, organization, project, user agent). */
  headers: Readonly<Record<string, string>>;
  /** @default {@link MAX_RESPONSE_BYTES} */
  maxBytes?: number;
}

/** Options of one call. */
export interface ExchangeCallOptions {
  /** Aborts the call at once: it rejects with a `ShutdownError`. */
  signal?: AbortSignal | undefined;
  /** Deadline of the whole exchange in ms: connection, headers and the full body. */
  timeoutMs: number;
}

/** A complete HTTP answer, body read in full. */
export interface HttpAnswer {
  status: number;
  headers: ResponseHeaders;
  body: Buffer;
}

/** Sends JSON POSTs to one base URL. */
export interface HttpExchange {
  /**
   * POSTs `body` (already JSON) to `baseURL + path` and reads the whole answer. Rejects with a
   * `ProviderError` (`timeout`, `too_large`, `network`) or a `ShutdownError` when aborted.
   */
  post(path: string, body: string, options: ExchangeCallOptions): Promise<HttpAnswer>;
  /** Destroys every connection of the exchange, idle or busy. */
  close(): void;
}

/**
 * The answer's headers by lower-case name, repeated ones joined with `, ` as `Headers` does. Not
 * a WHATWG `Headers`: the first of those a process makes loads Node's fetch stack.
 */
class RawHeaders implements ResponseHeaders {
  readonly #values = new Map<string, string>();

  constructor(raw: readonly string[]) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]?.toLowerCase();
      const value = raw[i + 1];
      if (name === undefined || value === undefined) continue;
      const before = this.#values.get(name);
      this.#values.set(name, before === undefined ? value : `${before}, ${value}`);
    }
  }

  get(name: string): string | null {
    return this.#values.get(name.toLowerCase()) ?? null;
  }
}

/** Creates the exchange with its own keep-alive agent (one per provider, so one per run). */
export function createHttpExchange(options: HttpExchangeOptions): HttpExchange {
  const base = new URL(options.baseURL);
  const secure = base.protocol === 'https:';
  if (!secure && base.protocol !== 'http:') {
    throw new TypeError(`Base URL must be http:// or https://, got ${base.protocol}`);
  }
  const maxBytes = options.maxBytes ?? MAX_RESPONSE_BYTES;
  const agentOptions = { keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' as const, timeout: IDLE_SOCKET_MS };
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const send = secure ? https.request : http.request;
  const prefix = base.pathname.replace(/\/+$/, '');

  function post(path: string, body: string, call: ExchangeCallOptions): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => {
      if (call.signal?.aborted === true) {
        reject(new ShutdownError('Request aborted by shutdown'));
        return;
      }
      const payload = Buffer.from(body, 'utf8');
      const req = send({
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port,
        path: `${prefix}${path}${base.search}`,
        method: 'POST',
        agent,
        headers: {
          ...options.headers,
          'content-type': 'application/json',
          accept: 'application/json',
          'content-length': String(payload.byteLength),
        },
      });
      let settled = false;
      const finish = (error: Error | undefined, answer?: HttpAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        call.signal?.removeEventListener('abort', onAbort);
        if (answer !== undefined) resolve(answer);
        else if (error !== undefined) {
          req.destroy();
          reject(error);
        }
      };
      const onAbort = (): void => finish(new ShutdownError('Request aborted by shutdown'));
      const deadline = setTimeout(() => {
        finish(
          new ProviderError(`No complete response within ${String(call.timeoutMs)} ms (request timeout)`, {
            kind: 'timeout',
          }),
        );
      }, call.timeoutMs);
      call.signal?.addEventListener('abort', onAbort, { once: true });
      // Listened to for the whole life of the request: destroying it below emits one more error.
      req.on('error', (error: Error) => {
        finish(
          new ProviderError(`Connection error: ${connectionFailure(error)}`, {
            kind: 'network',
            reachedServer: !neverReachedServer(error),
            cause: error,
          }),
        );
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          size += chunk.byteLength;
          if (size > maxBytes) {
            finish(
              new ProviderError(
                `Response body larger than ${String(maxBytes)} bytes (HTTP ${String(status)}); not accepted`,
                {
                  kind: 'too_large',
                  status,
                  headers: new RawHeaders(res.rawHeaders),
                },
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          finish(undefined, { status, headers: new RawHeaders(res.rawHeaders), body: Buffer.concat(chunks, size) });
        });
        // A connection that closes before the body is complete is a network failure midway.
        res.on('error', (error) => req.emit('error', error));
        res.on('close', () => {
          if (!res.complete) req.emit('error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
        });
      });
      req.end(payload);
    });
  }

  return { post, close: () => agent.destroy() };
}
