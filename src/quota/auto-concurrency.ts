import { AnswerRateProbe } from './rate-probe.js';

/** One answer, as {@link InFlightLimit.answered} sees it. */
export interface AnswerSample {
  /** Time from admission to answer, in ms. */
  latencyMs: number;
  /** True for a success; false for an error answer that was not a rate limit. */
  ok: boolean;
  /** Clock time of the answer, in ms. */
  now: number;
  /** Requests in flight when it came back, this one included. */
  inFlight: number;
}

/** Options of {@link InFlightLimit}. */
export interface InFlightLimitOptions {
  /**
   * `auto`: the limit follows the allowed rate × observed latency; a number: a fixed worker
   * count, used as the cap (the limit only drops below it on 429s while no rate is known).
   */
  mode: 'auto' | number;
  /** Most requests in flight in `auto` mode. @default 1024 */
  maxInFlight?: number | undefined;
  /** Requests sent before the first answer, while no limit is known. @default 8 (`auto`), 1 (fixed) */
  initialBurst?: number;
  /** Multiplier on rate × latency, so jitter in latency never starves the pace. @default 1.25 */
  headroom?: number;
  /** Weight of a new latency sample in the moving average. @default 0.2 */
  latencyWeight?: number;
}

/**
 * How many requests may be in flight (docs/pacing.md#concurrency). By Little's law a run can
 * never exceed `in flight ÷ latency`, so a fixed worker count either wastes the provider's limit
 * (slow calls) or floods it (fast calls). In `auto` mode the limit is `rate × latency ×
 * headroom` (+2), between 1 and the cap, where the rate is what the provider's windows allow and
 * the latency a moving average of the answers: it rises with latency and falls when it drops.
 *
 * While no rate is known the limit starts at a small burst and grows by one per success (doubling
 * each round trip) until a 429 halves it; after that it grows by one per round trip. In `auto`
 * mode that doubling stops where more requests in flight no longer bring more answers per second
 * (a fast server that is busy, not slow: see {@link AnswerRateProbe}). A fixed
 * worker count is the cap of that growth; once reached (or once a rate is known) the workers
 * themselves are the only limit.
 */
export class InFlightLimit {
  readonly #cap: number;
  readonly #auto: boolean;
  readonly #headroom: number;
  readonly #weight: number;
  #latencyMs: number | undefined;
  #window: number;
  #threshold = Number.POSITIVE_INFINITY;
  #growth = 0;
  #answeredOnce = false;
  readonly #probe = new AnswerRateProbe();

  constructor(options: InFlightLimitOptions) {
    this.#auto = options.mode === 'auto';
    this.#cap = options.mode === 'auto' ? (options.maxInFlight ?? 1024) : options.mode;
    this.#headroom = options.headroom ?? 1.25;
    this.#weight = options.latencyWeight ?? 0.2;
    // A fixed worker count keeps its gentle start: one request until the first answer, then all.
    this.#window = Math.min(this.#cap, options.initialBurst ?? (this.#auto ? 8 : 1));
  }

  /** The most requests in flight at any time (`Infinity` for a fixed worker count: the workers are the cap). */
  get cap(): number {
    return this.#auto ? this.#cap : Number.POSITIVE_INFINITY;
  }

  /** Moving average of answer latencies in ms, once one was seen. */
  get latencyMs(): number | undefined {
    return this.#latencyMs;
  }

  /**
   * Requests allowed in flight now.
   *
   * @param ratePerMs requests per ms the provider's windows allow (after the run's share and
   *   the feedback on the pace); undefined while no limit is known
   */
  limit(ratePerMs: number | undefined): number {
    if (ratePerMs === undefined) return this.#window >= this.#cap ? this.cap : this.#window;
    // A known rate paces the requests; until a latency is seen, nothing but the cap holds them back.
    if (!this.#auto || this.#latencyMs === undefined) return this.cap;
    const target = Math.ceil(ratePerMs * this.#latencyMs * this.#headroom) + 2;
    return Math.max(1, Math.min(this.#cap, target));
  }

  /** A request was answered without a rate limit. */
  answered(sample: AnswerSample): void {
    const { latencyMs, ok } = sample;
    if (Number.isFinite(latencyMs) && latencyMs >= 0 && ok) {
      this.#latencyMs =
        this.#latencyMs === undefined ? latencyMs : this.#latencyMs + this.#weight * (latencyMs - this.#latencyMs);
    }
    if (!this.#auto && !this.#answeredOnce) this.#window = this.#cap;
    this.#answeredOnce = true;
    if (!ok || this.#window >= this.#cap) return;
    if (this.#window < this.#threshold) {
      this.#slowStart(sample);
      return;
    }
    this.#growth++;
    if (this.#growth < this.#window) return;
    this.#growth = 0;
    this.#window = Math.min(this.#cap, this.#window + 1);
  }

  // Doubling per round trip, held once the answer rate stops rising with it.
  #slowStart(sample: AnswerSample): void {
    if (!this.#auto) {
      this.#window = Math.min(this.#cap, this.#window + 1);
      return;
    }
    const verdict = this.#probe.answered(sample.now, sample.inFlight, this.#window);
    if (verdict.kind === 'settle') {
      this.#window = Math.min(this.#cap, verdict.window);
      return;
    }
    if (!this.#probe.held) this.#window = Math.min(this.#cap, this.#window + 1);
  }

  /**
   * A request was rate limited while no rate was known. Only the first 429 of a wave counts
   * (`waveActive` false): the others were already in flight when the limit was hit.
   *
   * @param inFlight requests that were in flight, this one included
   */
  rateLimited(inFlight: number, waveActive: boolean): void {
    this.#answeredOnce = true;
    if (waveActive) return;
    const current = Math.min(this.#window, inFlight);
    this.#window = Math.max(1, Math.floor(current / 2));
    this.#threshold = this.#window;
    this.#growth = 0;
  }
}
