import type { Clock } from '../core/clock.js';
import type { RunEmitter } from '../core/events.js';

/** Counts of one time bucket of a run. */
export interface TimelineBucket {
  /** Epoch ms the bucket starts. */
  t: number;
  requests: number;
  successes: number;
  failures: number;
  retries: number;
  /** 429 answers. */
  rateLimited: number;
  /** Dollars of the responses priced in this bucket. */
  costUsd: number;
  /** Highest daily usage seen in this bucket, or null when none was reported. */
  usedToday: number | null;
}

/** One pause of dispatching. */
export interface TimelinePause {
  from: number;
  /** Epoch ms the pause ended, or null while it lasts. */
  to: number | null;
  reason: string;
}

/** One bar of the latency histogram: requests that took at most `upToMs` (and more than the previous bar). */
export interface LatencyBin {
  /** Upper bound in ms; null for the last, open bin. */
  upToMs: number | null;
  count: number;
}

/** A run's activity over time, bounded in size, serialisable as JSON. */
export interface TimelineData {
  /** Epoch ms of the first bucket. */
  start: number;
  /** Width of every bucket in ms (doubles as the run grows). */
  bucketMs: number;
  buckets: TimelineBucket[];
  pauses: TimelinePause[];
  latency: LatencyBin[];
  dailyLimit: number | null;
  /** Threshold share (0.1-1) of the daily limit, when known. */
  threshold: number | null;
  /** True once any response carried a price. */
  costKnown: boolean;
  /** Where the figures come from: the live event stream, or the output files after the fact. */
  source: 'events' | 'files';
}

/** Upper bounds of the latency histogram bins, in ms. */
export const LATENCY_BOUNDS_MS = [100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10_000, 30_000] as const;

/** Most buckets kept; beyond this, neighbours merge and the bucket width doubles. */
export const MAX_BUCKETS = 240;
/** Most pauses kept (the latest win). */
const MAX_PAUSES = 200;

type Counter = Exclude<keyof TimelineBucket, 't' | 'usedToday'>;

/**
 * A bounded time series: at most {@link MAX_BUCKETS} buckets whatever the run's length (neighbours
 * merge as time goes on), so a week-long run costs the same memory as a minute-long one.
 */
export class Timeline {
  readonly #data: TimelineData;

  /**
   * @param start epoch ms of the first bucket
   * @param bucketMs initial bucket width @default 1000
   */
  constructor(start: number, bucketMs = 1000, source: TimelineData['source'] = 'events') {
    this.#data = {
      start,
      bucketMs,
      buckets: [],
      pauses: [],
      latency: [...LATENCY_BOUNDS_MS, null].map((upToMs) => ({ upToMs, count: 0 })),
      dailyLimit: null,
      threshold: null,
      costKnown: false,
      source,
    };
  }

  #bucket(time: number): TimelineBucket {
    const d = this.#data;
    let index = Math.max(0, Math.floor((time - d.start) / d.bucketMs));
    while (index >= MAX_BUCKETS) {
      this.#halve();
      index = Math.max(0, Math.floor((time - d.start) / d.bucketMs));
    }
    while (d.buckets.length <= index) d.buckets.push(emptyBucket(d.start + d.buckets.length * d.bucketMs));
    const bucket = d.buckets[index];
    if (bucket === undefined) throw new RangeError(`Expected a bucket at index ${index}`);
    return bucket;
  }

  #halve(): void {
    const d = this.#data;
    d.bucketMs *= 2;
    const merged: TimelineBucket[] = [];
    for (let i = 0; i < d.buckets.length; i += 2) {
      const a = d.buckets[i];
      const b = d.buckets[i + 1];
      if (a === undefined) continue;
      merged.push(b === undefined ? { ...a } : mergeBuckets(a, b));
    }
    d.buckets = merged;
  }

  /** Adds `amount` to one counter of the bucket holding `time`. */
  count(counter: Counter, time: number, amount = 1): void {
    this.#bucket(time)[counter] += amount;
  }

  /** Records the day's usage at `time`. */
  usage(time: number, usedToday: number): void {
    const bucket = this.#bucket(time);
    bucket.usedToday = Math.max(bucket.usedToday ?? 0, usedToday);
  }

  /** Records one request's duration in the latency histogram. */
  latency(ms: number): void {
    const bins = this.#data.latency;
    const bin = bins.find((b) => b.upToMs === null || ms <= b.upToMs);
    if (bin !== undefined) bin.count += 1;
  }

  /** Records the dollars of one priced response. */
  cost(time: number, usd: number): void {
    this.#data.costKnown = true;
    this.count('costUsd', time, usd);
  }

  /** A pause began. A pause already open is extended, not doubled. */
  pauseStarted(time: number, reason: string): void {
    const open = this.#data.pauses.at(-1);
    if (open !== undefined && open.to === null) return;
    this.#data.pauses.push({ from: time, to: null, reason });
    if (this.#data.pauses.length > MAX_PAUSES) this.#data.pauses.shift();
    this.#bucket(time);
  }

  /** The open pause ended. */
  pauseEnded(time: number): void {
    const open = this.#data.pauses.at(-1);
    if (open !== undefined && open.to === null) open.to = time;
    this.#bucket(time);
  }

  /** Sets the day's limit and threshold share. */
  limits(dailyLimit: number | undefined, threshold: number | undefined): void {
    this.#data.dailyLimit = dailyLimit ?? null;
    this.#data.threshold = threshold ?? null;
  }

  /** Makes sure the series reaches `time` (the end of the run). */
  touch(time: number): void {
    this.#bucket(time);
  }

  /** A copy of the series as plain data. */
  data(): TimelineData {
    const d = this.#data;
    return {
      ...d,
      buckets: d.buckets.map((b) => ({ ...b })),
      pauses: d.pauses.map((p) => ({ ...p })),
      latency: d.latency.map((b) => ({ ...b })),
    };
  }
}

