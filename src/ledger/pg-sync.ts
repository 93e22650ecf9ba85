/**
 * A blocking PostgreSQL client for the key ledger (docs/ledger.md#postgresql). The gate checks
 * and reserves in one synchronous step (src/quota/ledger-types.ts), so the ledger's queries
 * must answer synchronously too: a worker thread owns a `pg` connection and the calling thread
 * waits on a shared counter (`Atomics.wait`) until the worker has posted the answer.
 */
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** Options of {@link SyncPgClient}. */
export interface SyncPgOptions {
  /** `postgres://…` URL; stays inside this process (the worker's memory), never printed. */
  url: string;
  /** Longest wait for one query, connecting included. @default 10000 */
  timeoutMs?: number;
}

/** A query failed, or no answer came in time. `code` is PostgreSQL's SQLSTATE when there is one. */
export class SyncPgError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'SyncPgError';
    this.code = code;
  }
}

interface Answer {
  id: number;
  ok: boolean;
  rows?: Record<string, unknown>[];
  message?: string;
  code?: string;
}

// Plain JavaScript run with `eval`: no loader is needed in the worker, from src/ or dist/ alike.
// A failed query drops the connection (it may be inside an aborted transaction); the next query
// connects again.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
const { port, flag, url, timeoutMs } = workerData;
let client;
async function connected() {
  if (client) return client;
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs,
    application_name: 'artist-bio-gen ledger' });
  c.on('error', () => { if (client === c) client = undefined; });
  await c.connect();
  client = c;
  return c;
}
port.on('message', async (msg) => {
  let answer;
  try {
    const c = await connected();
    const result = await c.query(msg.text, msg.values);
    const rows = Array.isArray(result) ? result[result.length - 1].rows : result.rows;
    answer = { id: msg.id, ok: true, rows };
  } catch (error) {
    const c = client;
    client = undefined;
    if (c) c.end().catch(() => undefined);
    answer = { id: msg.id, ok: false, message: String(error && error.message || error), code: error && error.code };
  }
  port.postMessage(answer);
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

/**
 * A PostgreSQL connection whose {@link query} blocks until the answer is there. One query at a
 * time; each statement commits on its own unless the text itself holds a transaction.
 */
export class SyncPgClient {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flag: Int32Array;
  readonly #timeoutMs: number;
  #nextId = 1;
  #closed = false;

  constructor(options: SyncPgOptions) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const pgPath = createRequire(import.meta.url).resolve('pg');
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { port: port2, flag: this.#flag, url: options.url, timeoutMs: this.#timeoutMs, pgPath },
      transferList: [port2],
    });
    // The worker never keeps the process alive, and its failure surfaces as a timed-out query.
    this.#worker.unref();
    this.#port.unref();
    this.#worker.on('error', () => undefined);
  }

  /**
   * Runs `text` with `values` and returns the rows (of the last statement when `text` holds
   * several; several statements only work without `values`).
   *
   * @throws SyncPgError when the query fails or no answer comes within the timeout
   */
  query<Row = Record<string, unknown>>(text: string, values: readonly unknown[] = []): Row[] {
    if (this.#closed) throw new SyncPgError('The ledger connection is closed');
    const id = this.#nextId++;
    const deadline = performance.now() + this.#timeoutMs + 1000;
    this.#port.postMessage({ id, text, values });
    for (;;) {
      const seen = Atomics.load(this.#flag, 0);
      let received = receiveMessageOnPort(this.#port);
      while (received !== undefined) {
        const answer = received.message as Answer;
        // Answers to queries that timed out earlier are dropped here.
        if (answer.id === id) {
          if (answer.ok) return (answer.rows ?? []) as Row[];
          throw new SyncPgError(answer.message ?? 'query failed', answer.code);
        }
        received = receiveMessageOnPort(this.#port);
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new SyncPgError(`no answer within ${Math.round(this.#timeoutMs / 1000)} s`);
      Atomics.wait(this.#flag, 0, seen, left);
    }
  }

  /** Ends the connection and the worker. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#port.close();
    await this.#worker.terminate();
  }
}
