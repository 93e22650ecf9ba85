/**
 * Whether more requests in flight still bring more answers per second, while no provider limit
 * is known (docs/pacing.md#concurrency).
 */

/** What one round of answers says about the in-flight window. */
export type ProbeVerdict =
  /** Mid-round, or a round the window did not limit (too few requests were waiting). */
  | { kind: 'none' }
  /** The answer rate still rises with the window: let it keep growing. */
  | { kind: 'grow' }
  /** Two rounds in a row gained nothing: hold the window at `window` from now on. */
  | { kind: 'settle'; window: number }
  /** The window is held and still limits the answer rate. */
  | { kind: 'hold' };

// Tuning, documented in docs/pacing.md#concurrency.
/** Smallest rise of the answer rate, as a share, that counts as a gain. */
const GAIN = 0.1;
/** Rounds in a row without a gain before the window is held; held, rounds below DROP before it grows. */
const STALLS = 2;
/** Smallest window ever held: below it a few more sockets cost nothing. */
const MIN_WINDOW = 64;
/** A held window's rounds below this share of the best rate resume probing. */
const DROP = 0.5;
/** Fewest answers in a round, so a tiny window's round is not all noise. */
const MIN_ROUND = 16;

/**
 * Hill climbing on the answer rate. A round lasts as many answers as the window held when it
 * began (one round trip); its rate is answers ÷ clock time. While the window grows, a round that
 * beats the best rate by 10 % is a gain; after two rounds without one the window is held at twice
 * the size of the best round's start (the window that round ended with), and never below 64. A
 * held window whose rate halves (latency rose) probes again from where it is.
 *
 * Only rounds in which at least half the window was in flight at every answer count: a pause, a
 * slow input or the end of the job must not read as "more in flight does not help".
 */
export class AnswerRateProbe {
  #roundStart: number | undefined;
  #roundSize = 0;
  #answers = 0;
  #minInFlight = Number.POSITIVE_INFINITY;
  #bestRate = 0;
  #bestSize = 0;
  #misses = 0;
  #held = false;

  /** True while the window is held (no growth until the rate drops). */
  get held(): boolean {
    return this.#held;
  }

  /**
   * One successful answer.
   *
   * @param now clock time of the answer, in ms
   * @param inFlight requests in flight when it came back, this one included
   * @param window the in-flight window now
   */
  answered(now: number, inFlight: number, window: number): ProbeVerdict {
    if (this.#roundStart === undefined) {
      this.#begin(now, window);
      return { kind: 'none' };
    }
    this.#answers++;
    this.#minInFlight = Math.min(this.#minInFlight, inFlight);
    if (this.#answers < this.#roundSize) return { kind: 'none' };
    const elapsed = now - this.#roundStart;
    const limited = this.#minInFlight * 2 >= this.#roundSize;
    const size = this.#roundSize;
    const rate = this.#answers / elapsed;
    this.#begin(now, window);
    if (!limited || !(elapsed > 0)) return { kind: 'none' };
    return this.#held ? this.#judgeHeld(rate, size) : this.#judgeGrowth(rate, size);
  }

  #judgeGrowth(rate: number, size: number): ProbeVerdict {
    if (rate > this.#bestRate * (1 + GAIN)) {
      this.#bestRate = rate;
      this.#bestSize = size;
      this.#misses = 0;
      return { kind: 'grow' };
    }
    this.#misses++;
    if (this.#misses < STALLS) return { kind: 'grow' };
    this.#held = true;
    this.#misses = 0;
    return { kind: 'settle', window: Math.max(MIN_WINDOW, 2 * this.#bestSize) };
  }

  #judgeHeld(rate: number, size: number): ProbeVerdict {
    this.#bestRate = Math.max(this.#bestRate, rate);
    if (rate >= this.#bestRate * DROP) {
      this.#misses = 0;
      return { kind: 'hold' };
    }
    this.#misses++;
    if (this.#misses < STALLS) return { kind: 'hold' };
    // Latency rose: what was best is gone; probe again from here.
    this.#held = false;
    this.#misses = 0;
    this.#bestRate = rate;
    this.#bestSize = size;
    return { kind: 'grow' };
  }

  #begin(now: number, window: number): void {
    this.#roundStart = now;
    this.#roundSize = Math.max(MIN_ROUND, window);
    this.#answers = 0;
    this.#minInFlight = Number.POSITIVE_INFINITY;
  }
}
