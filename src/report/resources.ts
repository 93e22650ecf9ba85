import { performance } from 'node:perf_hooks';

/** Resource figures measured while a run was recorded. */
export interface ResourceFigures {
  /** Process CPU time ÷ real time, in percent of one core; null when no time passed. */
  cpuAveragePercent: number | null;
  rssAverageBytes: number | null;
  rssPeakBytes: number | null;
  samples: number;
}

/** Where a {@link ResourceSampler} reads memory, CPU time and real time. */
export interface ResourceProbe {
  /** Resident set size now, in bytes. */
  rssBytes(): number;
  /** CPU time the process has used so far (user + system), in microseconds. */
  cpuMicros(): number;
  /** A monotonic real-time reading, in milliseconds. */
  realMs(): number;
}

/** The probe of this process: its RSS, its CPU usage and `performance.now()`. */
export const processProbe: ResourceProbe = {
  rssBytes: () => process.memoryUsage.rss(),
  cpuMicros: () => {
    const cpu = process.cpuUsage();
    return cpu.user + cpu.system;
  },
  realMs: () => performance.now(),
};

/**
 * Samples the process's resident memory on a fixed real-time interval and measures CPU time
 * between creation and {@link ResourceSampler.stop}. Real time, not the run's clock: CPU seconds
 * and memory are physical quantities even when a test speeds the clock up.
 */
export class ResourceSampler {
  readonly #probe: ResourceProbe;
  readonly #cpuStart: number;
  readonly #realStart: number;
  #timer: NodeJS.Timeout | undefined;
  #count = 0;
  #sum = 0;
  #peak = 0;
  #result: ResourceFigures | undefined;

  /**
   * @param intervalMs time between memory samples @default 1000
   * @param probe where the figures come from @default {@link processProbe}
   */
  constructor(intervalMs = 1000, probe: ResourceProbe = processProbe) {
    this.#probe = probe;
    this.#cpuStart = probe.cpuMicros();
    this.#realStart = probe.realMs();
    this.sample();
    this.#timer = setInterval(() => this.sample(), Math.max(10, intervalMs));
    // A sampler must never keep a finished process alive.
    this.#timer.unref();
  }

  /** Takes one memory sample now. */
  sample(): void {
    const rss = this.#probe.rssBytes();
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
    const cpuMs = (this.#probe.cpuMicros() - this.#cpuStart) / 1000;
    const realMs = this.#probe.realMs() - this.#realStart;
    this.#result = {
      cpuAveragePercent: realMs > 0 ? (cpuMs / realMs) * 100 : null,
      rssAverageBytes: this.#count > 0 ? this.#sum / this.#count : null,
      rssPeakBytes: this.#count > 0 ? this.#peak : null,
      samples: this.#count,
    };
    return this.#result;
  }
}
