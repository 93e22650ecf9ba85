import type { AuthStopError, ProviderError, QuotaStopError } from './errors.js';
import type { TokenUsage } from './types.js';

/** What happened to a request admitted by the gate. */
export type GateOutcome = { ok: true; headers: Headers; usage: TokenUsage } | { ok: false; error: ProviderError };

/** Admission of one HTTP request. `settle` must be called exactly once. */
export interface Permit {
  /** Reports the outcome so the gate can update windows, hold-offs and token estimates. */
  settle(outcome: GateOutcome): void;
}

/** What the runner does after a failed attempt. */
export type RetryDecision =
  /**
   * Try again after `delayMs` (0 when the gate itself holds every worker off). With
   * `raiseOutputCap`, the retry goes out with a larger output cap (once per artist).
   */
  | { action: 'retry'; delayMs: number; raiseOutputCap?: boolean }
  /** Give up on this artist (it goes to the errors file). */
  | { action: 'fail' }
  /** Stop the whole run (no more requests), finishing what is in flight. */
  | { action: 'stop'; error: QuotaStopError | AuthStopError };

/**
 * The scheduler's gate (docs/architecture.md#quota-and-pacing): daily budget, threshold pause,
 * provider windows, shared 429 hold-off. The runner asks it before every HTTP request, retries included.
 */
export interface DispatchGate {
  /**
   * Waits until one more request may be sent and reserves it (the daily count is persisted
   * before this resolves). Rejects with `QuotaStopError` / `AuthStopError` when the run must
   * stop, or with the signal's reason when `signal` aborts.
   */
  acquire(signal: AbortSignal): Promise<Permit>;
  /**
   * Decides what to do after attempt number `attempt` (1-based) failed with `error`.
   * @param maxRetries retries allowed per artist after the first attempt
   */
  decide(error: ProviderError, attempt: number, maxRetries: number): RetryDecision;
  /** Current state for progress displays. */
  snapshot(): GateSnapshot;
  /** Persists state and cancels timers. */
  close(): Promise<void>;
}

/** Gate state for the progress bar and metrics. */
export interface GateSnapshot {
  usedToday: number;
  dailyLimit: number | undefined;
  /** Epoch ms until which dispatching is paused, or undefined when running. */
  pausedUntil: number | undefined;
  requestsRemaining: number | undefined;
  tokensRemaining: number | undefined;
}
