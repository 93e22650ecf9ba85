import { renameSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import { roundUsd } from '../cost/cost.js';
import type { ClaimRequest, ClaimResult, QuotaLedger } from '../quota/ledger-types.js';
import { LedgerDamagedError } from '../quota/ledger-types.js';
import {
  formatQuotaState,
  loadQuotaState,
  QuotaStateStore,
  type PauseState,
  type QuotaState,
  type WindowLimits,
} from '../quota/state-store.js';
import { utcDayKey } from '../quota/utc-day.js';
import type { KnownUsage } from './lower-bound.js';
import type { LedgerScope } from './scope.js';
import { openLedgerDatabase, type LedgerRow } from './sqlite-schema.js';

/** Options of {@link SqliteLedger.open}. */
export interface SqliteLedgerOptions {
  /** Refuse a damaged file (a daily limit is set) instead of moving it aside. @default false */
  refuseDamaged?: boolean;
  /** What the job's own files prove was used today; seeds a scope the ledger has no row for. */
  knownToday?: () => Promise<KnownUsage>;
  /** A JSON copy of the scope's state written on each persist (the job's `<output>.state.json`). */
  mirrorPath?: string;
  /** Receives warnings. */
  log?: (level: 'info' | 'warn', message: string) => void;
}

// Bumped by every write of any ledger in this process, so a row cached by one ledger never hides
// a write another ledger on the same file made in the same tick.
let writesInProcess = 0;

/**
 * The key ledger in SQLite (docs/ledger.md): one row per scope (provider origin + key
 * fingerprint) in a file shared by every process of the user. Reads go to the database (once
 * per synchronous stretch), each change is one IMMEDIATE transaction in WAL mode, so concurrent
 * processes on one machine see one count and `claim` is atomic across them.
 */
export class SqliteLedger implements QuotaLedger {
  readonly #db: Database.Database;
  readonly #scope: LedgerScope;
  readonly #clock: Clock;
  readonly #path: string;
  readonly #mirror: QuotaStateStore | undefined;
  readonly #select: Database.Statement<[string], LedgerRow>;
  readonly #claimTx: (request: ClaimRequest) => ClaimResult;
  // Statements are compiled once and kept: claim, addSpend and the setters run once per request,
  // and compiling the SQL each time cost as much as running it (BENCHMARKS.md scenario 2).
  readonly #statements = new Map<string, Database.Statement>();
  // The window limits this process last saw in the row or wrote, so an answer whose headers
  // repeat them costs no read at all.
  #lastWindows: { requestsLimit: number | undefined; tokensLimit: number | undefined } | undefined;
  // The row as read in this tick: one admission check reads the day, the count, the pause and the
  // threshold day, and each read was a SELECT. Reads in one synchronous stretch were never
  // atomic together, so sharing one is no weaker; any write, or the next microtask, drops it.
  // `claim` reads afresh inside its transaction.
  #cached: { row: LedgerRow; writes: number } | undefined;

  private constructor(db: Database.Database, path: string, scope: LedgerScope, clock: Clock, mirrorPath?: string) {
    this.#db = db;
    this.#path = path;
    this.#scope = scope;
    this.#clock = clock;
    this.#select = db.prepare<[string], LedgerRow>('SELECT * FROM key_ledger WHERE scope = ?');
    const claim = db.transaction((request: ClaimRequest): ClaimResult => {
      const row = this.#row(true);
      if (request.requestLimit !== undefined && row.requests >= request.requestLimit) {
        return { ok: false, limit: 'requests' };
      }
      if (request.costLimitUsd !== undefined && row.spent_usd + request.reserveUsd > request.costLimitUsd + 1e-12) {
        return { ok: false, limit: 'cost' };
      }
      this.#update('requests = requests + 1, spent_usd = spent_usd + ?', [request.reserveUsd]);
      // Nobody else writes inside this transaction: the row is now known without reading it.
      const claimed = { ...row, requests: row.requests + 1, spent_usd: row.spent_usd + request.reserveUsd };
      this.#cached = { row: claimed, writes: writesInProcess };
      return { ok: true, used: claimed.requests };
    });
    this.#claimTx = (request) => {
      try {
        return claim.immediate(request);
      } catch (error) {
        // The commit failed (a full disk): the row this claim cached was never written.
        this.#cached = undefined;
        throw error;
      }
    };
    this.#mirror =
      mirrorPath === undefined
        ? undefined
        : new QuotaStateStore(mirrorPath, () => formatQuotaState(this.#snapshot(), this.#clock.now()));
  }

  /**
   * Opens the ledger of `scope` in the file at `path`. A scope the file has no row for (first
   * use, or a deleted or replaced file) starts from what the job's files prove was used today.
   *
   * @throws LedgerDamagedError when the file is damaged and `refuseDamaged` is set
   */
  static async open(
    path: string,
    scope: LedgerScope,
    clock: Clock,
    options: SqliteLedgerOptions = {},
  ): Promise<SqliteLedger> {
    let db: Database.Database;
    try {
      db = openLedgerDatabase(path);
    } catch (error) {
      if (options.refuseDamaged === true || !(error instanceof LedgerDamagedError)) throw error;
      const aside = `${path}.corrupt-${clock.now()}`;
      renameSync(path, aside);
      options.log?.('warn', `${error.message.split('.')[0]}; moved it to ${aside} and started a new key ledger`);
      db = openLedgerDatabase(path);
    }
    const ledger = new SqliteLedger(db, path, scope, clock, options.mirrorPath);
    if (ledger.#select.get(scope.id) === undefined) {
      const known = options.knownToday ? await options.knownToday() : { requests: 0, spentUsd: 0 };
      ledger.#insert(known);
      if (known.requests > 0) {
        options.log?.(
          'warn',
          `The key ledger ${path} had no record of this API key; counting the ${known.requests} requests this job's files show for today`,
        );
      }
    }
    if (options.mirrorPath !== undefined) await ledger.#reconcile(options.mirrorPath);
    return ledger;
  }

  // The job's JSON copy was fsync'd before each request left; if it counts more for today than
  // the database (commits lost to a power cut), the database takes the larger count.
  async #reconcile(mirrorPath: string): Promise<void> {
    const mirror = await loadQuotaState(mirrorPath);
    if (mirror.kind !== 'loaded') return;
    const { day, requestsToday, spentUsd } = mirror.state;
    this.rollover(this.#clock.now());
    if (this.#row().reset_day === day) return;
    writesInProcess++;
    this.#db
      .prepare(
        `UPDATE key_ledger SET requests = max(requests, ?), spent_usd = max(spent_usd, ?), updated_at = ?
         WHERE scope = ? AND day = ?`,
      )
      .run(requestsToday, spentUsd, this.#clock.now(), this.#scope.id, day);
  }

  #insert(known: KnownUsage): void {
    writesInProcess++;
    const now = this.#clock.now();
    this.#db
      .prepare(
        `INSERT INTO key_ledger (scope, origin, key_fingerprint, day, requests, spent_usd, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(scope) DO UPDATE SET requests = max(requests, excluded.requests),
           spent_usd = max(spent_usd, excluded.spent_usd)
         WHERE day = excluded.day`,
      )
      .run(
        this.#scope.id,
        this.#scope.origin,
        this.#scope.keyFingerprint,
        utcDayKey(now),
        known.requests,
        roundUsd(known.spentUsd),
        now,
      );
  }

  #row(fresh = false): LedgerRow {
    const cached = this.#cached;
    if (!fresh && cached !== undefined && cached.writes === writesInProcess) return cached.row;
    let row = this.#select.get(this.#scope.id);
    if (!row) {
      // Removed under us (e.g. `quota reset` by another process): start a fresh row.
      this.#insert({ requests: 0, spentUsd: 0 });
      row = this.#select.get(this.#scope.id);
      if (!row) throw new Error(`The key ledger ${this.#path} lost the row of ${this.#scope.id}`);
    }
    if (cached === undefined) queueMicrotask(() => (this.#cached = undefined));
    this.#cached = { row, writes: writesInProcess };
    return row;
  }

  // Every statement fetched here writes the row.
  #statement(sql: string): Database.Statement {
    writesInProcess++;
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #update(set: string, values: (string | number | null)[]): void {
    this.#statement(`UPDATE key_ledger SET ${set}, updated_at = ? WHERE scope = ?`).run(
      ...values,
      this.#clock.now(),
      this.#scope.id,
    );
  }

  #snapshot(): QuotaState {
    return {
      day: this.day,
      requestsToday: this.usedToday,
      spentUsd: this.spentTodayUsd,
      thresholdPauseDay: this.thresholdPauseDay,
      pause: this.pause,
      windows: this.windows,
    };
  }

  /** The scope this ledger counts. */
  get scope(): LedgerScope {
    return this.#scope;
  }

  get location(): string {
    return this.#path;
  }

  get day(): string {
    return this.#row().day;
  }

  get usedToday(): number {
    return this.#row().requests;
  }

  get spentTodayUsd(): number {
    return roundUsd(this.#row().spent_usd);
  }

  get thresholdPauseDay(): string | undefined {
    return this.#row().threshold_pause_day ?? undefined;
  }

  get pause(): PauseState | undefined {
    const row = this.#row();
    if (row.pause_since === null || row.pause_until === null) return undefined;
    if (row.pause_reason !== 'threshold' && row.pause_reason !== 'daily_limit') return undefined;
    return { reason: row.pause_reason, since: row.pause_since, until: row.pause_until };
  }

  get windows(): WindowLimits | undefined {
    const row = this.#row();
    if (row.window_observed_at === null) return undefined;
    return {
      requestsLimit: row.window_requests ?? undefined,
      tokensLimit: row.window_tokens ?? undefined,
      observedAt: row.window_observed_at,
    };
  }

  rollover(now: number): boolean {
    const today = utcDayKey(now);
    if (this.#row().day >= today) return false;
    const changed = this.#statement(
      'UPDATE key_ledger SET day = ?, requests = 0, spent_usd = 0, updated_at = ? WHERE scope = ? AND day < ?',
    ).run(today, now, this.#scope.id, today);
    return changed.changes > 0;
  }

  claim(request: ClaimRequest): ClaimResult {
    return this.#claimTx(request);
  }

  unclaim(reservedUsd: number, day: string): void {
    this.#statement(
      `UPDATE key_ledger SET requests = max(0, requests - 1), spent_usd = max(0, spent_usd - ?), updated_at = ?
         WHERE scope = ? AND day = ?`,
    ).run(reservedUsd, this.#clock.now(), this.#scope.id, day);
  }

  addSpend(deltaUsd: number, day: string): void {
    this.#statement(
      'UPDATE key_ledger SET spent_usd = max(0, spent_usd + ?), updated_at = ? WHERE scope = ? AND day = ?',
    ).run(deltaUsd, this.#clock.now(), this.#scope.id, day);
  }

  setPause(pause: PauseState | undefined): void {
    this.#update('pause_reason = ?, pause_since = ?, pause_until = ?', [
      pause?.reason ?? null,
      pause?.since ?? null,
      pause?.until ?? null,
    ]);
  }

  markThresholdPause(day: string): void {
    this.#update('threshold_pause_day = ?', [day]);
  }

  setWindows(limits: WindowLimits): boolean {
    const seen = this.#lastWindows;
    if (seen && seen.requestsLimit === limits.requestsLimit && seen.tokensLimit === limits.tokensLimit) return false;
    const old = this.windows;
    this.#lastWindows = { requestsLimit: limits.requestsLimit, tokensLimit: limits.tokensLimit };
    if (old && old.requestsLimit === limits.requestsLimit && old.tokensLimit === limits.tokensLimit) return false;
    this.#update('window_requests = ?, window_tokens = ?, window_observed_at = ?', [
      limits.requestsLimit ?? null,
      limits.tokensLimit ?? null,
      limits.observedAt,
    ]);
    return true;
  }

  persist(): Promise<void> {
    // The database is already durable (each change committed with synchronous=FULL); only the
    // job's JSON copy remains to be written.
    return this.#mirror ? this.#mirror.save() : Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return Promise.resolve();
  }
}
