/**
 * Routes of the Files and Batches APIs: `POST/GET /v1/files`, `GET/DELETE /v1/files/{id}`,
 * `GET /v1/files/{id}/content`, `POST/GET /v1/batches`, `GET /v1/batches/{id}` and
 * `POST /v1/batches/{id}/cancel`. See docs/batch.md for what the simulator does on each.
 */
import type { IncomingMessage } from 'node:http';
import type { Exchange, SimContext } from './context.js';
import { sendError, sendPayload } from './context.js';
import { errorBody, invalidValueBody, missingParameterBody, unparsableBody } from './error-bodies.js';
import { MAX_UPLOAD_BYTES, fileObject, noSuchFileBody, parseUpload, readRawBody } from './files-api.js';
import { BATCH_ENDPOINTS, advanceBatch, cancelBatch, parseInputFile } from './batch-processor.js';
import { batchObject } from './batch-store.js';
import type { SimBatch } from './batch-store.js';
import { newId } from './response-bodies.js';

/** True for the paths this module answers. */
export function isBatchApiPath(path: string): boolean {
  return (
    path === '/v1/files' || path.startsWith('/v1/files/') || path === '/v1/batches' || path.startsWith('/v1/batches/')
  );
}

const JSON_BODY_LIMIT = 1024 * 1024;

/** Answers one Files or Batches API request (the caller has checked the key). */
export async function handleBatchApi(
  ctx: SimContext,
  exchange: Exchange,
  req: IncomingMessage,
  method: string,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  const parts = path.split('/').filter((part) => part !== '');
  // parts: ['v1', 'files' | 'batches', id?, action?]
  const [, resource, id, action] = parts;
  if (resource === 'files') {
    if (id === undefined && method === 'POST') return upload(ctx, exchange, req);
    req.resume();
    if (id === undefined && method === 'GET') return json(ctx, exchange, listFiles(ctx, query));
    if (id !== undefined && action === undefined && method === 'GET') return withFile(ctx, exchange, id, fileObject);
    if (id !== undefined && action === undefined && method === 'DELETE') {
      if (!ctx.batchApi.files.delete(id)) return sendError(ctx, exchange, 404, noSuchFileBody(id));
      return json(ctx, exchange, { id, object: 'file', deleted: true });
    }
    if (id !== undefined && action === 'content' && method === 'GET') return content(ctx, exchange, id);
  }
  if (resource === 'batches') {
    if (id === undefined && method === 'POST') return create(ctx, exchange, req);
    req.resume();
    if (id === undefined && method === 'GET') return json(ctx, exchange, listBatches(ctx, query));
    const batch = id === undefined ? undefined : ctx.batchApi.batches.get(id);
    if (id !== undefined && batch === undefined && parts.length <= 4) {
      return sendError(
        ctx,
        exchange,
        404,
        errorBody(`No batch found with id '${id}'.`, 'invalid_request_error', null, 'batch_id'),
      );
    }
    if (batch !== undefined && action === undefined && method === 'GET') {
      advanceBatch(ctx, ctx.batchApi, batch);
      return json(ctx, exchange, batchObject(batch, ctx.options.model));
    }
    if (batch !== undefined && action === 'cancel' && method === 'POST') {
      if (!cancelBatch(ctx, batch)) {
        return sendError(
          ctx,
          exchange,
          409,
          errorBody(`Cannot cancel a batch with status '${batch.status}'.`, 'invalid_request_error', null),
        );
      }
      return json(ctx, exchange, batchObject(batch, ctx.options.model));
    }
  }
  req.resume();
  sendError(ctx, exchange, 404, errorBody(`Invalid URL (${method} ${path})`, 'invalid_request_error', null));
}

function json(ctx: SimContext, exchange: Exchange, value: unknown): void {
  sendPayload(ctx, exchange, 200, JSON.stringify(value), null);
}

function withFile(
  ctx: SimContext,
  exchange: Exchange,
  id: string,
  shape: (file: NonNullable<ReturnType<SimContext['batchApi']['files']['get']>>) => unknown,
): void {
  const file = ctx.batchApi.files.get(id);
  if (file === undefined) return sendError(ctx, exchange, 404, noSuchFileBody(id));
  json(ctx, exchange, shape(file));
}

async function upload(ctx: SimContext, exchange: Exchange, req: IncomingMessage): Promise<void> {
  const raw = await readRawBody(req, MAX_UPLOAD_BYTES);
  if (raw === undefined) {
    return sendError(ctx, exchange, 413, errorBody('File is too large.', 'invalid_request_error', 'file_too_large'));
  }
  const parsed = await parseUpload(req.headers['content-type'], raw);
  if (!parsed.ok) return sendError(ctx, exchange, 400, parsed.body);
  const file = ctx.batchApi.files.add(
    parsed.filename,
    parsed.purpose,
    parsed.content,
    Math.floor(ctx.clock.now() / 1000),
  );
  ctx.batchApi.filesUploaded++;
  json(ctx, exchange, fileObject(file));
}

