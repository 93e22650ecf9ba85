import type { Clock } from '../core/clock.js';
import { AuthStopError, ShutdownError, type ProviderError, type QuotaStopError } from '../core/errors.js';
import type { RunEmitter } from '../core/events.js';
import type { ResponseHeaders } from '../core/types.js';
import type { AttemptDecision, AttemptInfo, DispatchGate, GateOutcome, GateSnapshot, Permit } from '../core/gate.js';
import { InFlightLimit } from './auto-concurrency.js';
import { DailyBudget } from './daily-budget.js';
import { inspectRateLimitHeaders } from './headers.js';
import { initialBurst } from './initial-burst.js';
import { DailyLedger } from './ledger.js';
import type { ClaimResult, QuotaLedger } from './ledger-types.js';
import { neverReachedProvider } from './never-sent.js';
import { SpendGuard, type SpendHold } from './spend.js';
import {
  resolveQuotaGateOptions,
  validateQuotaGateOptions,
  type QuotaGateDeps,
  type QuotaGateOptions,
  type ResolvedQuotaGateOptions,
} from './options.js';
import { RetryPolicy } from './retry-policy.js';
import { utcDayKey } from './utc-day.js';
import { RateWindows, type WindowCharge } from './windows.js';
import { WaitQueue, type Verdict, type Waiter } from './wait-queue.js';

/** A permit of the {@link QuotaGate}. */
export interface QuotaPermit extends Permit {
  /** Clock time (epoch ms) at which the request was admitted and counted. */
  readonly admittedAt: number;
}

// 429 hold-offs at least this long are reported as a `rate_limit` pause; shorter ones would
// only add noise next to the per-request retry events.
const RATE_LIMIT_PAUSE_EVENT_MS = 5000;
const MAX_LOGGED_IGNORED_HEADERS = 50;
const DEFAULT_ATTEMPT: AttemptInfo = { attempt: 1, maxRetries: 5 };
const DONE: AttemptDecision = { action: 'done' };

interface PermitState {
  charge: WindowCharge;
  admittedAt: number;
  /** The decision of the first settle (or `done` once cancelled); later calls return it. */
  decision: AttemptDecision | undefined;
  hold: SpendHold;
}

/**
 * The scheduler's gate (docs/architecture.md#quota-and-pacing): daily budget with threshold
 * pause and hard limit, provider window pacing, a shared 429 hold-off, and the retry policy. One instance serves every worker.
 *
 * Waiting callers queue in FIFO order; a single pump admits the head whenever nothing blocks it.
 * Checking the budget and counting the request happen in one synchronous step, so no request can
 * slip in between; every wait happens before that step and everything is checked again after it.
 * The count is on disk before `acquire` resolves.
 */
export class QuotaGate implements DispatchGate {
  readonly #options: ResolvedQuotaGateOptions;
  readonly #clock: Clock;
  readonly #events: RunEmitter;
  readonly #ledger: QuotaLedger;
  readonly #budget: DailyBudget;
  readonly #spend: SpendGuard;
  // The claim made by the last admission check, consumed by the admission that follows it.
  #claimed: { used: number; hold: SpendHold } | undefined;
  readonly #windows: RateWindows;
  readonly #policy: RetryPolicy;
  readonly #queue: WaitQueue<QuotaPermit>;
  readonly #handled = new WeakSet<ProviderError>();
  readonly #loggedHeaders = new Set<string>();
  #stopError: QuotaStopError | AuthStopError | undefined;
  #closing: Promise<void> | undefined;
  #inFlight = 0;
  readonly #concurrency: InFlightLimit;
  #holdOffUntil = Number.NEGATIVE_INFINITY;
  #rateLimitPauseSince: number | undefined;
  #consecutiveRateLimits = 0;
  #persistWarned = false;

