import { formatUsd, roundUsd } from '../cost/cost.js';
import { QuotaStopError } from '../core/errors.js';
import type { TokenUsage } from '../core/types.js';
import { formatWait } from './budget.js';
import type { QuotaLedger } from './ledger-types.js';
import { nextUtcMidnight } from './utc-day.js';

/** Dollar limits of a run and how to price its requests (docs/costs.md). */
export interface SpendOptions {
  /** Worst case of the next request in dollars (input estimate + output cap); 0 when unpriced. */
  reserveUsd: () => number;
  /** Dollars billed for a response's usage; undefined when unpriced. */
  actualUsd: (usage: TokenUsage) => number | undefined;
  /** Dollars the whole job may spend (`--max-cost`); undefined = no cap. */
  maxCostUsd: number | undefined;
  /** Dollars earlier runs of this job already spent. @default 0 */
  jobSpentUsd?: number;
  /** Dollars the key may spend per UTC day (`--daily-cost-limit`); undefined = no cap. */
  dailyCostLimitUsd: number | undefined;
  /** Called whenever the job's spend (spent + reserved) changes, to persist it. */
  onJobSpend?: (spentUsd: number) => void;
}

/** The dollars held for one admitted request until it settles. */
export interface SpendHold {
  readonly reservedUsd: number;
  readonly day: string;
}

/**
 * Dollar bookkeeping of the gate: reserves each request's worst case before it leaves, against
 * the job's `--max-cost` (in memory, one process per output) and the key's `--daily-cost-limit`
 * (in the ledger, shared), then settles the reservation with the real usage.
 */
export class SpendGuard {
  readonly #options: SpendOptions;
  #jobCommitted: number;
  #jobReserved = 0;
  #holdsInFlight = 0;

  constructor(options: SpendOptions) {
    this.#options = options;
    this.#jobCommitted = options.jobSpentUsd ?? 0;
  }

  /** Dollars of the job so far: spent by every run plus what is reserved in flight. */
  get jobSpentUsd(): number {
    return roundUsd(this.#jobCommitted + this.#jobReserved);
  }

  /** Dollars the next request reserves. */
  nextReserve(): number {
    return this.#options.reserveUsd();
  }

  /**
   * Whether the job cap leaves room for `reserve`: `undefined` = yes, `'wait'` = not until a
   * request in flight settles, `'stop'` = never.
   */
  checkJob(reserve: number): 'wait' | 'stop' | undefined {
    const cap = this.#options.maxCostUsd;
    if (cap === undefined || this.#jobCommitted + this.#jobReserved + reserve <= cap + 1e-12) return undefined;
    return this.#holdsInFlight > 0 ? 'wait' : 'stop';
  }

  /** What to do when the key's daily cost limit has no room: wait for a settle, or stop. */
  dailyFull(): 'wait' | 'stop' {
    return this.#holdsInFlight > 0 ? 'wait' : 'stop';
  }

  /** Records a reservation made in the ledger for a request about to leave. */
  hold(reservedUsd: number, day: string): SpendHold {
    this.#jobReserved += reservedUsd;
    this.#holdsInFlight++;
    this.#options.onJobSpend?.(this.jobSpentUsd);
    return { reservedUsd, day };
  }

  /** Gives a hold back entirely: the request never reached the provider. */
  release(hold: SpendHold): void {
    this.#holdsInFlight--;
    this.#jobReserved = Math.max(0, this.#jobReserved - hold.reservedUsd);
    this.#options.onJobSpend?.(this.jobSpentUsd);
  }

  /**
   * Settles a hold. `billedUsd` is what the request cost: the priced usage of a success, 0 when
   * it provably cost nothing, or the reservation itself when unknown (counted as spent).
   */
  settle(hold: SpendHold, ledger: QuotaLedger, billedUsd: number): void {
    this.#holdsInFlight--;
    this.#jobReserved = Math.max(0, this.#jobReserved - hold.reservedUsd);
    this.#jobCommitted = roundUsd(this.#jobCommitted + billedUsd);
    const delta = billedUsd - hold.reservedUsd;
    if (delta !== 0) ledger.addSpend(delta, hold.day);
    this.#options.onJobSpend?.(this.jobSpentUsd);
  }

  /** Dollars billed for `usage`, or undefined when the run does not price it. */
  actual(usage: TokenUsage): number | undefined {
    return this.#options.actualUsd(usage);
  }

  /** Limit of the key's daily spend, if any. */
  get dailyCostLimitUsd(): number | undefined {
    return this.#options.dailyCostLimitUsd;
  }

  /** The stop at `--max-cost`. */
  jobStopError(reserve: number): QuotaStopError {
    const cap = this.#options.maxCostUsd ?? 0;
    return new QuotaStopError(
      `Cost limit reached: this job has spent ${formatUsd(this.jobSpentUsd)} of --max-cost ${formatUsd(cap)}, and the next ` +
        `request may cost up to ${formatUsd(reserve)}. Stopped before exceeding it. To continue, run again with --resume and a higher --max-cost.`,
      'max_cost',
    );
  }

  /** The stop at `--daily-cost-limit`. */
  dailyStopError(ledger: QuotaLedger, reserve: number, now: number): QuotaStopError {
    const cap = this.#options.dailyCostLimitUsd ?? 0;
    const next = nextUtcMidnight(now);
    return new QuotaStopError(
      `Daily cost limit reached: the API key has spent ${formatUsd(ledger.spentTodayUsd)} of --daily-cost-limit ${formatUsd(cap)} ` +
        `today (UTC ${ledger.day}), and the next request may cost up to ${formatUsd(reserve)}. Stopped before exceeding it. ` +
        `Run again with --resume after ${new Date(next).toISOString()} (the next UTC day, in ${formatWait(next - now)}) to continue.`,
      'daily_cost_limit',
    );
  }
}
