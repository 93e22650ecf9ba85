import type { WindowStatus } from '../core/events.js';
import type { TokenUsage } from '../core/types.js';
import { AimdPace } from './aimd.js';
import type { WindowLimits } from './state-store.js';

/** Options of {@link RateWindows}. */
export interface RateWindowsOptions {
  /** Share of each window the run may use, above 0 and at most 1 (`--rate-share`). */
  share: number;
  /** Output cap of each request, for token estimates; undefined = use the observed average. */
  maxOutputTokens: number | undefined;
  /** Length of the provider's windows in ms (OpenAI: per minute). @default 60000 */
  windowMs?: number;
  /** Longest hold-off derived from one response's headers, in ms. @default 65000 */
  maxHoldMs?: number;
  /** Added to reset-based hold-offs so the window has really refilled. @default 50 */
  resetMarginMs?: number;
  /** How long a `slow_down` 429 halves the pace, in ms. @default 60000 */
  slowDownMs?: number;
}

/** What admitting one request charged, to be settled later. */
export interface WindowCharge {
  /** Tokens charged to the token pacing at admission (0 when tokens were not paced). */
  tokens: number;
  /** Number of this admission in the run (1, 2, …), to tell which admissions an answer has seen. */
  seq: number;
  /** Sent on the bucket's spare room rather than on the paced schedule. */
  credited: boolean;
  /**
   * Sent on the paced schedule of a known limit: neither before any limit was known (the initial
   * burst) nor on spare room. Only a 429 to such a request says the pace itself is too fast.
   */
  paced: boolean;
  /** How far admission moved the request schedule, in ms (0 when requests were not paced). @default 0 */
  requestMs?: number;
}

/**
 * Output tokens a provider charges up front when a request sets no output cap. OpenAI reserves
 * the cap (or a default) plus an input estimate when it admits a request, and refunds the rest
 * when it answers; pacing mirrors that so the token window is kept by pacing, not by 429s.
 */
export const DEFAULT_OUTPUT_CHARGE = 1024;

// Room left unused in the provider's bucket when spending its spare room. Every request in flight
// already counts as unseen by an answer, so this only covers rounding and other clients on the key.
const SPARE_MARGIN_SHARE = 0.01;
const SPARE_MARGIN_MIN = 2;

// A pacing timer that fires late may catch up this many slots at most, and at most a quarter of
// the provider's bucket: the bucket refilled while the timer was late, so the catch-up fits it.
const MAX_CATCH_UP_SLOTS = 4;
const CATCH_UP_BUCKET_SHARE = 0.25;

const MAX_SLOW_FACTOR = 8;
const RECENT_ADMISSIONS = 20;

/**
 * Tracks the provider's request and token windows from `x-ratelimit-*` headers and paces
 * admissions so each window's usage stays at or below the run's share of it.
 *
 * Pacing spends a window's allowance evenly: admissions are spaced `windowMs / (share ×
 * limit)` apart (a virtual-schedule limiter with no burst), because OpenAI may enforce a
 * per-minute limit over sub-minute slices. Tokens are paced the same way, charging each request's
 * estimate at admission and correcting it with the real usage when the response arrives. When a
 * response shows `remaining` below the headroom the run must leave unused (`(1 − share)` of
 * the bucket, e.g. because another client uses the same key), admissions hold off until that
 * window's reset, capped at `maxHoldMs`.
 *
 * Nothing is paced while no limit is known, so missing or odd headers never slow a run down.
 */
export class RateWindows {
  readonly #share: number;
  // Processes of the same key pacing against these windows (a shared ledger, docs/ledger.md#postgresql).
  #peers = 1;
  readonly #maxOutputTokens: number | undefined;
  readonly #windowMs: number;
  readonly #maxHoldMs: number;
  readonly #resetMarginMs: number;
  readonly #slowDownMs: number;

  #requestsLimit: number | undefined;
  #tokensLimit: number | undefined;
  #requestsRemaining: number | undefined;
  #tokensRemaining: number | undefined;
  // Bucket sizes the last answer revealed (`remaining` + what refills until its reset).
  #requestsCapacity: number | undefined;
  #tokensCapacity: number | undefined;
  #nextRequestAt = Number.NEGATIVE_INFINITY;
  #nextTokenAt = Number.NEGATIVE_INFINITY;
  #holdUntil = Number.NEGATIVE_INFINITY;
  #slowFactor = 1;
  #slowUntil = Number.NEGATIVE_INFINITY;
  #restoredOnly = false;
  #slowBaseMs: number | undefined;
  readonly #recent: number[] = [];
  readonly #pace = new AimdPace();
  #admissions = 0;
  #credit = 0;
  // Tokens charged to paced requests still in flight: the provider holds them until it answers.
  #tokensInFlight = 0;
  // Requests admitted and not yet answered (or cancelled): any of them may still be on its way.
  #requestsInFlight = 0;
  #noCatchUp = false;
  #inputTotal = 0;
  #outputTotal = 0;
  #samples = 0;

