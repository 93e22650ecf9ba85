import { duration } from './format.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What {@link estimateRemaining} needs to know about a run. */
export interface EtaInputs {
  /** Clock ms now. */
  now: number;
  /** Artists done or failed in this run. */
  done: number;
  /** Artists this run has to do. */
  total: number;
  /** Requests sent so far in this run (retries included). */
  requests: number;
  /** Clock ms spent working (wall time minus pauses). */
  activeMs: number;
  /** Requests already counted against today's budget. */
  usedToday: number;
  /** Requests allowed per UTC day, when there is a limit. */
  dailyLimit: number | undefined;
  /**
   * Share of the daily limit at which the run pauses once a day (0.1-1), when monitoring is on:
   * a day then holds `ceil(threshold × limit)` requests before the pause, and the rest of the
   * limit only if the pause ends before midnight.
   */
  threshold: number | undefined;
  /** Length of the threshold pause (it never runs past UTC midnight). @default 24 hours */
  pauseDurationMs?: number | undefined;
  /** Epoch ms until which dispatching is paused, when paused now. */
  pausedUntil: number | undefined;
}

/** Days simulated at most; beyond that the estimate is "very long" anyway. */
const MAX_DAYS = 100_000;

/**
 * Milliseconds until the run is done, counting the pause in force and, with a daily limit, the
 * days the remaining requests need: each UTC day takes requests up to the threshold, pauses
 * (until midnight with the default 24 h pause), then takes the rest of the limit if the day
 * still has time. `undefined` while nothing is known yet.
 */
export function estimateRemaining(input: EtaInputs): number | undefined {
  const remaining = Math.max(0, input.total - input.done);
  if (remaining === 0) return 0;
  if (input.done === 0 || input.activeMs <= 0) return undefined;
  const activePerArtist = input.activeMs / input.done;
  const pauseLeft = input.pausedUntil !== undefined ? Math.max(0, input.pausedUntil - input.now) : 0;
  if (input.dailyLimit === undefined) return pauseLeft + remaining * activePerArtist;

  const limit = Math.max(1, input.dailyLimit);
  const requestsPerArtist = Math.max(1, input.requests / input.done);
  const msPerRequest = activePerArtist / requestsPerArtist;
  const threshold = input.threshold;
  const pauses = threshold !== undefined && threshold < 1;
  const point = pauses ? Math.max(1, Math.ceil(threshold * limit)) : limit;
  const pauseMs = input.pauseDurationMs ?? DAY_MS;
  let left = remaining * requestsPerArtist;
  let t = input.now + pauseLeft;
  // While paused the budget counts from when the pause ends: a pause for the daily limit ends on a new day.
  let used = pauseLeft > 0 && dayOf(t) !== dayOf(input.now) ? 0 : input.usedToday;
  // At or past the threshold the day's pause has fired already (or is the one in force).
  let thresholdDone = !pauses || used >= point;
  for (let day = 0; day < MAX_DAYS; day++) {
    if (!thresholdDone) {
      const before = Math.min(left, point - used);
      t += before * msPerRequest;
      left -= before;
      used += before;
      if (left <= 0) return t - input.now;
      thresholdDone = true;
      const midnight = (dayOf(t) + 1) * DAY_MS;
      t = Math.min(t + pauseMs, midnight);
      if (t >= midnight) {
        used = 0;
        thresholdDone = !pauses;
        continue;
      }
    }
    const after = Math.min(left, Math.max(0, limit - used));
    t += after * msPerRequest;
    left -= after;
    if (left <= 0) return t - input.now;
    t = (dayOf(t) + 1) * DAY_MS;
    used = 0;
    thresholdDone = !pauses;
  }
  return Number.POSITIVE_INFINITY;
}

function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/**
 * A remaining time as people say it: `4.2s`, `9m 12s`, `≈ 9h 44m`, `≈ 12 days`; `n/a` when
 * unknown.
 */
export function formatEta(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return 'n/a';
  if (ms >= 2 * DAY_MS) return `≈ ${Math.round(ms / DAY_MS)} days`;
  if (ms >= 60 * 60 * 1000) {
    const minutes = Math.round(ms / 60_000);
    return `≈ ${Math.floor(minutes / 60)}h ${minutes % 60}m`;
  }
  return duration(ms);
}
