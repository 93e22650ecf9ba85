import { QuotaStopError } from '../core/errors.js';
import type { RunEmitter } from '../core/events.js';
import { budgetPoint, countdownMessage, dailyStopMessage, pauseMessage, warningSteps } from './budget.js';
import type { QuotaLedger } from './ledger-types.js';
import type { ResolvedQuotaGateOptions } from './options.js';
import type { PauseState } from './state-store.js';
import { nextUtcMidnight } from './utc-day.js';

/** Interval between countdown lines while waiting for the next UTC day. */
export const COUNTDOWN_INTERVAL_MS = 10 * 60_000;

type BudgetOptions = Pick<
  ResolvedQuotaGateOptions,
  'dailyLimit' | 'threshold' | 'pauseDurationHours' | 'onDailyLimit' | 'logIntervalRequests'
>;

/**
 * The daily budget rules on top of the {@link QuotaLedger} (docs/architecture.md#quota-and-pacing):
 * the once-a-day threshold pause at `ceil(threshold × limit)`, the hard limit (wait for the next UTC day or
 * stop), the countdown while waiting, and the warning and metrics events. It only decides; the
 * gate calls {@link check} before each admission and {@link counted} after it.
 */
export class DailyBudget {
  readonly #options: BudgetOptions;
  readonly #ledger: QuotaLedger;
  readonly #events: RunEmitter;
  readonly #persist: (what: string) => void;
  #lastCountdownAt = Number.NEGATIVE_INFINITY;

  /** @param persist saves the ledger in the background (pause changes need no await) */
  constructor(options: BudgetOptions, ledger: QuotaLedger, events: RunEmitter, persist: (what: string) => void) {
    this.#options = options;
    this.#ledger = ledger;
    this.#events = events;
    this.#persist = persist;
  }

  /**
   * Reconciles a pause restored from the state file with the current settings: it continues
   * until its resume time if it still applies (and is announced again), else it is dropped.
   */
  restore(now: number): void {
    const pause = this.#ledger.pause;
    if (!pause) return;
    const limit = this.#options.dailyLimit;
    const applies =
      limit !== undefined &&
      pause.until > now &&
      (pause.reason === 'threshold' ? this.#options.threshold < 1 : this.#ledger.usedToday >= limit);
    if (!applies || limit === undefined) {
      this.#ledger.setPause(undefined);
      this.#persist('pause state');
      return;
    }
    this.#announce(pause, limit);
  }

  /**
   * Whether the daily budget lets one more request through at `now`: `undefined` = yes, a number
   * = not before that epoch ms, `'stop'` = never in this run (hard limit with `onDailyLimit: exit`).
   */
  check(now: number): number | 'stop' | undefined {
    const pause = this.#ledger.pause;
    if (pause) {
      if (now < pause.until) return this.#waitOut(pause, now);
      this.#ledger.setPause(undefined);
      this.#persist('pause state');
      this.#events.emit('quota:resumed', { pausedMs: now - pause.since, reason: 'Auto-resume time reached' });
    }
    this.#ledger.rollover(now);
    const limit = this.#options.dailyLimit;
    if (limit === undefined) return undefined;
    const used = this.#ledger.usedToday;
    if (used >= limit) {
      if (this.#options.onDailyLimit === 'exit') return 'stop';
      return this.#pause({ reason: 'daily_limit', since: now, until: nextUtcMidnight(now) }, limit, now);
    }
    const { threshold } = this.#options;
    if (threshold < 1 && used >= budgetPoint(threshold, limit) && this.#ledger.thresholdPauseDay !== this.#ledger.day) {
      this.#ledger.markThresholdPause(this.#ledger.day);
      const until = Math.min(now + this.#options.pauseDurationHours * 3_600_000, nextUtcMidnight(now));
      return this.#pause({ reason: 'threshold', since: now, until }, limit, now);
    }
    return undefined;
  }

  /** The error for the hard limit in `exit` mode. */
  stopError(now: number): QuotaStopError {
    const limit = this.#options.dailyLimit ?? 0;
    const message = dailyStopMessage(this.#ledger.usedToday, limit, this.#ledger.day, now, nextUtcMidnight(now));
    return new QuotaStopError(message, 'daily_limit');
  }

  /** Emits the warning and metrics events due at the new count `used`. */
  counted(used: number): void {
    const limit = this.#options.dailyLimit;
    if (limit !== undefined) {
      for (const percent of warningSteps(used, limit, this.#options.threshold)) {
        this.#events.emit('quota:warning', { percent, usedToday: used, dailyLimit: limit });
      }
    }
    if (used % this.#options.logIntervalRequests === 0) {
      this.#events.emit('quota:metrics', { usedToday: used, dailyLimit: limit });
    }
  }

  /** Forgets countdown timing (the gate is closing). */
  close(): void {
    this.#lastCountdownAt = Number.NEGATIVE_INFINITY;
  }

  #pause(pause: PauseState, limit: number, now: number): number {
    this.#ledger.setPause(pause);
    this.#persist('pause state');
    this.#announce(pause, limit);
    return this.#waitOut(pause, now);
  }

  #announce(pause: PauseState, limit: number): void {
    this.#events.emit('quota:paused', {
      reason: pause.reason,
      message: pauseMessage(this.#ledger.usedToday, limit),
      usedToday: this.#ledger.usedToday,
      dailyLimit: limit,
      resumeAt: pause.until,
    });
  }

  // While waiting for the next UTC day, wake every COUNTDOWN_INTERVAL_MS to say how long is left.
  #waitOut(pause: PauseState, now: number): number {
    if (pause.reason !== 'daily_limit') return pause.until;
    if (now - this.#lastCountdownAt >= COUNTDOWN_INTERVAL_MS) {
      this.#lastCountdownAt = now;
      const limit = this.#options.dailyLimit ?? this.#ledger.usedToday;
      this.#events.log('info', countdownMessage(this.#ledger.usedToday, limit, pause.until, now));
    }
    return Math.min(pause.until, this.#lastCountdownAt + COUNTDOWN_INTERVAL_MS);
  }
}