  constructor(options: RateWindowsOptions) {
    this.#share = options.share;
    this.#maxOutputTokens = options.maxOutputTokens;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxHoldMs = options.maxHoldMs ?? 65_000;
    this.#resetMarginMs = options.resetMarginMs ?? 50;
    this.#slowDownMs = options.slowDownMs ?? 60_000;
  }

  /**
   * Sets how many processes share the key's windows, this one included: each paces at its
   * `1/peers` part of the run's share and spends only that part of any spare room; the headroom
   * left to other clients of the key stays `(1 − share)`.
   */
  setPeers(peers: number): void {
    this.#peers = Math.max(1, Math.floor(peers));
  }

  /** The share of the windows this process paces at: the run's share split between its peers. */
  get #paceShare(): number {
    return this.#share / this.#peers;
  }

  /** True once a request or token limit is known. */
  get known(): boolean {
    return this.#requestsLimit !== undefined || this.#tokensLimit !== undefined;
  }

  /** The limits to persist, or undefined when none is known. */
  limits(observedAt: number): WindowLimits | undefined {
    if (!this.known) return undefined;
    return { requestsLimit: this.#requestsLimit, tokensLimit: this.#tokensLimit, observedAt };
  }

  /** Remaining counts from the last response that carried them. */
  get remaining(): { requests: number | undefined; tokens: number | undefined } {
    return { requests: this.#requestsRemaining, tokens: this.#tokensRemaining };
  }

  /** Epoch ms until which a low `remaining` holds admissions off (may be in the past). */
  get holdUntil(): number {
    return this.#holdUntil;
  }

  /** Adopts limits remembered from an earlier run, so pacing starts right away. */
  restore(limits: WindowLimits): void {
    this.#requestsLimit = positive(limits.requestsLimit);
    this.#tokensLimit = positive(limits.tokensLimit);
    this.#restoredOnly = this.known;
  }

  /**
   * Drops limits that were only remembered from an earlier run (none of this run's answers
   * confirmed them). Called when an answer carries no rate-limit headers at all: the server or
   * its limits changed, and stale limits must not slow the run down. Returns true when dropped.
   */
  forgetRestored(): boolean {
    if (!this.#restoredOnly) return false;
    this.#requestsLimit = undefined;
    this.#tokensLimit = undefined;
    this.#restoredOnly = false;
    return true;
  }

  /**
   * Feeds one response's parsed headers. Zero, negative and unknown limits are ignored.
   *
   * @param seq `WindowCharge.seq` of the request answered, when known: admissions after it are
   *   not yet in its `remaining` counts
   */
  observe(status: WindowStatus, now: number, seq?: number): void {
    this.#restoredOnly = false;
    this.#requestsLimit = positive(status.requestsLimit) ?? this.#requestsLimit;
    this.#tokensLimit = positive(status.tokensLimit) ?? this.#tokensLimit;
    if (status.requestsRemaining !== undefined) this.#requestsRemaining = status.requestsRemaining;
    if (status.tokensRemaining !== undefined) this.#tokensRemaining = status.tokensRemaining;
    this.#requestsCapacity =
      this.#capacity(this.#requestsLimit, status.requestsRemaining, status.requestsResetMs) ?? this.#requestsCapacity;
    this.#tokensCapacity =
      this.#capacity(this.#tokensLimit, status.tokensRemaining, status.tokensResetMs) ?? this.#tokensCapacity;
    this.#holdIfLow(this.#requestsLimit, status.requestsRemaining, status.requestsResetMs, now);
    this.#holdIfLow(this.#tokensLimit, status.tokensRemaining, status.tokensResetMs, now);
    if (seq === undefined) return;
    // Not yet in the answer's counts: every request admitted after it, and any admitted before
    // it that has not reached the provider yet (connections open in any order, and a loaded
    // server's backlog delays some by seconds). Every other request in flight counts as unseen.
    const unseen = Math.max(this.#admissions - seq, this.#requestsInFlight - 1);
    this.#credit = this.#spareRoom(status, unseen);
    // The room counted includes what refilled while pacing timers were late: spending it and
    // catching the missed slots up as well would pay for them twice.
    if (this.#credit > 0) this.#noCatchUp = true;
  }

  #capacity(limit: number | undefined, remaining: number | undefined, resetMs: number | undefined): number | undefined {
    if (limit === undefined || remaining === undefined) return undefined;
    return resetMs === undefined ? limit : Math.min(limit, remaining + (resetMs * limit) / this.#windowMs);
  }

  /**
   * How far (in ms) a late admission may still book from its ideal slot: up to
   * {@link MAX_CATCH_UP_SLOTS} slots and a quarter of the bucket, at least half a slot. So a
   * timer firing late on a busy event loop loses no slots (docs/pacing.md#running-at-the-edge).
   */
  #catchUpMs(slotMs: number, units: number, capacity: number | undefined): number {
    const slots = capacity === undefined || units <= 0 ? 0 : (capacity * CATCH_UP_BUCKET_SHARE) / units;
    return slotMs * Math.max(0.5, Math.min(MAX_CATCH_UP_SLOTS, Math.floor(slots)));
  }

  /** Current feedback factor on the stated pace, in (0, 1]. */
  get paceFactor(): number {
    return this.#pace.factor;
  }

  /** Requests the provider's bucket can take beyond the paced schedule right now. */
  get credit(): number {
    return this.#credit;
  }

  /**
   * How many requests the provider's buckets hold beyond what the run must leave unused (the
   * share it may not use, and a small margin), minus the requests the answer's counts cannot
   * include yet (`unseen`).
   * A job smaller than the bucket is then sent in one go instead of being paced as if it were
   * endless (docs/pacing.md#running-at-the-edge).
   */
  #spareRoom(status: WindowStatus, unseen: number): number {
    const room = (
      limit: number | undefined,
      remaining: number | undefined,
      resetMs: number | undefined,
      tokens: boolean,
    ) => {
      if (limit === undefined || remaining === undefined) return undefined;
      const capacity = resetMs === undefined ? limit : Math.min(limit, remaining + (resetMs * limit) / this.#windowMs);
      // A per-second request bucket is spent too (docs/pacing.md#running-at-the-edge): the paced
      // schedule then spends the refill only, and arrival jitter only delays requests. A token
      // bucket keeps a second's refill: it also holds the charges of the requests in flight,
      // which requests sent on spare room do not book, so a per-second one has nothing to spare.
      const margin = Math.max(SPARE_MARGIN_MIN, SPARE_MARGIN_SHARE * capacity, tokens ? limit / 60 : 0);
      return remaining - (1 - this.#share) * capacity - margin;
    };
    const requests = room(this.#requestsLimit, status.requestsRemaining, status.requestsResetMs, false);
    const tokens = room(this.#tokensLimit, status.tokensRemaining, status.tokensResetMs, true);
    const estimate = this.estimateTokens();
    const byTokens = tokens === undefined || estimate <= 0 ? undefined : tokens / estimate;
    if (requests === undefined && byTokens === undefined) return 0;
    const spare = Math.min(requests ?? Number.POSITIVE_INFINITY, byTokens ?? Number.POSITIVE_INFINITY);
    return Math.max(0, Math.floor(spare / this.#peers) - unseen);
  }

  /**
   * Requests per ms the provider's windows allow this run now (its share, times the feedback
   * factor), or undefined while no limit is known. With only a token limit, the rate follows
   * from the average tokens a request really uses.
   */
  allowedRatePerMs(): number | undefined {
    const factor = this.#paceShare * this.#pace.factor;
    const byRequests = this.#requestsLimit === undefined ? undefined : (factor * this.#requestsLimit) / this.#windowMs;
    const perRequest =
      this.#samples > 0 ? (this.#inputTotal + this.#outputTotal) / this.#samples : this.estimateTokens();
    const byTokens =
      this.#tokensLimit === undefined || perRequest <= 0
        ? undefined
        : (factor * this.#tokensLimit) / this.#windowMs / perRequest;
    if (byRequests === undefined) return byTokens;
    return byTokens === undefined ? byRequests : Math.min(byRequests, byTokens);
  }

  /** A request was answered: sustained success brings the pace back up to the full share. */
  succeeded(): void {
    this.#pace.succeeded();
  }

  /**
   * A request was rate limited although it was paced: the provider enforces less than its
   * headers state (a shorter slice, or another client on the key). Lowers the pace for a while
   * and stops spending spare room. A `slow_down` (`lower` false) has its own slower pace, see
   * {@link slowDown}. Returns true when the pace was lowered.
   */
  rateLimited(now: number, lower: boolean, charge?: WindowCharge): boolean {
    this.#credit = 0;
    // The bucket is empty: the next admission books from its own time, catching nothing up.
    this.#noCatchUp = true;
    // A 429 to a request sent before any limit was known (the initial burst) or on spare room
    // says nothing about the pace: lowering it would only slow the rest of the run down.
    if (charge !== undefined && !charge.paced) return false;
    return lower && this.known && this.#pace.rateLimited(now);
  }

  #holdIfLow(limit: number | undefined, remaining: number | undefined, resetMs: number | undefined, now: number): void {
    if (limit === undefined || remaining === undefined) return;
    // The reset is the time until the bucket is full again at `limit` per window, which reveals
    // the bucket's size: a provider enforcing a smaller burst than the whole minute reports
    // `remaining` out of that smaller size, and the headroom must scale with it.
    const capacity = resetMs === undefined ? limit : Math.min(limit, remaining + (resetMs * limit) / this.#windowMs);
    const headroom = (1 - this.#share) * capacity;
    if (!(remaining < headroom)) return;
    // Without a reset value, assume the window refills evenly over its length.
    const wait = resetMs ?? ((headroom - remaining + 1) * this.#windowMs) / limit;
    const until = now + Math.min(wait + this.#resetMarginMs, this.#maxHoldMs);
    this.#holdUntil = Math.max(this.#holdUntil, until);
  }

  /**
   * Tokens the provider charges one request up front, as OpenAI does: the average input plus
   * the output cap, or {@link DEFAULT_OUTPUT_CHARGE} when the request sets none.
   */
  estimateTokens(): number {
    const input = this.#samples > 0 ? this.#inputTotal / this.#samples : 0;
    const output = this.#maxOutputTokens ?? DEFAULT_OUTPUT_CHARGE;
    return Math.max(0, input + output);
  }

  /** Earliest epoch ms at which the next request may be admitted (≤ now means now). */
  nextAdmissionAt(now: number): number {
    const slowing = this.#slowUntil > now;
    const requestGate = this.#requestsLimit === undefined && !slowing ? Number.NEGATIVE_INFINITY : this.#nextRequestAt;
    const tokenGate = this.#tokensLimit === undefined ? Number.NEGATIVE_INFINITY : this.#nextTokenAt;
    if (this.#credit > 0 && !slowing) return this.#holdUntil;
    // Only an answer (a settle, which pumps the queue) frees reserved tokens.
    if (this.#tokensReserved()) return Number.POSITIVE_INFINITY;
    return Math.max(requestGate, tokenGate, this.#holdUntil);
  }

  /**
   * True when the provider's token bucket cannot hold one more up-front charge next to those of
   * the requests in flight. OpenAI holds each request's charge (output cap plus input) until it
   * answers, so a small bucket (tokens enforced per second) limits the requests in flight, not
   * only the rate (docs/pacing.md#running-at-the-edge). One request is always allowed.
   */
  #tokensReserved(): boolean {
    const capacity = this.#tokensCapacity;
    if (capacity === undefined || this.#tokensLimit === undefined || this.#tokensInFlight <= 0) return false;
    return this.#tokensInFlight + this.estimateTokens() > capacity * this.#paceShare;
  }

  /** Books one admission at `now`. Call only when `nextAdmissionAt(now) <= now`. */
  admit(now: number): WindowCharge {
    this.#recent.push(now);
    if (this.#recent.length > RECENT_ADMISSIONS) this.#recent.shift();
    const seq = ++this.#admissions;
    this.#requestsInFlight++;
    const due = Math.max(this.#nextRequestAt, this.#tokensLimit === undefined ? now : this.#nextTokenAt) <= now;
    if (!due && this.#credit > 0) {
      // Sent on the bucket's spare room: the paced schedule stays as it is.
      this.#credit--;
      return { tokens: 0, seq, credited: true, paced: false };
    }
    const paced = this.known;
    const noCatchUp = this.#noCatchUp;
    this.#noCatchUp = false;
    const interval = this.#requestIntervalMs(now);
    const requestMs = interval ?? 0;
    if (interval !== undefined) {
      const catchUp = noCatchUp ? 0 : this.#catchUpMs(interval, 1, this.#requestsCapacity);
      this.#nextRequestAt = onSchedule(this.#nextRequestAt, now, catchUp) + interval;
    }
    if (this.#tokensLimit === undefined) return { tokens: 0, seq, credited: false, paced, requestMs };
    const tokens = this.estimateTokens();
    const cost = tokens * this.#msPerToken(this.#tokensLimit);
    this.#tokensInFlight += tokens;
    const tokenCatchUp = noCatchUp ? 0 : this.#catchUpMs(cost, tokens, this.#tokensCapacity);
    this.#nextTokenAt = onSchedule(this.#nextTokenAt, now, tokenCatchUp) + cost;
    return { tokens, seq, credited: false, paced, requestMs };
  }

  /**
   * Undoes an admission whose request was never sent: its spare-room credit, request slot and
   * token charge go back, so the next request may use them.
   */
  cancel(charge: WindowCharge): void {
    this.#requestsInFlight = Math.max(0, this.#requestsInFlight - 1);
    if (charge.credited) {
      this.#credit++;
      return;
    }
    this.#nextRequestAt -= charge.requestMs ?? 0;
    this.#release(charge);
    if (this.#tokensLimit !== undefined && charge.tokens > 0) {
      this.#nextTokenAt -= charge.tokens * this.#msPerToken(this.#tokensLimit);
    }
  }

  #requestIntervalMs(now: number): number | undefined {
    const slowing = this.#slowUntil > now;
    if (!slowing) this.#slowFactor = 1;
    if (this.#requestsLimit !== undefined) {
      const base = this.#windowMs / (this.#paceShare * this.#pace.factor * this.#requestsLimit);
      return base * this.#slowFactor;
    }
    // No known limit: only a slow_down paces requests, at a share of the rate seen before it.
    return slowing && this.#slowBaseMs !== undefined ? this.#slowBaseMs * this.#slowFactor : undefined;
  }

  #release(charge: WindowCharge): void {
    if (!charge.credited) this.#tokensInFlight = Math.max(0, this.#tokensInFlight - charge.tokens);
  }

  #msPerToken(limit: number): number {
    return this.#windowMs / (this.#paceShare * this.#pace.factor * limit);
  }

  /**
   * Settles an admission: corrects the token pacing by the real usage of an answer and updates
   * the token averages. A failed request (`usage` undefined: an error status, a 429, a broken
   * connection) keeps its whole charge: OpenAI counts unsuccessful requests against the
   * per-minute limits too (README.md#what-happens-to-each-answer). Only a request that was never
   * sent gets its room back, through {@link RateWindows.cancel}.
   */
  settle(charge: WindowCharge, usage: TokenUsage | undefined): void {
    this.#requestsInFlight = Math.max(0, this.#requestsInFlight - 1);
    this.#release(charge);
    if (usage === undefined) return;
    const actual = usage.input_tokens + usage.output_tokens;
    this.#inputTotal += usage.input_tokens;
    this.#outputTotal += usage.output_tokens;
    this.#samples++;
    if (this.#tokensLimit !== undefined && !charge.credited && (charge.tokens > 0 || actual > 0)) {
      this.#nextTokenAt += (actual - charge.tokens) * this.#msPerToken(this.#tokensLimit);
    }
  }

  /**
   * Halves the admission rate for `slowDownMs` (again on each `slow_down`, down to 1/8). Without
   * a known request limit, the recent admission rate is the base that gets halved.
   */
  slowDown(now: number): void {
    if (this.#slowUntil <= now) this.#slowFactor = 1;
    this.#slowFactor = Math.min(MAX_SLOW_FACTOR, this.#slowFactor * 2);
    this.#slowUntil = now + this.#slowDownMs;
    if (this.#requestsLimit === undefined) {
      const first = this.#recent[0];
      const span = first === undefined ? 0 : now - first;
      this.#slowBaseMs = this.#recent.length >= 2 && span > 0 ? span / this.#recent.length : 1000;
    }
    // The slower pace applies from now on, including to the slot already booked.
    const interval = this.#requestIntervalMs(now) ?? 0;
    this.#nextRequestAt = Math.max(this.#nextRequestAt, now + interval);
  }
}

/**
 * Where the next slot is booked from. An admission up to `catchUpMs` late keeps its ideal slot,
 * so a timer that fires late (a busy event loop) costs no throughput: the following slots come
 * sooner until the schedule has caught up. After a longer gap (nobody was waiting, or a refund)
 * the schedule restarts `catchUpMs` before `now`, so idle time turns into a burst of a few slots
 * at most, which the provider's bucket refilled meanwhile. The first slot starts at `now`.
 */
function onSchedule(slot: number, now: number, catchUpMs: number): number {
  if (slot === Number.NEGATIVE_INFINITY) return now;
  return Math.max(slot, now - catchUpMs);
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}
