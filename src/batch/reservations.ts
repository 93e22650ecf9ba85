/**
 * The job's side of the dollar limits: which part holds which reservation, what its collected
 * answers were billed, and the stop once a part can never fit. The arithmetic and the ledgers
 * are {@link BatchSpend}'s; see docs/batch.md#cost-limits.
 */
import type { QuotaStopError } from '../core/errors.js';
import type { SpendHold } from '../quota/index.js';
import type { JobContext, PartBiller, PartReserver } from './job-context.js';
import type { BatchPart } from './job-state.js';

/** Reservations of the parts of one job, from submission until their batch is collected. */
export class PartReservations implements PartReserver, PartBiller {
  readonly #ctx: JobContext;
  /** Dollars reserved per part name, until its batch is collected. */
  readonly #holds = new Map<string, SpendHold>();
  /** Dollars billed per part name by the answers collected so far in this run. */
  readonly #billed = new Map<string, number>();
  #stopError: QuotaStopError | undefined;

  constructor(ctx: JobContext) {
    this.#ctx = ctx;
  }

  /** Set once a cost limit stopped the submissions. */
  get stopError(): QuotaStopError | undefined {
    return this.#stopError;
  }

  /** Parts reserved by an earlier run and not collected yet keep counting against the job cap. */
  adopt(): void {
    const spend = this.#ctx.deps.spend;
    if (spend === undefined) return;
    for (const part of this.#ctx.state.parts) {
      if (part.status === 'done' || part.reservedUsd === undefined || part.reservedDay === undefined) continue;
      this.#holds.set(part.name, spend.adopt(part.reservedUsd, part.reservedDay));
    }
  }

  /**
   * Reserves the part's worst case at batch prices before anything of it is sent, and saves the
   * reservation with the part. False when the part must not go now (a cost limit): wait for a
   * batch in flight to give dollars back, or stop submitting.
   */
  reserve(part: BatchPart): boolean {
    const spend = this.#ctx.deps.spend;
    if (spend === undefined || this.#holds.has(part.name)) return true;
    if (this.#stopError !== undefined) return false;
    const requests = part.customIds.filter((id) => this.#ctx.artists.has(id)).length;
    const reserved = spend.reserve(spend.worstCase(requests), requests);
    if (reserved.kind === 'wait') return false;
    if (reserved.kind === 'stop') {
      this.#stopError = reserved.error;
      return false;
    }
    this.#holds.set(part.name, reserved.hold);
    part.reservedUsd = reserved.hold.reservedUsd;
    part.reservedDay = reserved.hold.day;
    this.#ctx.save();
    return true;
  }

  /** Adds what one collected answer of the part cost. */
  bill(partName: string, usd: number): void {
    this.#billed.set(partName, (this.#billed.get(partName) ?? 0) + usd);
  }

  /** Settles a collected part's reservation with what its answers cost. */
  settle(part: BatchPart): void {
    const hold = this.#holds.get(part.name);
    if (hold !== undefined) this.#ctx.deps.spend?.settle(hold, this.#billed.get(part.name) ?? 0);
    this.#holds.delete(part.name);
    this.#billed.delete(part.name);
    delete part.reservedUsd;
    delete part.reservedDay;
  }
}
