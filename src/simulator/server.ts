/**
 * The HTTP side of the simulator: routing, auth, body reading, and start/stop.
 */
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createContext, resetContext, sendError, sendPayload } from './context.js';
import type { Exchange, SimContext } from './context.js';
import { invalidKeyBody, invalidUrlBody, missingKeyBody, serverErrorBody, errorBody } from './error-bodies.js';
import { handleBatchApi, isBatchApiPath } from './batches-api.js';
import { handleGeneration } from './generation.js';
import { resolveSimulatorOptions } from './options.js';
import type { SimulatorOptions } from './options.js';
import { LISTED_MODELS } from './models.js';
import { modelList, newId } from './response-bodies.js';
import type { SimulatorStats } from './stats.js';

/** A running simulator. */
export interface SimulatorHandle {
  /** Base URL for an OpenAI client, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** A copy of the current stats. */
  stats(): SimulatorStats;
  /** Resets stats, buckets (full again), per-artist counters and the PRNG. */
  reset(): void;
  /** Stops listening and destroys every open socket, hanging requests included. */
  close(): Promise<void>;
}

/** Largest request body accepted, in bytes. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Starts an OpenAI-compatible server with rate limits and fault injection.
 * Rejects with a `RangeError` for impossible options, or with the listen error (e.g. port in use).
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const resolved = resolveSimulatorOptions(options);
  const closing = new AbortController();
  // Every request waiting out its latency listens on this one signal; thousands may wait at once.
  setMaxListeners(0, closing.signal);
  const ctx = createContext(resolved, closing.signal);
  const models = [...new Set([resolved.model, ...LISTED_MODELS])];
  // Finishers of the requests still open, so close() can settle the in-flight count at once.
  const open = new Set<() => void>();
  const server = createServer({ keepAliveTimeout: 10_000 }, (req, res) => {
    route(ctx, models, open, req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${host}:${address.port}/v1`,
    port: address.port,
    stats: () => fullStats(ctx),
    reset: () => resetContext(ctx),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        // Hanging requests and idle keep-alive sockets would otherwise hold close() forever.
        server.closeAllConnections();
        // Their 'close' events arrive a loop turn later; count them finished now.
        for (const finish of [...open]) finish();
      });
      return closed;
    },
  };
}

function route(
  ctx: SimContext,
  models: readonly string[],
  open: Set<() => void>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const method = req.method ?? 'GET';

  if (path === '/__stats' && method === 'GET') {
    writeJson(res, 200, fullStats(ctx));
    return;
  }
  if (path === '/__reset' && method === 'POST') {
    resetContext(ctx);
    writeJson(res, 200, { ok: true });
    return;
  }

  const exchange: Exchange = { res, arrivedAt: ctx.clock.now(), requestId: newId('req_', 32), key: null };
  ctx.stats.arrived(exchange.arrivedAt);
  const finish = (): void => {
    if (!open.delete(finish)) return;
    ctx.stats.finished();
  };
  open.add(finish);
  res.once('close', finish);

  if (isBatchApiPath(path)) {
    if (!authorized(ctx, req, exchange)) {
      req.resume();
      return;
    }
    const params = new URLSearchParams(query === -1 ? '' : url.slice(query + 1));
    handleBatchApi(ctx, exchange, req, method, path, params).catch(() => {
      sendError(ctx, exchange, 500, serverErrorBody());
    });
    return;
  }
  const endpoint =
    method === 'POST' && path === '/v1/responses'
      ? 'responses'
      : method === 'POST' && path === '/v1/chat/completions'
        ? 'chat'
        : method === 'GET' && path === '/v1/models'
          ? 'models'
          : undefined;
  if (endpoint === undefined) {
    req.resume();
    sendError(ctx, exchange, 404, invalidUrlBody(method, path));
    return;
  }
  if (!authorized(ctx, req, exchange)) {
    req.resume();
    return;
  }
  if (endpoint === 'models') {
    req.resume();
    const created = Math.floor(ctx.clock.now() / 1000);
    sendPayload(ctx, exchange, 200, JSON.stringify(modelList(models, created)), null);
    return;
  }
  readBody(req, (body) => {
    if (body === undefined) {
      sendError(ctx, exchange, 413, errorBody('Request body too large.', 'invalid_request_error', null));
      return;
    }
    handleGeneration(ctx, exchange, endpoint, body).catch(() => {
      sendError(ctx, exchange, 500, serverErrorBody());
    });
  });
}

/** Checks the bearer token; answers 401 itself when it is missing or not accepted. */
function authorized(ctx: SimContext, req: IncomingMessage, exchange: Exchange): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S.*)$/i.exec(header.trim());
  const key = match?.[1]?.trim();
  if (key === undefined || key.length === 0) {
    sendError(ctx, exchange, 401, missingKeyBody());
    return false;
  }
  if (ctx.options.apiKeys !== undefined && !ctx.options.apiKeys.has(key)) {
    sendError(ctx, exchange, 401, invalidKeyBody(key));
    return false;
  }
  return true;
}

/** Reads the whole body as UTF-8; passes undefined when it exceeds {@link MAX_BODY_BYTES}. */
function readBody(req: IncomingMessage, done: (body: string | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on('end', () => done(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
  // A client that disconnects mid-body gets no answer; 'close' on the response updates the stats.
  req.on('error', () => undefined);
}

/** The core counters plus the Files/Batches API records and the flex counters. */
function fullStats(ctx: SimContext): SimulatorStats {
  return { ...ctx.stats.snapshot(), batch: ctx.batchApi.snapshot(), flex: ctx.flex.snapshot() };
}

function writeJson(res: ServerResponse, status: number, value: unknown): void {
  const payload = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) });
  res.end(payload);
}
