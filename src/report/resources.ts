import { performance } from 'node:perf_hooks';

/** Resource figures measured while a run was recorded. */
export interface ResourceFigures {
  /** Process CPU time ÷ real time, in percent of one core; null when no time passed. */
  cpuAveragePercent: number | null;
  rssAverageBytes: number | null;
  rssPeakBytes: number | null;
  samples: number;
}

/**
 * Samples the process's resident memory on a fixed real-time interval and measures CPU time
 * between creation and {@link ResourceSampler.stop}. Real time, not the run's clock: CPU seconds
 * and memory are physical quantities even when a test speeds the clock up.
 */
export class ResourceSampler {
  readonly #cpuStart = process.cpuUsage();
  readonly #realStart = performance.now();
  #timer: NodeJS.Timeout | undefined;
  #count = 0;
  #sum = 0;
  #peak = 0;
  #result: ResourceFigures | undefined;

  /** @param intervalMs time between memory samples @default 1000 */
  constructor(intervalMs = 1000) {
    this.sample();
    this.#timer = setInterval(() => this.sample(), Math.max(10, intervalMs));
    // A sampler must never keep a finished process alive.
    this.#timer.unref();
  }

  /** Takes one memory sample now. */
  sample(): void {
    const rss = process.memoryUsage.rss();
    this.#count += 1;
    this.#sum += rss;
    if (rss > this.#peak) this.#peak = rss;
  }

  /** Memory samples taken so far. */
  get samples(): number {
    return this.#count;
  }

  /** Highest RSS sampled so far, in bytes. */
  get peakRssBytes(): number {
    return this.#peak;
  }

  /** Stops sampling (idempotent) and returns the figures; later calls return the same figures. */
  stop(): ResourceFigures {
    if (this.#result !== undefined) return this.#result;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.sample();
    const cpu = process.cpuUsage(this.#cpuStart);
    const realMs = performance.now() - this.#realStart;
    this.#result = {
      cpuAveragePercent: realMs > 0 ? ((cpu.user + cpu.system) / 1000 / realMs) * 100 : null,
      rssAverageBytes: this.#count > 0 ? this.#sum / this.#count : null,
      rssPeakBytes: this.#count > 0 ? this.#peak : null,
      samples: this.#count,
    };
    return this.#result;
  }
}
