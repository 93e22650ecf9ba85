/**
 * Dollar limits of a batch job (docs/batch.md#cost-limits): before a part is submitted, the worst
 * case of every request in it, at batch prices, is reserved against the job's `--max-cost` and
 * the key's `--daily-cost-limit`; when its batch ends, the reservation settles with the real
 * usage of the answers, so failed and missing requests give their share back.
 */
import type { Clock } from '../core/clock.js';
import { formatUsd, roundUsd } from '../cost/index.js';
import { QuotaStopError } from '../core/errors.js';
import { formatWait, nextUtcMidnight, type QuotaLedger, type SpendGuard, type SpendHold } from '../quota/index.js';

/** What the reservations of a batch job count against. */
export interface BatchSpendDeps {
  /** Job cap (`--max-cost`) and daily cap bookkeeping, shared with standard runs' rules. */
  guard: SpendGuard;
  /** The key ledger holding today's spend. */
  ledger: QuotaLedger;
  clock: Clock;
  /** Worst case of one request at batch prices; 0 when the run's model has no price. */
  requestWorstUsd: () => number;
  /** The job cap (`--max-cost`), for messages; undefined = none. */
  maxCostUsd: number | undefined;
}

/** Answer of {@link BatchSpend.reserve}. */
export type ReserveResult =
  | { kind: 'held'; hold: SpendHold }
  /** Not now: a batch in flight holds dollars that may come back when it ends. */
  | { kind: 'wait' }
  /** Never in this run: nothing in flight can make room. */
  | { kind: 'stop'; error: QuotaStopError };

/** Reservations of the parts of one batch job. */
export class BatchSpend {
  readonly #deps: BatchSpendDeps;

  constructor(deps: BatchSpendDeps) {
    this.#deps = deps;
  }

  /** Worst case of `requests` requests at batch prices. */
  worstCase(requests: number): number {
    return roundUsd(requests * this.#deps.requestWorstUsd());
  }

  /**
   * Reserves `usd` for a part about to be submitted, in the job and in the key ledger. The
   * ledger's request count is left alone: batch requests have their own queue limits and are
   * not gated by the daily request limit.
   */
  reserve(usd: number, requests: number): ReserveResult {
    const { guard, ledger, clock } = this.#deps;
    const job = guard.checkJob(usd);
    if (job === 'wait') return { kind: 'wait' };
    if (job === 'stop') return { kind: 'stop', error: this.#jobStop(usd, requests) };
    const now = clock.now();
    ledger.rollover(now);
    const claimed = ledger.claim({ requestLimit: undefined, reserveUsd: usd, costLimitUsd: guard.dailyCostLimitUsd });
    if (!claimed.ok) {
      if (guard.dailyFull() === 'wait') return { kind: 'wait' };
      return { kind: 'stop', error: this.#dailyStop(usd, requests, now) };
    }
    // `claim` counts one request with the dollars; a batch part is not a request of the daily count.
    ledger.unclaim(0, ledger.day);
    this.#persist();
    return { kind: 'held', hold: guard.hold(usd, ledger.day) };
  }

  /**
   * Takes over a reservation an earlier run made for a part still on its way (it is in the
   * ledger already), so the job cap counts it until its batch is collected.
   */
  adopt(usd: number, day: string): SpendHold {
    return this.#deps.guard.hold(usd, day);
  }

  /** Settles a part's reservation with what its answers cost (0 for requests that failed or never ran). */
  settle(hold: SpendHold, billedUsd: number): void {
    this.#deps.guard.settle(hold, this.#deps.ledger, billedUsd);
    this.#persist();
  }

  /** Dollars of the job so far: spent by every run plus what is reserved. */
  get jobSpentUsd(): number {
    return this.#deps.guard.jobSpentUsd;
  }

  #jobStop(usd: number, requests: number): QuotaStopError {
    const cap = formatUsd(this.#deps.maxCostUsd ?? 0);
    return new QuotaStopError(
      `Cost limit reached: this job has spent ${formatUsd(this.jobSpentUsd)} of --max-cost ${cap}, and the next batch ` +
        `(${requests} requests) may cost up to ${formatUsd(usd)} at batch prices. Stopped submitting before exceeding it; ` +
        'the batches not submitted are kept in the job state. To continue, run again with --resume and a higher ' +
        '--max-cost (or a lower --batch-max-requests for smaller batches).',
      'max_cost',
    );
  }

  #dailyStop(usd: number, requests: number, now: number): QuotaStopError {
    const { ledger, guard } = this.#deps;
    const next = nextUtcMidnight(now);
    return new QuotaStopError(
      `Daily cost limit reached: the API key has spent ${formatUsd(ledger.spentTodayUsd)} of --daily-cost-limit ` +
        `${formatUsd(guard.dailyCostLimitUsd ?? 0)} today (UTC ${ledger.day}), and the next batch (${requests} requests) ` +
        `may cost up to ${formatUsd(usd)} at batch prices. Stopped submitting before exceeding it. Run again with ` +
        `--resume after ${new Date(next).toISOString()} (the next UTC day, in ${formatWait(next - now)}) to continue.`,
      'daily_cost_limit',
    );
  }

  #persist(): void {
    // The SQLite ledger writes at once; a JSON ledger is saved again when the run closes it.
    this.#deps.ledger.persist().catch(() => undefined);
  }
}
