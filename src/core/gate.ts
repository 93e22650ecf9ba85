import type { AuthStopError, ProviderError, QuotaStopError } from './errors.js';
import type { ResponseHeaders, TokenUsage } from './types.js';

/**
 * What happened to a request that was sent (docs/architecture.md#the-runner-gate-protocol):
 * an answer, a failure the provider client classified, or an abort by shutdown before any
 * answer came (the provider may have received it, so it stays counted).
 */
export type GateOutcome =
  | { ok: true; headers: ResponseHeaders; usage: TokenUsage }
  | { ok: false; error: ProviderError }
  | { ok: false; aborted: true };

/** Which attempt of an artist a failure ended, so the gate can decide whether to retry it. */
export interface AttemptInfo {
  /** Attempt number of this artist, 1-based. */
  attempt: number;
  /** Retries allowed per artist after the first attempt. */
  maxRetries: number;
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
 * What the runner does after settling an attempt: `done` after an answer or an abort (nothing
 * more for this attempt), else the {@link RetryDecision} for the failure.
 */
export type AttemptDecision = { action: 'done' } | RetryDecision;

/**
 * Admission of one HTTP request. Exactly one of `settle` (the request was sent) or `cancel`
 * (it never was) must be called; later calls are ignored (`settle` returns its first decision).
 */
export interface Permit {
  /**
   * Reports what happened to the sent request, so the gate can update its windows, hold-offs,
   * spend and token estimates, and returns what to do next: `done` for an answer or an abort,
   * retry / fail / stop for a failure.
   * @param attempt which attempt failed @default `{ attempt: 1, maxRetries: 5 }`
   */
  settle(outcome: GateOutcome, attempt?: AttemptInfo): AttemptDecision;
  /**
   * The request was never sent: its daily count, dollar reservation and window room are given
   * back, and it leaves no trace in latency or failure figures.
   */
  cancel(): void;
}

/**
 * The scheduler's gate (docs/architecture.md#quota-and-pacing): daily budget, threshold pause,
 * provider windows, shared 429 hold-off. The runner asks it before every HTTP request, retries
 * included, and settles or cancels each permit it gets (docs/architecture.md#the-runner-gate-protocol).
 */
export interface DispatchGate {
  /**
   * Waits until one more request may be sent and reserves it (the daily count is persisted
   * before this resolves). Rejects with `QuotaStopError` / `AuthStopError` when the run must
   * stop, or with the signal's reason when `signal` aborts.
   */
  acquire(signal: AbortSignal): Promise<Permit>;
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
