/** Options of {@link AimdPace}. */
export interface AimdPaceOptions {
  /** Factor a rate-limit answer multiplies the pace by. @default 0.9 */
  decrease?: number;
  /** Share of the full pace regained per successful answer. @default 0.001 */
  increase?: number;
  /** Lowest pace, as a share of the known limit. @default 0.25 */
  floor?: number;
  /** After a decrease, further 429s within this many ms are the same wave and ignored. @default 1000 */
  waveMs?: number;
}

/**
 * Additive-increase / multiplicative-decrease feedback on the pace derived from the provider's
 * stated limits (docs/pacing.md#running-at-the-edge). The stated limit may be enforced over a
 * shorter slice than its window (per second instead of per minute), or shared with another
 * client; a 429 then shows the stated pace is too fast. The pace starts at 1 (the whole share
 * the run may use), drops by a factor on a rate-limit answer, and climbs back a little with
 * each success, never above 1. So a run converges just under what the provider really allows.
 */
export class AimdPace {
  readonly #decrease: number;
  readonly #increase: number;
  readonly #floor: number;
  readonly #waveMs: number;
  #factor = 1;
  #waveUntil = Number.NEGATIVE_INFINITY;

  constructor(options: AimdPaceOptions = {}) {
    this.#decrease = options.decrease ?? 0.9;
    this.#increase = options.increase ?? 0.001;
    this.#floor = options.floor ?? 0.25;
    this.#waveMs = options.waveMs ?? 1000;
  }

  /** The share of the stated pace to use now, in [floor, 1]. */
  get factor(): number {
    return this.#factor;
  }

  /** A request was answered without a rate limit: creep back towards the full pace. */
  succeeded(): void {
    this.#factor = Math.min(1, this.#factor + this.#increase);
  }

  /**
   * A request was rate limited. The first 429 of a wave lowers the pace; the others were sent
   * before the pace could react. Returns true when the pace was lowered.
   */
  rateLimited(now: number): boolean {
    if (now < this.#waveUntil) return false;
    this.#waveUntil = now + this.#waveMs;
    this.#factor = Math.max(this.#floor, this.#factor * this.#decrease);
    return true;
  }
}
