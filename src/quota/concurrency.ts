/**
 * A cap on requests in flight that adapts to the provider's answers (additive increase,
 * multiplicative decrease). It covers what header pacing cannot:
 *
 * - the gentle start: one request until the first answer shows the limits (or shows that no
 *   headers will come), then no cap;
 * - providers without usable rate-limit headers: a wave of 429s halves the cap once, and it
 *   grows back by one after each `cap` successes, until it reaches `maxWorkers` and is lifted.
 *   Without it, every worker released at the end of a shared hold-off would hit the limit
 *   again together, and artists would use up their retries.
 */
export class AdaptiveConcurrency {
  readonly #maxWorkers: number;
  #limit: number;
  #successes = 0;
  #answered = false;

  /**
   * @param maxWorkers workers of the run; a cap that reaches it is lifted
   * @param gentleStart start with one request in flight until the first answer
   */
  constructor(maxWorkers: number, gentleStart: boolean) {
    this.#maxWorkers = maxWorkers;
    this.#limit = gentleStart ? 1 : Number.POSITIVE_INFINITY;
  }

  /** Requests allowed in flight (`Infinity` = no cap). */
  get limit(): number {
    return this.#limit;
  }

  /**
   * A request got an answer other than a 429 (`ok`: a success). The first answer of the run
   * ends the gentle start; later successes grow a cap set by 429s.
   */
  answered(ok: boolean): void {
    if (!this.#answered) {
      this.#answered = true;
      this.#limit = Number.POSITIVE_INFINITY;
      return;
    }
    if (!ok || this.#limit === Number.POSITIVE_INFINITY) return;
    this.#successes++;
    if (this.#successes < this.#limit) return;
    this.#successes = 0;
    this.#limit = this.#limit + 1 >= this.#maxWorkers ? Number.POSITIVE_INFINITY : this.#limit + 1;
  }

  /**
   * A request was rate limited. Only the first 429 of a wave counts (`waveActive` false): the
   * others were already in flight when the limit was hit.
   *
   * @param inFlight requests that were in flight, this one included
   */
  rateLimited(inFlight: number, waveActive: boolean): void {
    this.#answered = true;
    if (waveActive) return;
    const current = Math.min(this.#limit, inFlight);
    this.#limit = Math.max(1, Math.floor(current / 2));
    this.#successes = 0;
  }
}
