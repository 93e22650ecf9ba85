/**
 * What the simulator saw, kept cheap enough to update on every request: plain counters and maps,
 * one bounded timeline array, and a snapshot copied only when asked.
 */

import type { BatchStatsSnapshot } from './batch-store.js';
import type { FlexStatsSnapshot } from './flex.js';

/** One served (or hung) request in the timeline. */
export interface TimelineEntry {
  /** Arrival time, epoch ms of the simulator clock. */
  t: number;
  /** Artist key, or null when the request had none (auth errors, 404s, bad bodies). */
  key: string | null;
  /** HTTP status sent; 0 for a request that was left hanging. */
  status: number;
  /** Error code (`rate_limit_exceeded`, …) or fault marker (`malformed`, `incomplete`, `empty`, `timeout`); null for a clean success. */
  code: string | null;
}

/** Totals returned by `stats()` and `GET /__stats`. */
export interface SimulatorStats {
  /** Every API request that arrived (all `/v1/*` paths). */
  requests: number;
  /** Responses sent, by HTTP status (`"200"`, `"429"`, …). */
  byStatus: Record<string, number>;
  /** Responses sent, by error code (or fault marker); clean successes are not counted here. */
  byCode: Record<string, number>;
  /** 429 responses of any code. */
  rateLimited: number;
  /** Requests that arrived and are not finished (including hanging ones). */
  inFlight: number;
  /** Highest `inFlight` seen. */
  peakInFlight: number;
  /** Requests that were left hanging on purpose. */
  hung: number;
  /** Generation requests per artist key. */
  requestsPerArtist: Record<string, number>;
  /** Completed, non-empty answers per artist key. */
  successesPerArtist: Record<string, number>;
  /** Requests that arrived per epoch second (`"1767225600"` → n). */
  perSecond: Record<string, number>;
  /** Tokens reported in usage of the answers sent. */
  tokens: { input: number; output: number };
  /** Requests from an artist that arrived before the retry-after that artist was last given had elapsed. */
  earlyRetries: number;
  /** The first {@link TIMELINE_LIMIT} requests, in the order they were answered. */
  timeline: TimelineEntry[];
  /** Files and Batches API records (filled in by the server). */
  batch?: BatchStatsSnapshot;
  /** Flex-tier counters (filled in by the server). */
  flex?: FlexStatsSnapshot;
}

/** Most timeline entries kept; later requests are counted but not listed. */
export const TIMELINE_LIMIT = 200_000;

function increment<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function toRecord<K extends string | number>(map: Map<K, number>): Record<string, number> {
  const record: Record<string, number> = {};
  for (const [key, value] of map) record[String(key)] = value;
  return record;
}

/** Collects {@link SimulatorStats}. */
export class StatsCollector {
  #requests = 0;
  #byStatus = new Map<number, number>();
  #byCode = new Map<string, number>();
  #rateLimited = 0;
  #inFlight = 0;
  #peakInFlight = 0;
  #hung = 0;
  #perArtist = new Map<string, number>();
  #successes = new Map<string, number>();
  #perSecond = new Map<number, number>();
  #inputTokens = 0;
  #outputTokens = 0;
  #earlyRetries = 0;
  #retryAfterUntil = new Map<string, number>();
  #timeline: TimelineEntry[] = [];

  /** A request arrived at `now`. */
  arrived(now: number): void {
    this.#requests++;
    increment(this.#perSecond, Math.floor(now / 1000));
    this.#inFlight++;
    if (this.#inFlight > this.#peakInFlight) this.#peakInFlight = this.#inFlight;
  }

  /** A request's connection finished or was closed. */
  finished(): void {
    if (this.#inFlight > 0) this.#inFlight--;
  }

  /** A generation request of `key` arrived at `now`; notes an early retry. */
  artistRequest(key: string, now: number): void {
    increment(this.#perArtist, key);
    const until = this.#retryAfterUntil.get(key);
    if (until !== undefined && now < until) this.#earlyRetries++;
  }

  /** `key` was told to wait until `until` (epoch ms). */
  retryAfterGiven(key: string, until: number): void {
    this.#retryAfterUntil.set(key, until);
  }

  /** A response was sent for a request that arrived at `t`. */
  responded(t: number, key: string | null, status: number, code: string | null): void {
    increment(this.#byStatus, status);
    if (code !== null) increment(this.#byCode, code);
    if (status === 429) this.#rateLimited++;
    this.#record(t, key, status, code);
  }

  /** A request was left hanging. */
  hanging(t: number, key: string): void {
    this.#hung++;
    increment(this.#byCode, 'timeout');
    this.#record(t, key, 0, 'timeout');
  }

  /** Usage of an answer that was sent; `success` when it was completed and non-empty. */
  answered(key: string, inputTokens: number, outputTokens: number, success: boolean): void {
    this.#inputTokens += inputTokens;
    this.#outputTokens += outputTokens;
    if (success) increment(this.#successes, key);
  }

  /** A copy of the current totals. */
  snapshot(): SimulatorStats {
    return {
      requests: this.#requests,
      byStatus: toRecord(this.#byStatus),
      byCode: toRecord(this.#byCode),
      rateLimited: this.#rateLimited,
      inFlight: this.#inFlight,
      peakInFlight: this.#peakInFlight,
      hung: this.#hung,
      requestsPerArtist: toRecord(this.#perArtist),
      successesPerArtist: toRecord(this.#successes),
      perSecond: toRecord(this.#perSecond),
      tokens: { input: this.#inputTokens, output: this.#outputTokens },
      earlyRetries: this.#earlyRetries,
      timeline: this.#timeline.slice(),
    };
  }

  /** Clears everything except the requests still in flight. */
  reset(): void {
    this.#requests = 0;
    this.#byStatus.clear();
    this.#byCode.clear();
    this.#rateLimited = 0;
    this.#peakInFlight = this.#inFlight;
    this.#hung = 0;
    this.#perArtist.clear();
    this.#successes.clear();
    this.#perSecond.clear();
    this.#inputTokens = 0;
    this.#outputTokens = 0;
    this.#earlyRetries = 0;
    this.#retryAfterUntil.clear();
    this.#timeline = [];
  }

  #record(t: number, key: string | null, status: number, code: string | null): void {
    if (this.#timeline.length < TIMELINE_LIMIT) this.#timeline.push({ t, key, status, code });
  }
}
