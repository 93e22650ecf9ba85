import type { Clock } from '../core/clock.js';
import type { RunEmitter, RunSummary } from '../core/events.js';

/** A bio recently written (or a failure), as the dashboard lists it. */
export interface DashboardArtist {
  id: string;
  name: string;
  time: string;
  ok: boolean;
  /** Start of the bio, or the error message. */
  text: string;
}

/** Everything the dashboard page shows; sent as JSON over server-sent events. */
export interface DashboardState {
  now: number;
  startTime: number;
  done: number;
  failed: number;
  total: number | null;
  etaText: string;
  requests: number;
  /** Requests per minute over the last minute of activity. */
  requestsPerMinute: number;
  /** The provider's request limit per minute, when its headers said. */
  providerRpm: number | null;
  latency: { p50: number | null; p95: number | null; max: number | null };
  usedToday: number;
  dailyLimit: number | null;
  threshold: number | null;
  costUsd: number | null;
  /** Epoch ms the current pause ends, or null when running. */
  pausedUntil: number | null;
  pauseReason: string | null;
  errorsByKind: Record<string, number>;
  recent: DashboardArtist[];
  /** Batch mode: `<batch id> (<part>)` → its last status and counts, from the run's batch events. */
  batches: Record<string, string>;
  /** Outcome words once the run ended. */
  ended: string | null;
}

/** Live sources the dashboard reads on each refresh. */
export interface DashboardSources {
  events: RunEmitter;
  clock: Clock;
  /** Progress counts and ETA text. */
  progress: () => { startTime: number; done: number; failed: number; total: number | undefined; etaText: string };
  /** Quota state. */
  quota: () => { usedToday: number; dailyLimit: number | undefined; pausedUntil: number | undefined };
  /** Dollars so far, null when nothing was priced. */
  costUsd: () => number | null;
}

const RECENT = 12;
const OUTCOME: Record<RunSummary['outcome'], string> = {
  completed: 'Run completed',
  interrupted: 'Run interrupted',
  quota_stopped: 'Run stopped by the quota',
  auth_failed: 'Run stopped: the API key was refused',
  failed: 'Run failed',
};

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
}

/**
 * Follows a run's events and keeps what the dashboard needs, bounded: the last 12 artists, the
 * last 500 latencies, one minute of request times.
 */
export function trackDashboard(s: DashboardSources): { state(): DashboardState; stop(): void } {
  const recent: DashboardArtist[] = [];
  const latencies: number[] = [];
  const sentAt: number[] = [];
  const errorsByKind: Record<string, number> = {};
  const batches: Record<string, string> = {};
  let requests = 0;
  let providerRpm: number | null = null;
  let threshold: number | null = null;
  let pauseReason: string | null = null;
  let ended: string | null = null;
  const push = (a: DashboardArtist): void => {
    recent.unshift(a);
    if (recent.length > RECENT) recent.pop();
  };
  const offs = [
    s.events.on('quota:init', (e) => (threshold = e.monitoring ? e.threshold : null)),
    s.events.on('quota:status', (e) => (providerRpm = e.requestsLimit ?? providerRpm)),
    s.events.on('quota:paused', (e) => (pauseReason = e.reason)),
    s.events.on('quota:resumed', () => (pauseReason = null)),
    s.events.on('request:sent', () => {
      requests += 1;
      sentAt.push(s.clock.now());
      while ((sentAt[0] ?? Infinity) < s.clock.now() - 60_000) sentAt.shift();
    }),
    s.events.on('request:done', (e) => {
      latencies.push(e.durationMs);
      if (latencies.length > 500) latencies.shift();
    }),
    s.events.on('request:retry', (e) => (errorsByKind[e.kind] = (errorsByKind[e.kind] ?? 0) + 1)),
    s.events.on('artist:done', (e) =>
      push({
        id: e.artist.id,
        name: e.artist.name,
        time: new Date(s.clock.now()).toISOString(),
        ok: true,
        text: e.record.response_text.slice(0, 400),
      }),
    ),
    s.events.on('artist:failed', (e) =>
      push({
        id: e.artist.id,
        name: e.artist.name,
        time: new Date(s.clock.now()).toISOString(),
        ok: false,
        text: e.record.message,
      }),
    ),
    s.events.on('run:end', (e) => (ended = OUTCOME[e.outcome])),
    // Batch mode (docs/batch.md): one entry per batch, its last status and counts.
    s.events.on('batch:submitted', (e) => (batches[`${e.batchId} (${e.part})`] = `submitted, ${e.requests} requests`)),
    s.events.on(
      'batch:status',
      (e) =>
        (batches[`${e.batchId} (${e.part})`] =
          `${e.status}, ${e.completed} completed, ${e.failed} failed of ${e.total}`),
    ),
    s.events.on(
      'batch:collected',
      (e) =>
        (batches[`${e.batchId} (${e.part})`] =
          `${e.status}: ${e.written} written, ${e.failed} failed, ${e.resubmitted} resubmitted`),
    ),
  ];
  return {
    state() {
      const p = s.progress();
      const q = s.quota();
      const now = s.clock.now();
      const sorted = [...latencies].sort((a, b) => a - b);
      const recentRequests = sentAt.filter((t) => t >= now - 60_000).length;
      return {
        now,
        startTime: p.startTime,
        done: p.done,
        failed: p.failed,
        total: p.total ?? null,
        etaText: p.etaText,
        requests,
        requestsPerMinute: recentRequests,
        providerRpm,
        latency: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? null },
        usedToday: q.usedToday,
        dailyLimit: q.dailyLimit ?? null,
        threshold,
        costUsd: s.costUsd(),
        pausedUntil: q.pausedUntil !== undefined && q.pausedUntil > now ? q.pausedUntil : null,
        pauseReason,
        errorsByKind: { ...errorsByKind },
        recent: recent.map((a) => ({ ...a })),
        batches: { ...batches },
        ended,
      };
    },
    stop() {
      for (const off of offs) off();
    },
  };
}
