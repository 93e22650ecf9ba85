/**
 * Collects records from a running pipeline and writes them in batches: a batch leaves when it is
 * full or when its oldest record has waited `maxDelayMs`. One batch is in flight at a time, so
 * records for the same artist reach the database in the order they were enqueued.
 */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { DbStatus, OutputRecord } from '../core/types.js';
import type { BioStore, StoreLog } from './types.js';

/** Options of {@link createDbWriter}. */
export interface DbWriterOptions {
  /** Records per batch; a full batch is written at once. @default 100 */
  maxBatch?: number;
  /** Longest time a record waits for its batch to fill. @default 200 */
  maxDelayMs?: number;
  /**
   * Told the outcome of every record, in enqueue order within a batch. May return a promise;
   * the writer waits for it before the next batch. A throwing callback is logged, not propagated.
   */
  onResult: (record: OutputRecord, status: DbStatus) => void | Promise<void>;
  /** Time source for the batching delay. @default systemClock */
  clock?: Clock;
  /** Diagnostics sink. @default discards messages */
  log?: StoreLog;
}

/** A batching front of a {@link BioStore}. */
export interface DbWriter {
  /** Queues one record. @throws TypeError after `close()` */
  enqueue(record: OutputRecord): void;
  /** Writes everything queued so far and resolves when all those results were reported. */
  flush(): Promise<void>;
  /** Flushes, then refuses further records. Does not close the store. Idempotent. */
  close(): Promise<void>;
  /** Records queued or being written. */
  readonly pending: number;
}

/** Creates a {@link DbWriter} over `store`. */
export function createDbWriter(store: BioStore, options: DbWriterOptions): DbWriter {
  const maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 100));
  const maxDelayMs = Math.max(0, options.maxDelayMs ?? 200);
  const clock = options.clock ?? systemClock;
  const log: StoreLog = options.log ?? (() => undefined);

  let queue: OutputRecord[] = [];
  let inFlight = 0;
  let closed = false;
  // Serialises batches; always settles (write() never rejects, callbacks are guarded).
  let chain: Promise<void> = Promise.resolve();
  let timer: AbortController | undefined;

  const cancelTimer = (): void => {
    timer?.abort();
    timer = undefined;
  };

  const report = async (record: OutputRecord, status: DbStatus): Promise<void> => {
    try {
      await options.onResult(record, status);
    } catch (error) {
      log('error', `DbWriter onResult callback failed for artist ${record.artist_id}: ${String(error)}`);
    }
  };

  const writeBatch = async (batch: OutputRecord[]): Promise<void> => {
    let statuses: DbStatus[];
    try {
      statuses = await store.write(batch);
    } catch (error) {
      // A store that breaks its never-reject contract must not lose the records' outcome.
      log('error', `Database write failed unexpectedly: ${String(error)}`);
      statuses = batch.map(() => 'error');
    }
    for (const [i, record] of batch.entries()) await report(record, statuses[i] ?? 'error');
    inFlight -= batch.length;
  };

  /** Moves the queue into the chain as one or more batches. */
  const dispatch = (): Promise<void> => {
    cancelTimer();
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      inFlight += batch.length;
      chain = chain.then(() => writeBatch(batch));
    }
    return chain;
  };

  const armTimer = (): void => {
    if (timer !== undefined) return;
    const controller = new AbortController();
    timer = controller;
    clock.sleep(maxDelayMs, controller.signal).then(
      () => {
        if (timer === controller) void dispatch();
      },
      () => undefined, // cancelled because the batch left earlier
    );
  };

  return {
    enqueue(record) {
      if (closed) throw new TypeError(`DbWriter is closed; cannot enqueue artist ${record.artist_id}`);
      queue.push(record);
      if (queue.length >= maxBatch) void dispatch();
      else armTimer();
    },
    flush() {
      return dispatch();
    },
    async close() {
      closed = true;
      await dispatch();
    },
    get pending() {
      return queue.length + inFlight;
    },
  };
}
