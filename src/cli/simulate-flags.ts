/**
 * The flags of `simulate` and their translation into simulator options, with the checks that
 * involve more than one flag (each flag's own range is checked where it is declared).
 */
import { UsageError } from '../core/errors.js';
import type { SimulatorOptions } from '../simulator/index.js';

/** The parsed flags of `simulate` (commander camel-cases the names). */
export interface SimulateFlags {
  host: string;
  port: number;
  rpm?: number;
  tpm?: number;
  rpd?: number;
  burstRequests?: number;
  burstTokens?: number;
  perSecond?: boolean;
  chargeRejected: boolean;
  latencyMs: number;
  latencyJitterMs: number;
  seed: number;
  errorRate: number;
  timeoutRate: number;
  malformedRate: number;
  incompleteRate: number;
  overloadedRate: number;
  insufficientQuotaAfter?: number;
  apiKey?: string[];
  model: string;
  scriptedRetryAfterMs: number;
  retryAfter: boolean;
  retryAfterMs?: boolean;
  rateLimitHeaders: boolean;
  batchLinesPerPoll: number;
  batchExpireCount: number;
  batchExpireShare: number;
  batchQueueTokens?: number;
  flexUnavailableRate: number;
}

/** Turns the parsed flags into simulator options, checking what no single flag can. */
export function simulatorOptionsFromFlags(flags: SimulateFlags): SimulatorOptions {
  const faultShare =
    flags.errorRate + flags.timeoutRate + flags.malformedRate + flags.incompleteRate + flags.overloadedRate;
  if (faultShare > 1 + 1e-9) {
    throw new UsageError(
      `Invalid fault rates: --error-rate, --timeout-rate, --malformed-rate, --incomplete-rate and --overloaded-rate add up to ${faultShare}, expected at most 1`,
    );
  }
  if (flags.burstRequests !== undefined && flags.rpm === undefined) {
    throw new UsageError('Invalid --burst-requests: it sizes the --rpm bucket, so give --rpm too');
  }
  if (flags.burstTokens !== undefined && flags.tpm === undefined) {
    throw new UsageError('Invalid --burst-tokens: it sizes the --tpm bucket, so give --tpm too');
  }
  return {
    host: flags.host,
    port: flags.port,
    rpm: flags.rpm,
    tpm: flags.tpm,
    rpd: flags.rpd,
    burstRequests: flags.burstRequests,
    burstTokens: flags.burstTokens,
    perSecond: flags.perSecond === true,
    chargeRejected: flags.chargeRejected,
    latencyMs: flags.latencyMs,
    latencyJitterMs: flags.latencyJitterMs,
    seed: flags.seed,
    errorRate5xx: flags.errorRate,
    timeoutRate: flags.timeoutRate,
    malformedRate: flags.malformedRate,
    incompleteRate: flags.incompleteRate,
    overloadedRate: flags.overloadedRate,
    insufficientQuotaAfter: flags.insufficientQuotaAfter,
    apiKeys: flags.apiKey,
    model: flags.model,
    scriptedRetryAfterMs: flags.scriptedRetryAfterMs,
    sendRetryAfter: flags.retryAfter,
    sendRetryAfterMs: flags.retryAfterMs === true,
    sendRateLimitHeaders: flags.rateLimitHeaders,
    batchLinesPerPoll: flags.batchLinesPerPoll,
    batchExpireCount: flags.batchExpireCount,
    batchExpireShare: flags.batchExpireShare,
    batchQueueTokens: flags.batchQueueTokens,
    flexUnavailableRate: flags.flexUnavailableRate,
  };
}
