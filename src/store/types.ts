/** Public types of the database layer (docs/architecture.md#database). */
import type { DiskFullError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { DbStatus, OutputRecord } from '../core/types.js';

/**
 * Where bios go.
 * - `store`: the tool's own `artist_bios` table, upserted by `artist_id` (created by migrations).
 * - `catalog`: an existing `artists` table (`test_artists` in test mode), `SET bio, updated_at`
 *   on rows that already exist; never created or altered by the tool.
 */
export type StoreTarget = 'store' | 'catalog';

/** How to open a {@link BioStore}. Give `url` for PostgreSQL, otherwise `sqlitePath`. */
export interface StoreOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://`). Wins over `sqlitePath`. */
  url?: string;
  /** Path of the embedded SQLite file; created in `store` mode, must exist in `catalog` mode. */
  sqlitePath?: string;
  /** Which table is written. */
  target: StoreTarget;
  /** Catalog mode writes `test_artists` instead of `artists`. */
  testMode: boolean;
  /** Maximum PostgreSQL connections; size it to the number of workers. @default 4 */
  poolSize?: number;
  /**
   * PostgreSQL schema holding the tables (both targets). Mainly for isolating test runs.
   * @default the connection's search_path (normally `public`)
   */
  schema?: string;
  /** How long a SQLite write waits for another process's lock before failing. @default 5000 */
  busyTimeoutMs?: number;
  /** How long opening a PostgreSQL connection may take. @default 10000 */
  connectTimeoutMs?: number;
}

/** Log levels the store reports with. */
export type StoreLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A sink for the store's diagnostics. Messages never contain credentials. */
export type StoreLog = (level: StoreLogLevel, message: string) => void;

/** Tuning of the retry of transient database errors. */
export interface DbRetryOptions {
  /** Tries in total, the first one included. @default 4 */
  attempts?: number;
  /** Delay before the first retry, tripled for each further one (±20 % jitter). @default 100 */
  baseDelayMs?: number;
  /** Upper bound of one delay. @default 2000 */
  maxDelayMs?: number;
}

/** Collaborators of {@link BioStore}; all optional. */
export interface StoreDeps {
  /** Diagnostics sink. @default discards messages */
  log?: StoreLog;
  /** Time source for timestamps and retry delays. @default systemClock */
  clock?: Clock;
  /** Retry tuning. */
  retry?: DbRetryOptions;
}

/** An open database that bios can be written to. */
export interface BioStore {
  /** Which engine is behind the store. */
  readonly kind: 'sqlite' | 'postgres';
  /** Which table family is written. */
  readonly target: StoreTarget;
  /** Human-readable location and table, with any password replaced by `***`. */
  describe(): string;
  /**
   * Writes the records in one transaction (multi-row statements) and returns one status per
   * record, in order: `inserted`/`updated` (store), `updated`/`skipped` (catalog, `skipped` =
   * no row with that id), or `error`. Never rejects: failures become `error` statuses after
   * transient errors have been retried. When an id appears more than once, the last record wins
   * and every occurrence gets its status.
   */
  write(records: readonly OutputRecord[]): Promise<DbStatus[]>;
  /** Closes connections. Idempotent; later writes return `error`. */
  close(): Promise<void>;
  /**
   * Why `id` cannot be written (catalog mode: it does not fit the table's id column), or
   * undefined when it can. Lets a run refuse mismatched ids before its first request.
   */
  idProblem?(id: string): string | undefined;
  /**
   * Set once a write failed because the database's disk is full: the run should stop (its bios
   * stay in the JSONL for a later re-sync) rather than fail every later write the same way.
   */
  readonly stopError?: DiskFullError | undefined;
}
