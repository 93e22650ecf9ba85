/**
 * A continuous token bucket: it holds at most `capacity` units and refills at a constant rate,
 * computed lazily from the clock on each call (no timers).
 */
export class TokenBucket {
  /** Largest number of units the bucket holds. */
  readonly capacity: number;
  /** Units added per millisecond. */
  readonly refillPerMs: number;
  #level: number;
  #last: number;

  /** Starts full at time `now` (epoch ms). */
  constructor(capacity: number, refillPerMs: number, now: number) {
    this.capacity = capacity;
    this.refillPerMs = refillPerMs;
    this.#level = capacity;
    this.#last = now;
  }

  /** Current content after refilling up to `now`. */
  level(now: number): number {
    // A clock that steps backwards (NTP) must not drain or overfill the bucket.
    if (now > this.#last) {
      this.#level = Math.min(this.capacity, this.#level + (now - this.#last) * this.refillPerMs);
    }
    this.#last = now;
    return this.#level;
  }

  /** Milliseconds until `amount` units are available (0 when they already are). */
  waitFor(amount: number, now: number): number {
    const missing = amount - this.level(now);
    // Float dust from the refill arithmetic must not turn "exactly enough" into a rejection.
    return missing <= 1e-9 ? 0 : missing / this.refillPerMs;
  }

  /** Milliseconds until the bucket is full again: OpenAI's meaning of "reset". */
  msUntilFull(now: number): number {
    return Math.max(0, (this.capacity - this.level(now)) / this.refillPerMs);
  }

  /** Removes `amount` units; callers check {@link waitFor} first. */
  take(amount: number, now: number): void {
    this.#level = Math.max(0, this.level(now) - amount);
  }

  /**
   * Charges `amount` units even when they are not there, down to `-floor` (a debt the refill
   * pays off first). Models a provider that counts rejected requests against the window.
   */
  charge(amount: number, now: number, floor: number): void {
    this.#level = Math.max(-floor, this.level(now) - amount);
  }

  /** Gives back `amount` units, never beyond capacity. */
  give(amount: number, now: number): void {
    this.#level = Math.min(this.capacity, this.level(now) + amount);
  }

  /** Makes the bucket full again. */
  refill(now: number): void {
    this.#level = this.capacity;
    this.#last = now;
  }
}