  /** Use {@link openQuotaGate}. */
  constructor(options: ResolvedQuotaGateOptions, deps: QuotaGateDeps, ledger: QuotaLedger) {
    this.#options = options;
    this.#spend = new SpendGuard(
      options.spend ?? {
        reserveUsd: () => 0,
        actualUsd: () => undefined,
        maxCostUsd: undefined,
        dailyCostLimitUsd: undefined,
      },
    );
    this.#clock = deps.clock;
    this.#events = deps.events;
    this.#ledger = ledger;
    this.#policy = new RetryPolicy(deps.random ? { random: deps.random } : {});
    this.#windows = new RateWindows({ share: options.rateShare ?? 1, maxOutputTokens: options.maxOutputTokens });
    const restored = ledger.windows;
    if (restored && options.monitoring) this.#windows.restore(restored);
    // Until the first answer shows the limits, a small burst; remembered limits pace at once.
    this.#concurrency = new InFlightLimit({
      mode: options.maxWorkers,
      maxInFlight: options.maxInFlight,
      ...(options.maxWorkers === 'auto' ? { initialBurst: initialBurst(options.maxOutputTokens) } : {}),
    });
    this.#budget = new DailyBudget(options, ledger, deps.events, (reason) => this.#persistQuietly(reason));
    this.#queue = new WaitQueue<QuotaPermit>(
      deps.clock,
      (now) => this.#blockedUntil(now),
      (waiter, now) => this.#admit(waiter, now),
    );
  }

  /** Called once by {@link openQuotaGate} after construction. */
  start(): void {
    const now = this.#clock.now();
    if (this.#options.monitoring) this.#budget.restore(now);
    this.#events.emit('quota:init', {
      dailyLimit: this.#options.dailyLimit,
      threshold: this.#options.threshold,
      monitoring: this.#options.monitoring,
      usedToday: this.#ledger.day === utcDayKey(now) ? this.#ledger.usedToday : 0,
    });
    if (!this.#options.monitoring && this.#options.dailyLimit !== undefined) {
      this.#events.log(
        'warn',
        `Quota monitoring is off: the daily limit of ${this.#options.dailyLimit} requests is NOT enforced (requests are still counted in the state file). Remove --no-quota-monitoring / QUOTA_MONITORING=false to enforce it.`,
      );
    }
  }

  acquire(signal: AbortSignal): Promise<QuotaPermit> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.#stopError) return Promise.reject(this.#stopError);
    if (this.#closing) return Promise.reject(new ShutdownError('The quota gate is closed'));
    return this.#queue.enqueue(signal);
  }

  #blockedUntil(now: number): Verdict {
    if (this.#stopError) return { reject: this.#stopError };
    // First the cheapest check: with the in-flight limit reached nothing is admitted anyway, and
    // the next answer pumps the queue again (the budget checks below read the ledger).
    if (this.#inFlight >= this.inFlightLimit) return Number.POSITIVE_INFINITY;
    if (this.#options.monitoring) {
      const daily = this.#budget.check(now);
      if (daily === 'stop') {
        this.#stopError ??= this.#budget.stopError(now);
        return { reject: this.#stopError };
      }
      if (daily !== undefined) return daily;
    } else {
      this.#ledger.rollover(now);
    }
    if (this.#holdOffUntil > now) return this.#holdOffUntil;
    if (this.#rateLimitPauseSince !== undefined) {
      this.#events.emit('quota:resumed', {
        pausedMs: now - this.#rateLimitPauseSince,
        reason: 'Rate limit hold-off ended',
      });
      this.#rateLimitPauseSince = undefined;
    }
    if (this.#options.monitoring) {
      const peers = this.#ledger.peers?.(now);
      if (peers !== undefined) this.#windows.setPeers(peers);
      const next = this.#windows.nextAdmissionAt(now);
      if (next > now) return next;
    }
    return this.#claim(now);
  }
  // The last step of every admission check: reserve the request and its worst-case cost in the
  // ledger, atomically against every other process on the same key (docs/ledger.md).
  #claim(now: number, again = true): Verdict {
    const reserve = this.#spend.nextReserve();
    const job = this.#spend.checkJob(reserve);
    if (job === 'wait') return Number.POSITIVE_INFINITY;
    if (job === 'stop') {
      this.#stopError ??= this.#spend.jobStopError(reserve);
      return { reject: this.#stopError };
    }
    const enforce = this.#options.monitoring;
    let result: ClaimResult;
    try {
      result = this.#ledger.claim({
        requestLimit: enforce ? this.#options.dailyLimit : undefined,
        reserveUsd: reserve,
        costLimitUsd: this.#spend.dailyCostLimitUsd,
      });
    } catch (error) {
      // A shared ledger that cannot be reached counts nothing: stop sending (docs/ledger.md#postgresql).
      if (!(error instanceof AuthStopError)) throw error;
      this.#stopError ??= error;
      return { reject: this.#stopError };
    }
    if (result.ok) {
      this.#claimed = { used: result.used, hold: this.#spend.hold(reserve, this.#ledger.day) };
      return undefined;
    }
    if (result.limit === 'cost') {
      if (this.#spend.dailyFull() === 'wait') return Number.POSITIVE_INFINITY;
      this.#stopError ??= this.#spend.dailyStopError(this.#ledger, reserve, now);
      return { reject: this.#stopError };
    }
    // Another process took the last request of the day since the budget check: check again,
    // which now pauses or stops at the hard limit.
    return again ? this.#blockedUntilAfterClaim(now) : now + 10;
  }

  #blockedUntilAfterClaim(now: number): Verdict {
    const daily = this.#budget.check(now);
    if (daily === 'stop') {
      this.#stopError ??= this.#budget.stopError(now);
      return { reject: this.#stopError };
    }
    if (daily !== undefined) return daily;
    return this.#claim(now, false);
  }

  /**
   * Requests allowed in flight now: the allowed rate × observed latency in `auto` mode, the cap
   * while spare room in the provider's bucket is being spent (docs/pacing.md#concurrency).
   */
  get inFlightLimit(): number {
    if (!this.#options.monitoring) return this.#concurrency.limit(undefined);
    if (this.#windows.credit > 0) return this.#concurrency.cap;
    return this.#concurrency.limit(this.#windows.known ? this.#windows.allowedRatePerMs() : undefined);
  }

  #admit(waiter: Waiter<QuotaPermit>, now: number): void {
    const claimed = this.#claimed ?? { used: this.#ledger.usedToday, hold: this.#spend.hold(0, this.#ledger.day) };
    this.#claimed = undefined;
    const used = claimed.used;
    const state: PermitState = {
      charge: this.#options.monitoring
        ? this.#windows.admit(now)
        : { tokens: 0, seq: 0, credited: false, paced: false },
      admittedAt: now,
      decision: undefined,
      hold: claimed.hold,
    };
    this.#inFlight++;
    const permit: QuotaPermit = {
      admittedAt: now,
      settle: (outcome, attempt) => this.#settle(state, outcome, attempt ?? DEFAULT_ATTEMPT),
      cancel: () => this.#cancel(state),
    };
    if (this.#options.monitoring) this.#budget.counted(used);
    // The caller gave up before it got the permit: the request was never sent.
    const release = (): void => this.#cancel(state);
    this.#ledger.persist().then(
      () => waiter.resolve(permit, release),
      (error: unknown) => {
        // Without a daily budget to protect, a state file that cannot be written is not worth
        // stopping the run for; with one, sending unrecorded requests could exceed it.
        if (this.#options.monitoring && this.#options.dailyLimit !== undefined) {
          waiter.reject(error, release);
          return;
        }
        this.#warnPersist(error);
        waiter.resolve(permit, release);
      },
    );
  }

  // The one gate call per sent request (docs/architecture.md#the-runner-gate-protocol): books
  // what the answer says, then decides what happens to the artist.
  #settle(state: PermitState, outcome: GateOutcome, attempt: AttemptInfo): AttemptDecision {
    if (state.decision) return state.decision;
    state.decision = DONE;
    this.#inFlight--;
    const now = this.#clock.now();
    const error = 'error' in outcome ? outcome.error : undefined;
    if (this.#options.monitoring) {
      const headers = outcome.ok ? outcome.headers : error?.headers;
      if (headers) this.#observe(headers, now, outcome.ok, state.charge.seq);
      this.#windows.settle(state.charge, outcome.ok ? outcome.usage : undefined);
    }
    this.#settleSpend(state.hold, outcome);
    if (outcome.ok) {
      this.#consecutiveRateLimits = 0;
      if (this.#options.monitoring) this.#windows.succeeded();
    }
    this.#answered(outcome, now, now - state.admittedAt, state.charge);
    this.#queue.pump();
    if (error) state.decision = this.#decide(error, attempt);
    return state.decision;
  }

  // A request that was never sent leaves no trace: its count, reservation and window room go back.
  #cancel(state: PermitState): void {
    if (state.decision) return;
    state.decision = DONE;
    this.#inFlight--;
    if (this.#options.monitoring) this.#windows.cancel(state.charge);
    this.#giveBack(state.hold);
    this.#queue.pump();
  }

  #giveBack(hold: SpendHold): void {
    this.#spend.release(hold);
    this.#ledger.unclaim(hold.reservedUsd, hold.day);
    this.#persistQuietly('request count');
  }

  // A request that provably never reached the provider gives its count and reservation back; an
  // HTTP error answer costs nothing; anything else unknown (an abort included) stays counted at
  // its worst case.
  #settleSpend(hold: SpendHold, outcome: GateOutcome): void {
    if ('error' in outcome && neverReachedProvider(outcome.error)) {
      this.#giveBack(hold);
      return;
    }
    let billed = hold.reservedUsd;
    if (outcome.ok) billed = this.#spend.actual(outcome.usage) ?? hold.reservedUsd;
    else if ('error' in outcome && outcome.error.status !== undefined && outcome.error.status >= 400) billed = 0;
    this.#spend.settle(hold, this.#ledger, billed);
    if (billed !== hold.reservedUsd) this.#persistQuietly('spend');
  }

  #observe(headers: ResponseHeaders, now: number, success: boolean, seq: number): void {
    const { status, ignored, known } = inspectRateLimitHeaders(headers);
    for (const { name, value } of ignored) {
      const key = `${name}=${value}`;
      if (this.#loggedHeaders.has(key) || this.#loggedHeaders.size >= MAX_LOGGED_IGNORED_HEADERS) continue;
      this.#loggedHeaders.add(key);
      this.#events.log('debug', `Ignoring rate-limit header ${name}: ${JSON.stringify(value)} is not a usable value`);
    }
    if (!known) {
      // Only a success proves the absence: real 429s often lack these headers.
      if (success && this.#windows.forgetRestored()) {
        this.#events.log(
          'info',
          'The provider sent no rate-limit headers: provider limits remembered from an earlier run are no longer used for pacing',
        );
      }
      return;
    }
    this.#events.emit('quota:status', status);
    const holdBefore = this.#windows.holdUntil;
    this.#windows.observe(status, now, seq);
    const hold = this.#windows.holdUntil;
    if (hold > now && hold > holdBefore) {
      this.#events.log(
        'debug',
        `Provider window nearly used up (${status.requestsRemaining ?? '?'} requests, ` +
          `${status.tokensRemaining ?? '?'} tokens remaining); holding off ${((hold - now) / 1000).toFixed(1)}s`,
      );
    }
    const limits = this.#windows.limits(now);
    if (limits && this.#ledger.setWindows(limits)) this.#persistQuietly('window limits');
  }

  // Answers feed the latency behind the in-flight limit; 429s come back at once and would skew
  // it, and an abort is no answer at all.
  #answered(outcome: GateOutcome, now: number, latencyMs: number, charge: WindowCharge): void {
    // Settled permits have left #inFlight already; count this one back in.
    const sample = { latencyMs, now, inFlight: this.#inFlight + 1 };
    if (outcome.ok) {
      this.#concurrency.answered({ ...sample, ok: true });
      return;
    }
    if (!('error' in outcome)) return;
    const { kind } = outcome.error;
    if (kind !== 'rate_limit' && kind !== 'slow_down') this.#concurrency.answered({ ...sample, ok: false });
    this.#applyFailure(outcome.error, now, charge);
  }

  // `charge` is the answered request's own: only a 429 to a paced request lowers the pace
  // (docs/pacing.md#running-at-the-edge).
  #applyFailure(error: ProviderError, now: number, charge: WindowCharge): void {
    if (this.#handled.has(error)) return;
    this.#handled.add(error);
    const stop = this.#policy.stopErrorFor(error);
    if (stop) {
      this.#stopError ??= stop;
      this.#queue.pump();
      return;
    }
    if (error.kind !== 'rate_limit' && error.kind !== 'slow_down') return;
    this.#consecutiveRateLimits++;
    // Settled permits have left #inFlight already; count this one back in.
    if (!this.#options.monitoring || !this.#windows.known) {
      this.#concurrency.rateLimited(this.#inFlight + 1, this.#holdOffUntil > now);
    }
    if (this.#options.monitoring && this.#windows.rateLimited(now, error.kind === 'rate_limit', charge)) {
      this.#events.log(
        'debug',
        `Rate limited although paced: the pace drops to ${Math.round(this.#windows.paceFactor * 100)} % of the stated limit for a while`,
      );
    }
    const hold = this.#policy.holdOffFor(error, this.#consecutiveRateLimits, now);
    if (error.kind === 'slow_down' && this.#options.monitoring) this.#windows.slowDown(now);
    if (!hold) return;
    const until = now + hold.ms;
    if (until <= this.#holdOffUntil) return;
    this.#holdOffUntil = until;
    if (hold.ms >= RATE_LIMIT_PAUSE_EVENT_MS && this.#rateLimitPauseSince === undefined) {
      this.#rateLimitPauseSince = now;
      this.#events.emit('quota:paused', {
        reason: 'rate_limit',
        message: `Rate limit hit (${error.apiCode ?? error.kind}): every worker holds off ${(hold.ms / 1000).toFixed(1)}s`,
        usedToday: this.#ledger.usedToday,
        dailyLimit: this.#options.dailyLimit,
        resumeAt: until,
      });
    }
  }

  // The failure is already applied to the shared state (#answered): this only reads it.
  #decide(error: ProviderError, { attempt, maxRetries }: AttemptInfo): AttemptDecision {
    const now = this.#clock.now();
    const decision = this.#policy.decide(error, attempt, maxRetries, this.#holdOffUntil - now);
    if (decision.action === 'stop' && this.#stopError) return { action: 'stop', error: this.#stopError };
    return decision;
  }

  snapshot(): GateSnapshot {
    const now = this.#clock.now();
    const pauses = [this.#ledger.pause?.until, this.#holdOffUntil, this.#windows.holdUntil].filter(
      (t): t is number => t !== undefined && t > now,
    );
    const remaining = this.#windows.remaining;
    return {
      usedToday: this.#ledger.day === utcDayKey(now) ? this.#ledger.usedToday : 0,
      dailyLimit: this.#options.dailyLimit,
      pausedUntil: pauses.length > 0 ? Math.max(...pauses) : undefined,
      requestsRemaining: remaining.requests,
      tokensRemaining: remaining.tokens,
    };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#queue.close(new ShutdownError('The quota gate was closed'));
      this.#budget.close();
      try {
        await this.#ledger.persist();
      } catch (error) {
        this.#warnPersist(error);
      }
      await this.#ledger.close();
    })();
    return this.#closing;
  }

  #persistQuietly(what: string): void {
    this.#ledger.persist().catch((error: unknown) => this.#warnPersist(error, what));
  }

  #warnPersist(error: unknown, what = 'request count'): void {
    if (this.#persistWarned) return;
    this.#persistWarned = true;
    const detail = error instanceof Error ? error.message : String(error);
    // The detail names the file that failed: with a key ledger that is only the job's JSON copy,
    // the ledger itself has the count already (docs/ledger.md).
    this.#events.log('warn', `Could not save the ${what}: ${detail}`);
  }
}

/**
 * Opens the gate: reads (or creates) the state file at `options.statePath`, restores today's
 * count, pause and window limits, and emits `quota:init`.
 *
 * @throws TypeError when an option is out of range
 */
export async function openQuotaGate(given: QuotaGateOptions, deps: QuotaGateDeps): Promise<QuotaGate> {
  const options = resolveQuotaGateOptions(given);
  validateQuotaGateOptions(options);
  const ledger =
    deps.ledger ??
    (await DailyLedger.open(options.statePath, deps.clock, (level, message) => deps.events.log(level, message), {
      refuseDamaged: options.dailyLimit !== undefined || options.spend?.dailyCostLimitUsd !== undefined,
    }));
  const gate = new QuotaGate(options, deps, ledger);
  gate.start();
  return gate;
}
