import type { Clock } from '../core/clock.js';
import {
  formatQuotaState,
  loadQuotaState,
  QuotaStateStore,
  type PauseState,
  type QuotaState,
  type WindowLimits,
} from './state-store.js';
import { utcDayKey } from './utc-day.js';

/** How {@link DailyLedger.open} found the state file. */
export type LedgerOrigin = 'new' | 'restored' | 'previous-day' | 'unusable';

/** Receives diagnostics of {@link DailyLedger.open}. */
export type LedgerLog = (level: 'debug' | 'info' | 'warn', message: string) => void;

/**
 * The persisted daily request count, per UTC day, plus the small amount of quota state that must
 * survive a restart (threshold pause fired, pause in force, last window limits).
 *
 * Counting is synchronous (`record`) so a caller can check and reserve in one step with no await
 * in between; `persist()` then puts the new count on disk. The count only ever goes up within a
 * day: a restart reads it back, and a state file from an earlier day starts the new day at 0.
 */
export class DailyLedger {
  readonly #clock: Clock;
  readonly #store: QuotaStateStore;
  #state: QuotaState;
  /** How the state file was found at open. */
  readonly origin: LedgerOrigin;

  private constructor(clock: Clock, path: string, state: QuotaState, origin: LedgerOrigin) {
    this.#clock = clock;
    this.#state = state;
    this.origin = origin;
    this.#store = new QuotaStateStore(path, () => formatQuotaState(this.#state, this.#clock.now()));
  }

  /**
   * Opens the ledger of `path`. A missing file starts empty; a file from an earlier UTC day keeps
   * only its window limits; a corrupt or unreadable file is moved aside (`<path>.corrupt`) with a
   * warning and the ledger starts empty. Never throws for file problems.
   */
  static async open(path: string, clock: Clock, log: LedgerLog): Promise<DailyLedger> {
    const today = utcDayKey(clock.now());
    const fresh: QuotaState = {
      day: today,
      requestsToday: 0,
      thresholdPauseDay: undefined,
      pause: undefined,
      windows: undefined,
    };
    const loaded = await loadQuotaState(path);
    if (loaded.kind === 'missing') return new DailyLedger(clock, path, fresh, 'new');
    if (loaded.kind === 'unusable') {
      const ledger = new DailyLedger(clock, path, fresh, 'unusable');
      const moved = await ledger.#store.quarantine('corrupt');
      const kept = moved === undefined ? '' : ` (kept as ${moved})`;
      log('warn', `${loaded.message}; starting a fresh quota ledger${kept}`);
      return ledger;
    }
    const state = loaded.state;
    if (state.day === today) return new DailyLedger(clock, path, state, 'restored');
    if (state.day > today) {
      // The file is from a later day than the clock says: keep its count rather than lower it.
      log('warn', `Quota state file ${path} is dated ${state.day}, after today (${today}); keeping its count`);
      return new DailyLedger(clock, path, { ...state, day: today }, 'restored');
    }
    log('debug', `Quota state file ${path} is from ${state.day}; starting a new UTC day`);
    return new DailyLedger(clock, path, { ...fresh, windows: state.windows }, 'previous-day');
  }

  /** Path of the state file. */
  get path(): string {
    return this.#store.path;
  }

  /** UTC day the count belongs to. */
  get day(): string {
    return this.#state.day;
  }

  /** Requests counted for {@link day}. */
  get usedToday(): number {
    return this.#state.requestsToday;
  }

  /** Day on which the threshold pause last fired. */
  get thresholdPauseDay(): string | undefined {
    return this.#state.thresholdPauseDay;
  }

  /** The daily pause in force (possibly already expired). */
  get pause(): PauseState | undefined {
    return this.#state.pause;
  }

  /** Window limits last seen (possibly restored from an earlier run). */
  get windows(): WindowLimits | undefined {
    return this.#state.windows;
  }

  /**
   * Starts a new count when `now` falls on a later UTC day. Returns true when it did. An expired
   * pause is cleared by the caller, not here.
   */
  rollover(now: number): boolean {
    const today = utcDayKey(now);
    if (today <= this.#state.day) return false;
    this.#state = { ...this.#state, day: today, requestsToday: 0 };
    return true;
  }

  /** Counts one request for today (call {@link rollover} first). Returns the new count. */
  record(): number {
    this.#state = { ...this.#state, requestsToday: this.#state.requestsToday + 1 };
    return this.#state.requestsToday;
  }

  /** Sets or clears the pause in force. */
  setPause(pause: PauseState | undefined): void {
    this.#state = { ...this.#state, pause };
  }

  /** Remembers that the threshold pause fired on `day`. */
  markThresholdPause(day: string): void {
    this.#state = { ...this.#state, thresholdPauseDay: day };
  }

  /** Stores the latest window limits. Returns true when they changed. */
  setWindows(limits: WindowLimits): boolean {
    const old = this.#state.windows;
    if (old && old.requestsLimit === limits.requestsLimit && old.tokensLimit === limits.tokensLimit) return false;
    this.#state = { ...this.#state, windows: limits };
    return true;
  }

  /** Writes the current state; resolves when a write that includes every change so far is on disk. */
  persist(): Promise<void> {
    return this.#store.save();
  }
}