function emptyBucket(t: number): TimelineBucket {
  return { t, requests: 0, successes: 0, failures: 0, retries: 0, rateLimited: 0, costUsd: 0, usedToday: null };
}

function mergeBuckets(a: TimelineBucket, b: TimelineBucket): TimelineBucket {
  const used = a.usedToday === null && b.usedToday === null ? null : Math.max(a.usedToday ?? 0, b.usedToday ?? 0);
  return {
    t: a.t,
    requests: a.requests + b.requests,
    successes: a.successes + b.successes,
    failures: a.failures + b.failures,
    retries: a.retries + b.retries,
    rateLimited: a.rateLimited + b.rateLimited,
    costUsd: a.costUsd + b.costUsd,
    usedToday: used,
  };
}

/**
 * Feeds a {@link Timeline} from a run's events. Returns the timeline and an unsubscribe function.
 */
export function observeTimeline(events: RunEmitter, clock: Clock): { timeline: Timeline; unsubscribe: () => void } {
  const timeline = new Timeline(clock.now());
  const offs = [
    events.on('quota:init', (e) => {
      timeline.limits(e.dailyLimit, e.monitoring ? e.threshold : undefined);
      timeline.usage(clock.now(), e.usedToday);
    }),
    events.on('request:sent', () => timeline.count('requests', clock.now())),
    events.on('request:done', (e) => {
      const now = clock.now();
      timeline.latency(e.durationMs);
      if (e.status === 429) timeline.count('rateLimited', now);
      if (typeof e.costUsd === 'number') timeline.cost(now, e.costUsd);
    }),
    events.on('request:retry', () => timeline.count('retries', clock.now())),
    events.on('artist:done', () => timeline.count('successes', clock.now())),
    events.on('artist:failed', () => timeline.count('failures', clock.now())),
    events.on('quota:metrics', (e) => timeline.usage(clock.now(), e.usedToday)),
    events.on('quota:warning', (e) => timeline.usage(clock.now(), e.usedToday)),
    events.on('quota:paused', (e) => {
      timeline.usage(clock.now(), e.usedToday);
      timeline.pauseStarted(clock.now(), e.reason);
    }),
    events.on('quota:resumed', () => timeline.pauseEnded(clock.now())),
    events.on('run:end', (e) => timeline.touch(e.endTime)),
  ];
  return { timeline, unsubscribe: () => offs.forEach((off) => off()) };
}
