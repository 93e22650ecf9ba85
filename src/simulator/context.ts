/**
 * The mutable state one simulator instance shares between its request handlers.
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';
import { ORGANIZATION } from './error-bodies.js';
import type { ApiErrorBody } from './error-bodies.js';
import { BatchState } from './batch-store.js';
import { FlexState } from './flex.js';
import { RateLimiter } from './limiter.js';
import type { ResolvedSimulatorOptions } from './options.js';
import { createPrng } from './prng.js';
import { StatsCollector } from './stats.js';

/** State of a running simulator. */
export interface SimContext {
  readonly options: ResolvedSimulatorOptions;
  readonly clock: Clock;
  readonly limiter: RateLimiter;
  readonly stats: StatsCollector;
  /** Seeded uniform draws in [0, 1). */
  random: () => number;
  /** Admitted requests so far per artist key (drives scripted faults). */
  readonly attempts: Map<string, number>;
  /** Instruction prefixes already in the simulated prompt cache. */
  readonly cachedPrefixes: Set<string>;
  /** Valid generation requests so far (drives `insufficientQuotaAfter`). */
  generationRequests: number;
  /** Aborts when the simulator closes, cutting latency waits short. */
  readonly closing: AbortSignal;
  /** Files, batches and their records (Files and Batches APIs). */
  readonly batchApi: BatchState;
  /** Flex-tier refusals and counters. */
  readonly flex: FlexState;
}

/** One request being answered. */
export interface Exchange {
  readonly res: ServerResponse;
  /** Arrival time on the simulator clock. */
  readonly arrivedAt: number;
  readonly requestId: string;
  /** Artist key, once known. */
  key: string | null;
}

/** Creates the state of a new simulator. */
export function createContext(options: ResolvedSimulatorOptions, closing: AbortSignal): SimContext {
  return {
    options,
    clock: options.clock,
    limiter: new RateLimiter(options, options.clock),
    stats: new StatsCollector(),
    random: createPrng(options.seed),
    attempts: new Map(),
    cachedPrefixes: new Set(),
    generationRequests: 0,
    closing,
    batchApi: new BatchState(),
    flex: new FlexState(options.seed),
  };
}

/** Back to the starting state: full buckets, zero stats and counters, PRNG re-seeded. */
export function resetContext(ctx: SimContext): void {
  ctx.limiter.reset();
  ctx.stats.reset();
  ctx.random = createPrng(ctx.options.seed);
  ctx.attempts.clear();
  ctx.cachedPrefixes.clear();
  ctx.generationRequests = 0;
  ctx.batchApi.reset();
  ctx.flex.reset();
}

/**
 * Sends a JSON payload with OpenAI's debugging headers and, unless disabled, the current
 * `x-ratelimit-*` headers, and records it in the stats. `code` is what the stats file it under.
 */
export function sendPayload(
  ctx: SimContext,
  exchange: Exchange,
  status: number,
  payload: string,
  code: string | null,
  extraHeaders?: Record<string, string>,
): void {
  const { res } = exchange;
  ctx.stats.responded(exchange.arrivedAt, exchange.key, status, code);
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
    'x-request-id': exchange.requestId,
    'openai-organization': ORGANIZATION,
    'openai-processing-ms': String(Math.max(0, Math.round(ctx.clock.now() - exchange.arrivedAt))),
    'openai-version': '2020-10-01',
  };
  if (ctx.options.sendRateLimitHeaders) ctx.limiter.headers(headers);
  if (extraHeaders !== undefined) Object.assign(headers, extraHeaders);
  res.writeHead(status, headers);
  res.end(payload);
}

/** Sends an OpenAI error body. */
export function sendError(
  ctx: SimContext,
  exchange: Exchange,
  status: number,
  body: ApiErrorBody,
  extraHeaders?: Record<string, string>,
): void {
  sendPayload(ctx, exchange, status, JSON.stringify(body), body.error.code ?? body.error.type, extraHeaders);
}
