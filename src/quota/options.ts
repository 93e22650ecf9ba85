import type { Clock } from '../core/clock.js';
import type { RunEmitter } from '../core/events.js';
import type { QuotaLedger } from './ledger-types.js';
import type { SpendOptions } from './spend.js';

/**
 * Settings of the quota gate (docs/architecture.md#settings, #quota-and-pacing). Only
 * `statePath` is required; every other setting has the CLI's default.
 */
export interface QuotaGateOptions {
  /**
   * Quota monitoring. When false there is no daily enforcement, no threshold pause and no
   * header pacing; 429 hold-offs are still honoured and the count is still kept.
   * @default true
   */
  monitoring?: boolean | undefined;
  /** Share of the daily budget at which the threshold pause starts, 0.1..1.0. @default 0.8 */
  threshold?: number | undefined;
  /**
   * Share of each provider window (requests and tokens per minute) the run may use, above 0 and
   * at most 1. Independent of `threshold`. @default 1
   */
  rateShare?: number | undefined;
  /** Requests per UTC day; undefined = no daily budget. @default undefined */
  dailyLimit?: number | undefined;
  /** Length of the threshold pause in hours (fractional allowed). @default 24 */
  pauseDurationHours?: number | undefined;
  /** Emit `quota:metrics` every this many requests. @default 100 */
  logIntervalRequests?: number | undefined;
  /** At the hard daily limit: wait for the next UTC day, or stop with QuotaStopError. @default 'wait' */
  onDailyLimit?: 'wait' | 'exit' | undefined;
  /** JSON state file (daily count, pause, window limits); unused when `deps.ledger` is given. */
  statePath: string;
  /**
   * Requests in flight: `auto` follows the allowed rate × observed latency, up to
   * `maxInFlight`; a number is a fixed worker count (docs/pacing.md#concurrency).
   * @default 'auto'
   */
  maxWorkers?: number | 'auto' | undefined;
  /** Most requests in flight in `auto` mode. @default 1024 */
  maxInFlight?: number | undefined;
  /**
   * Output cap of each request, for token estimates; undefined = use the observed average.
   * @default undefined
   */
  maxOutputTokens?: number | undefined;
  /** Dollar limits and pricing (docs/costs.md); absent = requests are not priced. */
  spend?: SpendOptions;
}

/** What the gate needs from its surroundings. */
export interface QuotaGateDeps {
  clock: Clock;
  events: RunEmitter;
  /** Source of numbers in [0, 1) for backoff jitter. @default Math.random */
  random?: () => number;
  /**
   * The ledger to count against (e.g. the key ledger, docs/ledger.md). @default the JSON file
   * at `options.statePath`
   */
  ledger?: QuotaLedger;
}

/** {@link QuotaGateOptions} with every default filled in. */
export type ResolvedQuotaGateOptions = QuotaGateOptions & {
  monitoring: boolean;
  threshold: number;
  dailyLimit: number | undefined;
  pauseDurationHours: number;
  logIntervalRequests: number;
  onDailyLimit: 'wait' | 'exit';
  maxWorkers: number | 'auto';
  maxOutputTokens: number | undefined;
};

/** Fills in the defaults of every setting left out (the same as the CLI's, src/config/fields.ts). */
export function resolveQuotaGateOptions(options: QuotaGateOptions): ResolvedQuotaGateOptions {
  return {
    ...options,
    monitoring: options.monitoring ?? true,
    threshold: options.threshold ?? 0.8,
    dailyLimit: options.dailyLimit,
    pauseDurationHours: options.pauseDurationHours ?? 24,
    logIntervalRequests: options.logIntervalRequests ?? 100,
    onDailyLimit: options.onDailyLimit ?? 'wait',
    maxWorkers: options.maxWorkers ?? 'auto',
    maxOutputTokens: options.maxOutputTokens,
  };
}

function fail(name: string, expected: string, got: unknown): never {
  throw new TypeError(`Expected \`${name}\` to be ${expected}, got \`${String(got)}\``);
}

/** Rejects options the config layer should never have let through, naming the field. */
export function validateQuotaGateOptions(options: ResolvedQuotaGateOptions): void {
  const { threshold, dailyLimit, pauseDurationHours, logIntervalRequests, maxWorkers, maxOutputTokens } = options;
  if (!(threshold >= 0.1 && threshold <= 1)) fail('threshold', 'a number from 0.1 to 1.0', threshold);
  const { rateShare } = options;
  if (rateShare !== undefined && !(rateShare > 0 && rateShare <= 1)) {
    fail('rateShare', 'a number above 0 and at most 1', rateShare);
  }
  if (dailyLimit !== undefined && !(Number.isInteger(dailyLimit) && dailyLimit >= 1)) {
    fail('dailyLimit', 'a positive integer or undefined', dailyLimit);
  }
  if (!(pauseDurationHours > 0 && Number.isFinite(pauseDurationHours))) {
    fail('pauseDurationHours', 'a positive number of hours', pauseDurationHours);
  }
  if (!(Number.isInteger(logIntervalRequests) && logIntervalRequests >= 1)) {
    fail('logIntervalRequests', 'a positive integer', logIntervalRequests);
  }
  if (options.onDailyLimit !== 'wait' && options.onDailyLimit !== 'exit') {
    fail('onDailyLimit', "'wait' or 'exit'", options.onDailyLimit);
  }
  if (options.statePath.trim() === '') fail('statePath', 'a file path', options.statePath);
  if (maxWorkers !== 'auto' && !(Number.isInteger(maxWorkers) && maxWorkers >= 1)) {
    fail('maxWorkers', "'auto' or a positive integer", maxWorkers);
  }
  const { maxInFlight } = options;
  if (maxInFlight !== undefined && !(Number.isInteger(maxInFlight) && maxInFlight >= 1)) {
    fail('maxInFlight', 'a positive integer', maxInFlight);
  }
  if (maxOutputTokens !== undefined && !(Number.isFinite(maxOutputTokens) && maxOutputTokens >= 0)) {
    fail('maxOutputTokens', 'a non-negative number or undefined', maxOutputTokens);
  }
}
