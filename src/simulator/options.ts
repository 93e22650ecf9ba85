import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';

/** Options of {@link startSimulator}. Every field is optional. */
export interface SimulatorOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string | undefined;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number | undefined;
  /** Requests per minute. @default undefined (unlimited) */
  rpm?: number | undefined;
  /** Tokens per minute. @default undefined (unlimited) */
  tpm?: number | undefined;
  /** Requests per day. @default undefined (unlimited) */
  rpd?: number | undefined;
  /** Capacity of the request bucket (largest burst). @default rpm */
  burstRequests?: number | undefined;
  /** Capacity of the token bucket (largest burst). @default tpm */
  burstTokens?: number | undefined;
  /**
   * Enforce RPM and TPM per second, as OpenAI may: buckets of a sixtieth of the minute's limit
   * (unless `burstRequests` / `burstTokens` size them). @default false
   */
  perSecond?: boolean | undefined;
  /**
   * Count rate-limited requests against the per-minute request window, as OpenAI does; the
   * debt is at most one bucket. @default true
   */
  chargeRejected?: boolean | undefined;
  /** Mean added latency of an admitted request, in clock ms. @default 0 */
  latencyMs?: number | undefined;
  /** Uniform jitter added to the latency, ± this many ms. @default 0 */
  latencyJitterMs?: number | undefined;
  /** Seed of the PRNG behind random faults and jitter. @default 1 */
  seed?: number | undefined;
  /** Share of admitted requests answered with a 500 server_error. @default 0 */
  errorRate5xx?: number | undefined;
  /** Share of admitted requests that hang and are never answered. @default 0 */
  timeoutRate?: number | undefined;
  /** Share of admitted requests answered 200 with a truncated JSON body. @default 0 */
  malformedRate?: number | undefined;
  /** Share of admitted requests answered 200 with `status: "incomplete"`. @default 0 */
  incompleteRate?: number | undefined;
  /** Share of admitted requests answered 503 `server_is_overloaded`. @default 0 */
  overloadedRate?: number | undefined;
  /**
   * Serve the first N generation requests, then answer every later one with 429
   * `insufficient_quota`. @default undefined (never)
   */
  insufficientQuotaAfter?: number | undefined;
  /** Accepted API keys. @default undefined (any non-empty bearer token) */
  apiKeys?: readonly string[] | undefined;
  /** Send `retry-after` (whole seconds, at least 1) on rate-limit 429s. @default true */
  sendRetryAfter?: boolean | undefined;
  /**
   * Also send `retry-after-ms` on rate-limit 429s. OpenAI sends it only on some 429s, so clients
   * must not rely on it. @default false
   */
  sendRetryAfterMs?: boolean | undefined;
  /** Send the `x-ratelimit-*` headers for configured limits. @default true */
  sendRateLimitHeaders?: boolean | undefined;
  /** Model echoed when a request names none (stored prompts). @default 'gpt-4o-mini' */
  model?: string | undefined;
  /** Wait announced by the scripted `FAIL429xN` fault, in ms. @default 1000 */
  scriptedRetryAfterMs?: number | undefined;
  /** Time source for the buckets, latency and stats. @default systemClock */
  clock?: Clock | undefined;
  /** Batch lines answered each time a batch is retrieved (progress is driven by polling). @default 1000 */
  batchLinesPerPoll?: number | undefined;
  /** The first N batches to start processing expire part-way. @default 0 */
  batchExpireCount?: number | undefined;
  /** Share of an expiring batch's lines answered before it expires. @default 0.5 */
  batchExpireShare?: number | undefined;
  /** Enqueued input-token limit of the batch queue (`token_limit_exceeded` above it). @default undefined (unlimited) */
  batchQueueTokens?: number | undefined;
  /** Share of `service_tier: "flex"` requests refused with 429 resource_unavailable. @default 0 */
  flexUnavailableRate?: number | undefined;
}

/** {@link SimulatorOptions} with defaults applied and values checked. */
export interface ResolvedSimulatorOptions {
  host: string;
  port: number;
  rpm: number | undefined;
  tpm: number | undefined;
  rpd: number | undefined;
  burstRequests: number | undefined;
  burstTokens: number | undefined;
  perSecond: boolean;
  chargeRejected: boolean;
  latencyMs: number;
  latencyJitterMs: number;
  seed: number;
  errorRate5xx: number;
  timeoutRate: number;
  malformedRate: number;
  incompleteRate: number;
  overloadedRate: number;
  insufficientQuotaAfter: number | undefined;
  apiKeys: ReadonlySet<string> | undefined;
  sendRetryAfter: boolean;
  sendRetryAfterMs: boolean;
  sendRateLimitHeaders: boolean;
  model: string;
  scriptedRetryAfterMs: number;
  clock: Clock;
  batchLinesPerPoll: number;
  batchExpireCount: number;
  batchExpireShare: number;
  batchQueueTokens: number | undefined;
  flexUnavailableRate: number;
}

