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
   * Share of the daily limit after which the run pauses (0.1-1), when monitoring is on. Not used
   * for the estimate: a threshold pause shows up as `pausedUntil` while it lasts.
   */
  threshold: number | undefined;
  /** Epoch ms until which dispatching is paused, when paused now. */
  pausedUntil: number | undefined;
}

/**
 * Milliseconds until the run is done, counting the pause in force and, with a daily limit, the
 * days the remaining requests need; `undefined` while nothing is known yet.
 */
export function estimateRemaining(input: EtaInputs): number | undefined {
  const remaining = Math.max(0, input.total - input.done);
  if (remaining === 0) return 0;
  if (input.done === 0 || input.activeMs <= 0) return undefined;
  const activePerArtist = input.activeMs / input.done;
  const pauseLeft = input.pausedUntil !== undefined ? Math.max(0, input.pausedUntil - input.now) : 0;
  const workMs = remaining * activePerArtist;
  if (input.dailyLimit === undefined) return pauseLeft + workMs;

  const perDay = Math.max(1, input.dailyLimit);
  const requestsPerArtist = Math.max(1, input.requests / input.done);
  const requestsLeft = remaining * requestsPerArtist;
  const start = input.now + pauseLeft;
  // While paused the budget counts from when the pause ends: a pause for the daily limit ends on a new day.
  const usedAtStart = pauseLeft > 0 && dayOf(start) !== dayOf(input.now) ? 0 : input.usedToday;
  const leftToday = Math.max(0, perDay - usedAtStart);
  if (requestsLeft <= leftToday) return pauseLeft + workMs;

  const afterToday = requestsLeft - leftToday;
  const fullDays = Math.floor(afterToday / perDay);
  const lastDayRequests = afterToday - fullDays * perDay;
  const nextMidnight = (dayOf(start) + 1) * DAY_MS;
  const lastDayWork = (lastDayRequests / requestsPerArtist) * activePerArtist;
  return nextMidnight - input.now + fullDays * DAY_MS + lastDayWork;
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
