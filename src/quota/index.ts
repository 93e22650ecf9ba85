export { backoffCeiling, computeBackoff, DEFAULT_BACKOFF, OVERLOADED_BACKOFF, RATE_LIMIT_BACKOFF } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { budgetPoint, formatWait, pauseMessage, warningSteps } from './budget.js';
export { AimdPace } from './aimd.js';
export type { AimdPaceOptions } from './aimd.js';
export { InFlightLimit } from './auto-concurrency.js';
export type { AnswerSample, InFlightLimitOptions } from './auto-concurrency.js';
export { COUNTDOWN_INTERVAL_MS, DailyBudget } from './daily-budget.js';
export { parseResetDuration } from './duration.js';
export { openQuotaGate, QuotaGate } from './gate.js';
export type { QuotaPermit } from './gate.js';
export {
  inspectRateLimitHeaders,
  parseRateLimitHeaders,
  RATE_LIMIT_HEADERS,
  retryAfterFromHeaders,
} from './headers.js';
export type { HeaderInspection, IgnoredHeader } from './headers.js';
export { DailyLedger } from './ledger.js';
export type { DailyLedgerOpenOptions, LedgerLog, LedgerOrigin } from './ledger.js';
export { LedgerDamagedError, LedgerUnavailableError } from './ledger-types.js';
export type { ClaimRequest, ClaimResult, QuotaLedger } from './ledger-types.js';
export { neverReachedProvider } from './never-sent.js';
export { SpendGuard } from './spend.js';
export type { SpendHold, SpendOptions } from './spend.js';
export { validateQuotaGateOptions } from './options.js';
export type { QuotaGateDeps, QuotaGateOptions } from './options.js';
export { withReachability } from './reachability.js';
export type { ReachabilityOptions } from './reachability.js';
export { RetryPolicy } from './retry-policy.js';
export type { HoldOff, RetryPolicyOptions } from './retry-policy.js';
export { formatQuotaState, loadQuotaState, QuotaStateError, QuotaStateStore, writeFileAtomic } from './state-store.js';
export type { LoadResult, PauseState, QuotaState, WindowLimits } from './state-store.js';
export { nextUtcMidnight, utcDayKey } from './utc-day.js';
export { DEFAULT_OUTPUT_CHARGE, RateWindows } from './windows.js';
export type { RateWindowsOptions, WindowCharge } from './windows.js';
export { allowedRequestsPerMinute, estimateDuration } from './job-duration.js';
export type { DurationEstimate, DurationInput, RateLimits } from './job-duration.js';
