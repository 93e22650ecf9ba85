import type { Clock } from '../core/clock.js';
import type { ClaimRequest, ClaimResult, QuotaLedger } from './ledger-types.js';
import { LedgerDamagedError } from './ledger-types.js';
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

/** Options of {@link DailyLedger.open}. */
export interface DailyLedgerOpenOptions {
  /**
   * Refuse an unusable file (throw {@link LedgerDamagedError}) instead of moving it aside and
   * starting at 0. Set when a daily limit is in force: a damaged ledger must never reset it.
   * @default false
   */
  refuseDamaged?: boolean;
  /**
   * Lower bound of today's request count from what else is known (the job's outputs), used
   * when the file is missing. @default 0
   */
  knownToday?: number;
}

/**
 * A {@link QuotaLedger} kept in one JSON file (`--state-file`): a per-job ledger, for one
 * process at a time. Counting is synchronous; `persist()` then puts the new state on disk. The
 * count only ever goes up within a day: a restart reads it back, and a file from an earlier
 * UTC day starts the new day at 0.
 */
export class DailyLedger implements QuotaLedger {
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
   * Opens the ledger of `path`. A missing file starts at `knownToday`; a file from an earlier
   * UTC day keeps only its window limits. An unusable file is refused with
   * {@link LedgerDamagedError} when `refuseDamaged`, else moved aside (`<path>.corrupt`) with a
   * warning and the ledger starts empty.
   */
  static async open(
    path: string,
    clock: Clock,
    log: LedgerLog,
    options: DailyLedgerOpenOptions = {},
  ): Promise<DailyLedger> {
    const today = utcDayKey(clock.now());
    const fresh: QuotaState = {
      day: today,
      requestsToday: 0,
      spentUsd: 0,
      thresholdPauseDay: undefined,
      pause: undefined,
      windows: undefined,
    };
    const loaded = await loadQuotaState(path);
    if (loaded.kind === 'missing') {
      const known = options.knownToday ?? 0;
      if (known > 0) log('warn', `Quota state file ${path} is missing; counting ${known} requests already made today`);
      return new DailyLedger(clock, path, { ...fresh, requestsToday: known }, 'new');
    }
    if (loaded.kind === 'unusable') {
      if (options.refuseDamaged === true) {
        throw new LedgerDamagedError(
          `${loaded.message}. It holds today's request count; starting from 0 could exceed --daily-limit, so nothing was sent. ` +
            `Repair or restore the file, or, if you know today's budget is untouched, delete it (or pass another --state-file) to start counting at 0 deliberately.`,
        );
      }
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

  get location(): string {
    return this.#store.path;
  }

  get day(): string {
    return this.#state.day;
  }

  get usedToday(): number {
    return this.#state.requestsToday;
  }

  get spentTodayUsd(): number {
    return this.#state.spentUsd;
  }

  get thresholdPauseDay(): string | undefined {
    return this.#state.thresholdPauseDay;
  }

  get pause(): PauseState | undefined {
    return this.#state.pause;
  }

  get windows(): WindowLimits | undefined {
    return this.#state.windows;
  }

  rollover(now: number): boolean {
    const today = utcDayKey(now);
    if (today <= this.#state.day) return false;
    this.#state = { ...this.#state, day: today, requestsToday: 0, spentUsd: 0 };
    return true;
  }

  /** Counts one request for today without any limit (call {@link rollover} first). Returns the new count. */
  record(): number {
    this.#state = { ...this.#state, requestsToday: this.#state.requestsToday + 1 };
    return this.#state.requestsToday;
  }

  claim(request: ClaimRequest): ClaimResult {
    const { requestsToday, spentUsd } = this.#state;
    if (request.requestLimit !== undefined && requestsToday >= request.requestLimit) {
      return { ok: false, limit: 'requests' };
    }
    if (request.costLimitUsd !== undefined && spentUsd + request.reserveUsd > request.costLimitUsd) {
      return { ok: false, limit: 'cost' };
    }
    this.#state = { ...this.#state, requestsToday: requestsToday + 1, spentUsd: spentUsd + request.reserveUsd };
    return { ok: true, used: requestsToday + 1 };
  }

  unclaim(reservedUsd: number, day: string): void {
    if (day !== this.#state.day) return;
    const { requestsToday, spentUsd } = this.#state;
    this.#state = {
      ...this.#state,
      requestsToday: Math.max(0, requestsToday - 1),
      spentUsd: Math.max(0, spentUsd - reservedUsd),
    };
  }

  addSpend(deltaUsd: number, day: string): void {
    if (day !== this.#state.day) return;
    this.#state = { ...this.#state, spentUsd: Math.max(0, this.#state.spentUsd + deltaUsd) };
  }

  setPause(pause: PauseState | undefined): void {
    this.#state = { ...this.#state, pause };
  }

  markThresholdPause(day: string): void {
    this.#state = { ...this.#state, thresholdPauseDay: day };
  }

  setWindows(limits: WindowLimits): boolean {
    const old = this.#state.windows;
    if (old && old.requestsLimit === limits.requestsLimit && old.tokensLimit === limits.tokensLimit) return false;
    this.#state = { ...this.#state, windows: limits };
    return true;
  }

  persist(): Promise<void> {
    return this.#store.save();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
