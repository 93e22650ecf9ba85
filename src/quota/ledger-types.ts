import { AuthStopError, ConfigError } from '../core/errors.js';
import type { PauseState, WindowLimits } from './state-store.js';

/** What one admission asks the ledger for: one request and `reserveUsd` dollars, within limits. */
export interface ClaimRequest {
  /** Requests allowed today; undefined = no daily request limit. */
  requestLimit: number | undefined;
  /** Dollars to reserve for the request (its worst case); 0 when it is not priced. */
  reserveUsd: number;
  /** Dollars allowed today; undefined = no daily cost limit. */
  costLimitUsd: number | undefined;
}

/** Answer of {@link QuotaLedger.claim}: the new count, or which daily limit has no room. */
export type ClaimResult = { ok: true; used: number } | { ok: false; limit: 'requests' | 'cost' };

/**
 * The persisted daily quota state the gate counts against (docs/ledger.md): today's requests and
 * spend, the threshold pause, the pause in force, and the provider window limits last seen.
 *
 * Everything is synchronous so the gate can check and reserve in one step with nothing in
 * between. `claim` is atomic against every other user of the same ledger (other processes
 * included): it never lets the count pass `requestLimit` nor the spend pass `costLimitUsd`.
 * `persist()` resolves when every change so far is durable.
 */
export interface QuotaLedger {
  /** Where the ledger lives, for messages (a file path, or a redacted database URL). */
  readonly location: string;
  /** UTC day (`YYYY-MM-DD`) the counts belong to. */
  readonly day: string;
  /** Requests counted for {@link day}. */
  readonly usedToday: number;
  /** Dollars spent or reserved on {@link day}. */
  readonly spentTodayUsd: number;
  /** Day on which the threshold pause last fired. */
  readonly thresholdPauseDay: string | undefined;
  /** The daily pause in force (possibly already expired). */
  readonly pause: PauseState | undefined;
  /** Window limits last seen. */
  readonly windows: WindowLimits | undefined;
  /** Starts new counts when `now` falls on a later UTC day. Returns true when it did. */
  rollover(now: number): boolean;
  /** Counts one request, reserving `request.reserveUsd`, if both daily limits leave room. */
  claim(request: ClaimRequest): ClaimResult;
  /**
   * Takes back one request claimed on `day` that provably never reached the provider, with its
   * reservation. Nothing happens when `day` is over.
   */
  unclaim(reservedUsd: number, day: string): void;
  /** Adds `deltaUsd` to the spend of `day` (negative when a reservation settles lower); ignored when `day` is over. */
  addSpend(deltaUsd: number, day: string): void;
  /** Sets or clears the pause in force. */
  setPause(pause: PauseState | undefined): void;
  /** Remembers that the threshold pause fired on `day`. */
  markThresholdPause(day: string): void;
  /** Stores the latest window limits. Returns true when they changed. */
  setWindows(limits: WindowLimits): boolean;
  /**
   * Processes that use this ledger's scope now, this one included (seen within the last
   * minute), so each paces at its part of the provider's windows. Absent when the ledger is not
   * shared between processes that run at once. Cheap to call often: it asks at most every 5 s.
   */
  peers?(now: number): number;
  /** Resolves once every change so far is durable. */
  persist(): Promise<void>;
  /** Releases the ledger's resources (after a last {@link persist}). */
  close(): Promise<void>;
}

/**
 * The ledger is damaged (unreadable, foreign, or not a ledger at all) while a daily limit is
 * set: starting from 0 could exceed the budget, so the run refuses to start. Exit 3.
 */
export class LedgerDamagedError extends ConfigError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'code', { value: 'E_LEDGER_DAMAGED' });
  }
}

/**
 * The shared ledger's database (`--ledger-url`) cannot be reached or answered with an error:
 * without it no request can be counted, so the run stops sending (exit 3, resumable), like an
 * API that rejects the credentials.
 */
export class LedgerUnavailableError extends AuthStopError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'code', { value: 'E_LEDGER_UNAVAILABLE' });
  }
}
