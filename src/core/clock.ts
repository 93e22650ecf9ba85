/**
 * Time source for everything time-dependent. Layers receive a Clock instead of calling
 * `Date.now()` or `setTimeout` so tests can run hours of quota time in milliseconds.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds of this clock's time. Rejects with the signal's reason
   * when `signal` aborts first.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: realSleep,
};

/** Options of {@link createScaledClock}. */
export interface ScaledClockOptions {
  /** How many clock milliseconds pass per real millisecond. @default 1 */
  scale?: number;
  /** Clock time (epoch ms) at creation. @default Date.now() */
  start?: number;
}

/**
 * A clock that runs `scale` times faster than the wall clock, optionally starting at another
 * instant. Used by end-to-end tests to cover pause durations and UTC day roll-overs quickly.
 */
export function createScaledClock(options: ScaledClockOptions = {}): Clock {
  const scale = options.scale ?? 1;
  if (!(scale > 0)) {
    throw new TypeError(`Expected \`scale\` to be a positive number, got \`${String(scale)}\``);
  }
  const realStart = Date.now();
  const start = options.start ?? realStart;
  return {
    now: () => start + (Date.now() - realStart) * scale,
    sleep: (ms, signal) => realSleep(ms / scale, signal),
  };
}

interface Sleeper {
  until: number;
  resolve: () => void;
}

/**
 * A clock that only moves when told to. `advance()` resolves every sleeper whose time has come.
 * For unit tests of pure logic.
 */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];

  /** @param start initial time in epoch ms @default 0 */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Number of sleepers still waiting. */
  get pendingSleepers(): number {
    return this.#sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const sleeper: Sleeper = { until: this.#now + Math.max(0, ms), resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          reject(signal.reason as Error);
        },
        { once: true },
      );
      if (ms <= 0) this.#wake();
    });
  }

  /** When the earliest sleeper wakes (epoch ms), or undefined when nobody sleeps. */
  get nextWake(): number | undefined {
    return this.#sleepers.reduce<number | undefined>(
      (min, s) => (min === undefined || s.until < min ? s.until : min),
      undefined,
    );
  }

  /** Moves time forward by `ms` and wakes due sleepers in time order. */
  advance(ms: number): void {
    this.#now += ms;
    this.#wake();
  }

  /** Sets the time (never backwards). */
  set(epochMs: number): void {
    this.#now = Math.max(this.#now, epochMs);
    this.#wake();
  }

  #wake(): void {
    const due = this.#sleepers.filter((s) => s.until <= this.#now).sort((a, b) => a.until - b.until);
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now);
    for (const s of due) s.resolve();
  }
}
