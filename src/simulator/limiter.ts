import type { Clock } from '../core/clock.js';
import { formatResetDuration } from './reset-format.js';
import { TokenBucket } from './token-bucket.js';

/** Which configured limit stopped a request. */
export type LimitName = 'rpm' | 'tpm' | 'rpd';

/** Why a request was not admitted. */
export interface LimitRejection {
  admitted: false;
  limit: LimitName;
  /** The configured per-window amount (RPM, TPM or RPD). */
  limitValue: number;
  /** `limitValue` minus what is left, as OpenAI reports it. */
  used: number;
  /** Units this request asked for (1 request, or its token estimate). */
  requested: number;
  /** Exact wait until the request would fit every bucket. */
  waitMs: number;
}

/** What an admitted request holds until it is settled. */
export interface Admission {
  admitted: true;
  /** Tokens charged up front (0 without a token limit). */
  tokens: number;
}

/** Limits of a {@link RateLimiter}; undefined means unlimited. */
export interface LimiterConfig {
  rpm: number | undefined;
  tpm: number | undefined;
  rpd: number | undefined;
  burstRequests: number | undefined;
  burstTokens: number | undefined;
  /**
   * Enforce each per-minute limit per second: buckets of `limit / 60` (at least 1) unless a burst
   * size is given. @default false
   */
  perSecond?: boolean | undefined;
  /**
   * Count a rate-limited request against the per-minute request window, as OpenAI does ("unsuccessful
   * requests contribute to your per-minute limit"). The debt is bounded by one bucket. @default true
   */
  chargeRejected?: boolean | undefined;
}

interface Limit {
  name: LimitName;
  perWindow: number;
  bucket: TokenBucket;
}

const MINUTE_MS = 60_000;
// Whole units left (a debt from charged rejections reads as 0); the epsilon keeps 9.999999999 (refill float dust) from reading as 9.
const whole = (level: number): number => Math.max(0, Math.floor(level + 1e-9));
const DAY_MS = 86_400_000;

/**
 * Request and token buckets in OpenAI's style: a request is admitted only when every bucket has
 * room, is charged its token estimate up front, and gets the unused part refunded when settled.
 */
export class RateLimiter {
  readonly #clock: Clock;
  readonly #rpm: Limit | undefined;
  readonly #tpm: Limit | undefined;
  readonly #rpd: Limit | undefined;
  readonly #chargeRejected: boolean;

  /** Creates the configured buckets, full at the clock's current time. */
  constructor(config: LimiterConfig, clock: Clock) {
    this.#clock = clock;
    const now = clock.now();
    const make = (name: LimitName, perWindow: number | undefined, capacity: number | undefined, windowMs: number) =>
      perWindow === undefined
        ? undefined
        : { name, perWindow, bucket: new TokenBucket(capacity ?? perWindow, perWindow / windowMs, now) };
    const perSecond = (perMinute: number | undefined): number | undefined =>
      config.perSecond === true && perMinute !== undefined ? Math.max(1, perMinute / 60) : undefined;
    this.#rpm = make('rpm', config.rpm, config.burstRequests ?? perSecond(config.rpm), MINUTE_MS);
    this.#tpm = make('tpm', config.tpm, config.burstTokens ?? perSecond(config.tpm), MINUTE_MS);
    this.#chargeRejected = config.chargeRejected ?? true;
    this.#rpd = make('rpd', config.rpd, undefined, DAY_MS);
  }

  /** Capacity of the token bucket, or undefined without a token limit. */
  get tokenCapacity(): number | undefined {
    return this.#tpm?.bucket.capacity;
  }

  /** The configured TPM, or undefined. */
  get tokensPerMinute(): number | undefined {
    return this.#tpm?.perWindow;
  }

  /** True when `estimate` tokens can never fit the token bucket. */
  tooLarge(estimate: number): boolean {
    return this.#tpm !== undefined && estimate > this.#tpm.bucket.capacity;
  }

