import type { LatencyFigures } from './types.js';

// Log-scale buckets 2 % wide: percentiles stay within 2 % of the exact value while memory stays
// constant however many requests a run sends (a million-artist run must not keep every duration).
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

/** Streaming latency statistics with bounded memory. */
export class LatencyStats {
  #count = 0;
  #sum = 0;
  #max = 0;
  readonly #buckets = new Map<number, number>();

  /** Records one duration in milliseconds (negative or non-finite values are ignored). */
  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.#count += 1;
    this.#sum += ms;
    if (ms > this.#max) this.#max = ms;
    const index = ms < 1 ? -1 : Math.floor(Math.log(ms) / LOG_GROWTH);
    this.#buckets.set(index, (this.#buckets.get(index) ?? 0) + 1);
  }

  /** Number of recorded durations. */
  get count(): number {
    return this.#count;
  }

  /** Sum of recorded durations in milliseconds. */
  get sum(): number {
    return this.#sum;
  }

  /** Count, mean, p50, p95 and max, or null when nothing was recorded. */
  figures(): LatencyFigures | null {
    if (this.#count === 0) return null;
    return {
      count: this.#count,
      mean: this.#sum / this.#count,
      p50: this.#quantile(0.5),
      p95: this.#quantile(0.95),
      max: this.#max,
    };
  }

  #quantile(q: number): number {
    const rank = Math.ceil(q * this.#count);
    let seen = 0;
    for (const index of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      seen += this.#buckets.get(index) ?? 0;
      if (seen >= rank) {
        if (index < 0) return Math.min(1, this.#max);
        // Geometric middle of the bucket, never above the largest value seen.
        return Math.min(this.#max, GROWTH ** (index + 0.5));
      }
    }
    return this.#max;
  }
}
