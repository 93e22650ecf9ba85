import type { Clock } from '../core/clock.js';

/**
 * Answer of the admission check for the head of the queue: `undefined` admits it now, a number
 * is the epoch ms to look again (`Infinity`: only when {@link WaitQueue.pump} is called), and
 * `{ reject }` fails every waiting caller with that error.
 */
export type Verdict = number | undefined | { reject: unknown };

/**
 * Hands an admitted caller its value once the admission is durable. If the caller gave up in the
 * meantime (its signal aborted), `release` is called instead so the admission can be undone.
 */
export interface Waiter<T> {
  resolve(value: T, release: () => void): void;
  reject(error: unknown, release: () => void): void;
}

interface Entry<T> {
  state: 'queued' | 'admitted' | 'done';
  signal: AbortSignal;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

interface Watch<T> {
  entries: Set<Entry<T>>;
  listener: () => void;
}

/**
 * A FIFO of callers waiting for admission, with at most one pending clock timer. `pump()` admits
 * heads for as long as the check allows, synchronously, then sleeps until the time the check
 * named. Aborting a waiting caller's signal removes it at once and rejects with the signal's
 * reason; a caller already admitted still receives its permit.
 */
export class WaitQueue<T> {
  readonly #clock: Clock;
  readonly #check: (now: number) => Verdict;
  readonly #admit: (waiter: Waiter<T>, now: number) => void;
  // One abort listener per distinct signal: every worker of a run usually shares one signal,
  // and a listener per caller would trip Node's MaxListeners warning with many workers.
  readonly #watches = new Map<AbortSignal, Watch<T>>();
  #entries: Entry<T>[] = [];
  #timer: { until: number; controller: AbortController } | undefined;
  #pumping = false;
  #again = false;
  #closed = false;

  constructor(clock: Clock, check: (now: number) => Verdict, admit: (waiter: Waiter<T>, now: number) => void) {
    this.#clock = clock;
    this.#check = check;
    this.#admit = admit;
  }

  /** Callers still waiting for admission. */
  get size(): number {
    return this.#entries.length;
  }

  /** Waits for admission. Rejects with `signal.reason` when it aborts first. */
  enqueue(signal: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Entry<T> = { state: 'queued', signal, resolve, reject };
      this.#watch(entry);
      this.#entries.push(entry);
      this.pump();
    });
  }

  #watch(entry: Entry<T>): void {
    const existing = this.#watches.get(entry.signal);
    if (existing) {
      existing.entries.add(entry);
      return;
    }
    const watch: Watch<T> = { entries: new Set([entry]), listener: () => this.#aborted(entry.signal) };
    this.#watches.set(entry.signal, watch);
    entry.signal.addEventListener('abort', watch.listener, { once: true });
  }

  #unwatch(entry: Entry<T>): void {
    const watch = this.#watches.get(entry.signal);
    if (!watch) return;
    watch.entries.delete(entry);
    if (watch.entries.size > 0) return;
    this.#watches.delete(entry.signal);
    entry.signal.removeEventListener('abort', watch.listener);
  }

  #aborted(signal: AbortSignal): void {
    const watch = this.#watches.get(signal);
    this.#watches.delete(signal);
    if (!watch) return;
    let removed = false;
    for (const entry of watch.entries) {
      // An admitted caller is already counted; it gets its permit once the count is durable and
      // decides itself whether to send (a run stopped by the daily limit still sends it).
      if (entry.state !== 'queued') continue;
      removed = true;
      entry.state = 'done';
      entry.reject(signal.reason);
    }
    if (removed) {
      this.#entries = this.#entries.filter((e) => e.state !== 'done');
      this.pump();
    }
  }

  /** Re-runs the admission check now (call whenever something the check reads has changed). */
  pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        this.#drain();
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
  }

  #drain(): void {
    while (!this.#closed && this.#entries.length > 0) {
      const now = this.#clock.now();
      const verdict = this.#check(now);
      if (verdict === undefined) {
        const entry = this.#entries.shift();
        if (entry) {
          entry.state = 'admitted';
          this.#admit(this.#waiterFor(entry), now);
        }
        continue;
      }
      if (typeof verdict === 'object') {
        this.#rejectAll(verdict.reject);
        break;
      }
      // A check must name a future time; a past one is retried shortly rather than spun on.
      this.#schedule(verdict > now ? verdict : now + 1);
      return;
    }
    this.#cancelTimer();
  }

  #waiterFor(entry: Entry<T>): Waiter<T> {
    return {
      resolve: (value, release) => {
        if (entry.state === 'done') {
          release();
          return;
        }
        entry.state = 'done';
        this.#unwatch(entry);
        entry.resolve(value);
      },
      reject: (error, release) => {
        release();
        if (entry.state === 'done') return;
        entry.state = 'done';
        this.#unwatch(entry);
        entry.reject(error);
      },
    };
  }

  #schedule(until: number): void {
    if (until === Number.POSITIVE_INFINITY) {
      this.#cancelTimer();
      return;
    }
    if (this.#timer?.until === until) return;
    this.#cancelTimer();
    const timer = { until, controller: new AbortController() };
    this.#timer = timer;
    this.#clock.sleep(until - this.#clock.now(), timer.controller.signal).then(
      () => {
        if (this.#timer !== timer) return;
        this.#timer = undefined;
        this.pump();
      },
      () => undefined,
    );
  }

  #cancelTimer(): void {
    this.#timer?.controller.abort();
    this.#timer = undefined;
  }

  #rejectAll(error: unknown): void {
    const entries = this.#entries;
    this.#entries = [];
    for (const entry of entries) {
      entry.state = 'done';
      this.#unwatch(entry);
      entry.reject(error);
    }
  }

  /** Rejects every waiting caller with `error`, cancels the timer and admits nobody any more. */
  close(error: unknown): void {
    this.#closed = true;
    this.#cancelTimer();
    this.#rejectAll(error);
  }
}