  /** Admits and charges the request, or explains why not (charging nothing). */
  tryAdmit(tokenEstimate: number): Admission | LimitRejection {
    const now = this.#clock.now();
    let worst: { limit: Limit; wait: number; requested: number } | undefined;
    let longest = 0;
    for (const [limit, requested] of [
      [this.#rpd, 1],
      [this.#rpm, 1],
      [this.#tpm, tokenEstimate],
    ] as const) {
      if (limit === undefined) continue;
      const wait = limit.bucket.waitFor(requested, now);
      longest = Math.max(longest, wait);
      if (wait > 0 && (worst === undefined || wait > worst.wait)) worst = { limit, wait, requested };
    }
    if (worst !== undefined) {
      const remaining = whole(worst.limit.bucket.level(now));
      if (this.#chargeRejected && this.#rpm !== undefined) {
        // Only the per-minute window counts rejections; the daily count is of served requests.
        // The wait announced includes this request's own charge, so a client that honours it
        // finds room when it comes back.
        this.#rpm.bucket.charge(1, now, this.#rpm.bucket.capacity);
        longest = Math.max(longest, this.#rpm.bucket.waitFor(1, now));
      }
      return {
        admitted: false,
        limit: worst.limit.name,
        limitValue: worst.limit.perWindow,
        used: Math.max(0, Math.round(worst.limit.perWindow - remaining)),
        requested: worst.requested,
        waitMs: longest,
      };
    }
    this.#rpd?.bucket.take(1, now);
    this.#rpm?.bucket.take(1, now);
    this.#tpm?.bucket.take(tokenEstimate, now);
    return { admitted: true, tokens: this.#tpm === undefined ? 0 : tokenEstimate };
  }

  /** Refunds what the request was charged beyond `actualTokens` (the request itself stays counted). */
  settle(admission: Admission, actualTokens: number): void {
    const refund = admission.tokens - actualTokens;
    if (this.#tpm !== undefined && refund > 0) this.#tpm.bucket.give(refund, this.#clock.now());
  }

  /**
   * Counts a request refused before admission (a 400) against the per-minute request window,
   * like a rejected 429 in {@link tryAdmit}. Does nothing when `chargeRejected` is off.
   */
  chargeRequest(): void {
    if (this.#chargeRejected) this.#rpm?.bucket.charge(1, this.#clock.now(), this.#rpm.bucket.capacity);
  }

  /** Undoes an admission entirely, as if the request had never arrived. */
  cancel(admission: Admission): void {
    const now = this.#clock.now();
    this.#rpd?.bucket.give(1, now);
    this.#rpm?.bucket.give(1, now);
    if (admission.tokens > 0) this.#tpm?.bucket.give(admission.tokens, now);
  }

  /**
   * The `x-ratelimit-*` headers for the configured limits. The request headers describe the RPM
   * bucket, or the RPD bucket when only a daily limit is set.
   */
  headers(target: Record<string, string>): void {
    const now = this.#clock.now();
    const requests = this.#rpm ?? this.#rpd;
    if (requests !== undefined) {
      target['x-ratelimit-limit-requests'] = String(requests.perWindow);
      target['x-ratelimit-remaining-requests'] = String(whole(requests.bucket.level(now)));
      target['x-ratelimit-reset-requests'] = formatResetDuration(requests.bucket.msUntilFull(now));
    }
    if (this.#tpm !== undefined) {
      target['x-ratelimit-limit-tokens'] = String(this.#tpm.perWindow);
      target['x-ratelimit-remaining-tokens'] = String(whole(this.#tpm.bucket.level(now)));
      target['x-ratelimit-reset-tokens'] = formatResetDuration(this.#tpm.bucket.msUntilFull(now));
    }
  }

  /** Refills every bucket. */
  reset(): void {
    const now = this.#clock.now();
    for (const limit of [this.#rpm, this.#tpm, this.#rpd]) limit?.bucket.refill(now);
  }
}