function fail(name: string, expected: string, value: unknown): never {
  throw new RangeError(`Expected \`${name}\` to be ${expected}, got \`${String(value)}\``);
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0) fail(name, 'a positive number', value);
  return value;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) fail(name, 'a number >= 0', value);
  return value;
}

function rate(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0 || value > 1) fail(name, 'a number from 0 to 1', value);
  return value;
}

function burst(
  name: string,
  value: number | undefined,
  perMinute: number | undefined,
  perSecond: boolean | undefined,
): number | undefined {
  if (perMinute === undefined) return undefined;
  // A bucket smaller than one unit could never admit anything.
  if (value === undefined) return Math.max(1, perSecond === true ? perMinute / 60 : perMinute);
  if (!Number.isFinite(value) || value < 1) fail(name, 'a number >= 1', value);
  return value;
}

/** Applies defaults and rejects impossible values with a `RangeError` naming the option. */
export function resolveSimulatorOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail('port', 'an integer from 0 to 65535', port);
  const rpm = positive('rpm', options.rpm);
  const tpm = positive('tpm', options.tpm);
  const rpd = positive('rpd', options.rpd);
  const resolved: ResolvedSimulatorOptions = {
    host: options.host ?? '127.0.0.1',
    port,
    rpm,
    tpm,
    rpd,
    perSecond: options.perSecond ?? false,
    chargeRejected: options.chargeRejected ?? true,
    burstRequests: burst('burstRequests', options.burstRequests, rpm, options.perSecond),
    burstTokens: burst('burstTokens', options.burstTokens, tpm, options.perSecond),
    latencyMs: nonNegative('latencyMs', options.latencyMs, 0),
    latencyJitterMs: nonNegative('latencyJitterMs', options.latencyJitterMs, 0),
    seed: options.seed ?? 1,
    errorRate5xx: rate('errorRate5xx', options.errorRate5xx),
    timeoutRate: rate('timeoutRate', options.timeoutRate),
    malformedRate: rate('malformedRate', options.malformedRate),
    incompleteRate: rate('incompleteRate', options.incompleteRate),
    overloadedRate: rate('overloadedRate', options.overloadedRate),
    insufficientQuotaAfter: options.insufficientQuotaAfter,
    apiKeys: options.apiKeys === undefined ? undefined : new Set(options.apiKeys),
    sendRetryAfter: options.sendRetryAfter ?? true,
    sendRetryAfterMs: options.sendRetryAfterMs ?? false,
    sendRateLimitHeaders: options.sendRateLimitHeaders ?? true,
    model: options.model ?? 'gpt-4o-mini',
    scriptedRetryAfterMs: nonNegative('scriptedRetryAfterMs', options.scriptedRetryAfterMs, 1000),
    clock: options.clock ?? systemClock,
    batchLinesPerPoll: options.batchLinesPerPoll ?? 1000,
    batchExpireCount: options.batchExpireCount ?? 0,
    batchExpireShare: rate('batchExpireShare', options.batchExpireShare ?? 0.5),
    batchQueueTokens: positive('batchQueueTokens', options.batchQueueTokens),
    flexUnavailableRate: rate('flexUnavailableRate', options.flexUnavailableRate),
  };
  if (!Number.isInteger(resolved.batchLinesPerPoll) || resolved.batchLinesPerPoll < 1) {
    fail('batchLinesPerPoll', 'an integer >= 1', resolved.batchLinesPerPoll);
  }
  if (!Number.isInteger(resolved.batchExpireCount) || resolved.batchExpireCount < 0) {
    fail('batchExpireCount', 'an integer >= 0', resolved.batchExpireCount);
  }
  if (!Number.isFinite(resolved.seed)) fail('seed', 'a finite number', resolved.seed);
  const q = resolved.insufficientQuotaAfter;
  if (q !== undefined && (!Number.isInteger(q) || q < 0)) fail('insufficientQuotaAfter', 'an integer >= 0', q);
  const faultShare =
    resolved.errorRate5xx +
    resolved.timeoutRate +
    resolved.malformedRate +
    resolved.incompleteRate +
    resolved.overloadedRate;
  if (faultShare > 1 + 1e-9) fail('the sum of the fault rates', 'at most 1', faultShare);
  if (options.apiKeys !== undefined && options.apiKeys.some((key) => key.length === 0)) {
    fail('apiKeys', 'a list of non-empty strings', '[…, ""]');
  }
  if (resolved.model.length === 0) fail('model', 'a non-empty model name', '""');
  return resolved;
}