function content(ctx: SimContext, exchange: Exchange, id: string): void {
  const file = ctx.batchApi.files.get(id);
  if (file === undefined) return sendError(ctx, exchange, 404, noSuchFileBody(id));
  ctx.stats.responded(exchange.arrivedAt, null, 200, null);
  const { res } = exchange;
  if (res.destroyed || res.headersSent) return;
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': String(file.content.length),
    'x-request-id': exchange.requestId,
  });
  res.end(file.content);
}

async function create(ctx: SimContext, exchange: Exchange, req: IncomingMessage): Promise<void> {
  const raw = await readRawBody(req, JSON_BODY_LIMIT);
  let body: unknown;
  try {
    body = JSON.parse(raw?.toString('utf8') ?? '');
  } catch {
    return sendError(ctx, exchange, 400, unparsableBody());
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return sendError(ctx, exchange, 400, invalidValueBody('body', 'expected a JSON object.'));
  }
  const fields = body as Record<string, unknown>;
  const inputFileId = fields.input_file_id;
  const endpoint = fields.endpoint;
  const window = fields.completion_window;
  if (typeof inputFileId !== 'string') return sendError(ctx, exchange, 400, missingParameterBody('input_file_id'));
  if (typeof endpoint !== 'string') return sendError(ctx, exchange, 400, missingParameterBody('endpoint'));
  if (typeof window !== 'string') return sendError(ctx, exchange, 400, missingParameterBody('completion_window'));
  if (!BATCH_ENDPOINTS.has(endpoint)) {
    return sendError(
      ctx,
      exchange,
      400,
      invalidValueBody('endpoint', `'${endpoint}' is not a supported batch endpoint.`),
    );
  }
  if (window !== '24h') {
    return sendError(ctx, exchange, 400, invalidValueBody('completion_window', `expected '24h', got '${window}'.`));
  }
  const file = ctx.batchApi.files.get(inputFileId);
  if (file === undefined) return sendError(ctx, exchange, 404, noSuchFileBody(inputFileId));
  if (file.purpose !== 'batch') {
    return sendError(
      ctx,
      exchange,
      400,
      invalidValueBody('input_file_id', `the file was uploaded with purpose '${file.purpose}', expected 'batch'.`),
    );
  }
  const metadata = stringMap(fields.metadata);
  const parsed = parseInputFile(file.content, endpoint, ctx.options.model);
  const batch: SimBatch = {
    id: newId('batch_', 32),
    endpoint,
    inputFileId,
    completionWindow: window,
    metadata,
    createdAt: Math.floor(ctx.clock.now() / 1000),
    status: 'validating',
    lines: parsed.ok ? parsed.lines : [],
    next: 0,
    expireAtLine: undefined,
    outputLines: [],
    errorLines: [],
    completed: 0,
    failed: 0,
    inputTokens: 0,
    outputTokens: 0,
    errors: parsed.ok ? null : parsed.errors,
    outputFileId: null,
    errorFileId: null,
    times: {},
  };
  ctx.batchApi.batches.set(batch.id, batch);
  json(ctx, exchange, batchObject(batch, ctx.options.model));
}

function stringMap(value: unknown): Record<string, string> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') map[key] = entry;
  return map;
}

function page<T extends { id: string }>(items: T[], query: URLSearchParams): { data: T[]; hasMore: boolean } {
  const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 20) || 20));
  const after = query.get('after');
  const start = after === null ? 0 : items.findIndex((item) => item.id === after) + 1;
  const data = items.slice(start, start + limit);
  return { data, hasMore: start + limit < items.length };
}

function listFiles(ctx: SimContext, query: URLSearchParams): Record<string, unknown> {
  const purpose = query.get('purpose');
  const files = ctx.batchApi.files
    .list()
    .filter((file) => purpose === null || file.purpose === purpose)
    .reverse();
  const { data, hasMore } = page(files, query);
  return {
    object: 'list',
    data: data.map(fileObject),
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: hasMore,
  };
}

function listBatches(ctx: SimContext, query: URLSearchParams): Record<string, unknown> {
  const batches = [...ctx.batchApi.batches.values()].reverse();
  const { data, hasMore } = page(batches, query);
  return {
    object: 'list',
    data: data.map((batch) => batchObject(batch, ctx.options.model)),
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: hasMore,
  };
}
