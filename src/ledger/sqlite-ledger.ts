import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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

/** `PRAGMA application_id` of a key ledger ('ABGL'): tells our file from any other SQLite file. */
export const LEDGER_APPLICATION_ID = 0x4142474c;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS key_ledger (
  scope TEXT PRIMARY KEY,
  origin TEXT NOT NULL,
  key_fingerprint TEXT NOT NULL,
  day TEXT NOT NULL,
  requests INTEGER NOT NULL,
  spent_usd REAL NOT NULL,
  threshold_pause_day TEXT,
  pause_reason TEXT,
  pause_since INTEGER,
  pause_until INTEGER,
  window_requests REAL,
  window_tokens REAL,
  window_observed_at INTEGER,
  reset_day TEXT,
  updated_at INTEGER NOT NULL
)`;

/** One scope's row. */
export interface LedgerRow {
  scope: string;
  origin: string;
  key_fingerprint: string;
  day: string;
  requests: number;
  spent_usd: number;
  threshold_pause_day: string | null;
  pause_reason: string | null;
  pause_since: number | null;
  pause_until: number | null;
  window_requests: number | null;
  window_tokens: number | null;
  window_observed_at: number | null;
  /** UTC day of the last deliberate `quota reset`: that day's count is what the user said. */
  reset_day: string | null;
  updated_at: number;
}

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

function damaged(path: string, problem: string, cause?: unknown): LedgerDamagedError {
  return new LedgerDamagedError(
    `The key ledger ${path} ${problem}. It holds today's request count and spend of your API key; starting from 0 ` +
      `could exceed your daily limit, so nothing was sent. Restore the file, or reset it deliberately with ` +
      `\`artist-bio-gen quota reset --yes\` (or move it away) if you know today's budget is untouched.`,
    cause === undefined ? undefined : { cause },
  );
}

// A new ledger appears complete or not at all: built under a temporary name, then linked into
// place (link fails if another process got there first, and then its file is used). So no
// process ever sees a half-made ledger, and a 0-byte file can only mean damage.
function createLedgerFile(path: string): void {
  const temp = `${path}.${randomUUID()}.tmp`;
  const db = new Database(temp);
  try {
    db.pragma(`application_id = ${LEDGER_APPLICATION_ID}`);
    db.exec(SCHEMA);
  } finally {
    db.close();
  }
  try {
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
}

/**
 * Opens (creating when needed) the SQLite file at `path` as a key ledger and checks that it is
 * one. A 0-byte file counts as damaged (SQLite would silently treat it as a new database).
 *
 * @throws LedgerDamagedError when the file is not a usable key ledger
 */
export function openLedgerDatabase(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  if (!existsSync(path)) createLedgerFile(path);
  if (statSync(path).size === 0) throw damaged(path, 'is empty (0 bytes)');
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    db.pragma('busy_timeout = 10000');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    const appId = db.pragma('application_id', { simple: true }) as number;
    if (appId !== LEDGER_APPLICATION_ID || !tables.includes('key_ledger')) {
      throw damaged(path, 'is a SQLite database of something else (not an artist-bio-gen key ledger)');
    }
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a crash of the process without an fsync each (FULL
    // costs ~10 ms of blocked event loop per request). Against a power cut, each job's fsync'd
    // JSON copy of the count is reconciled at open (`SqliteLedger.open`): never an under-count.
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    db.prepare('SELECT count(*) FROM key_ledger').get();
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof LedgerDamagedError) throw error;
    throw damaged(path, `cannot be read as a SQLite database (${(error as Error).message})`, error);
  }
}

/**
 * The key ledger in SQLite (docs/ledger.md): one row per scope (provider origin + key
 * fingerprint) in a file shared by every process of the user. Each read goes to the database,
 * each change is one IMMEDIATE transaction in WAL mode, so concurrent processes on one machine
 * see one count and `claim` is atomic across them.
 */
export class SqliteLedger implements QuotaLedger {
  readonly #db: Database.Database;
  readonly #scope: LedgerScope;
  readonly #clock: Clock;
  readonly #path: string;
  readonly #mirror: QuotaStateStore | undefined;
  readonly #select: Database.Statement<[string], LedgerRow>;
  readonly #claimTx: (request: ClaimRequest) => ClaimResult;

  private constructor(db: Database.Database, path: string, scope: LedgerScope, clock: Clock, mirrorPath?: string) {
    this.#db = db;
    this.#path = path;
    this.#scope = scope;
    this.#clock = clock;
    this.#select = db.prepare<[string], LedgerRow>('SELECT * FROM key_ledger WHERE scope = ?');
    const claim = db.transaction((request: ClaimRequest): ClaimResult => {
      const row = this.#row();
      if (request.requestLimit !== undefined && row.requests >= request.requestLimit) {
        return { ok: false, limit: 'requests' };
      }
      if (request.costLimitUsd !== undefined && row.spent_usd + request.reserveUsd > request.costLimitUsd + 1e-12) {
        return { ok: false, limit: 'cost' };
      }
      this.#update('requests = requests + 1, spent_usd = spent_usd + ?', [request.reserveUsd]);
      return { ok: true, used: row.requests + 1 };
    });
    this.#claimTx = (request) => claim.immediate(request);
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
    this.#db
      .prepare(
        `UPDATE key_ledger SET requests = max(requests, ?), spent_usd = max(spent_usd, ?), updated_at = ?
         WHERE scope = ? AND day = ?`,
      )
      .run(requestsToday, spentUsd, this.#clock.now(), this.#scope.id, day);
  }

  #insert(known: KnownUsage): void {
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

  #row(): LedgerRow {
    const row = this.#select.get(this.#scope.id);
    if (row) return row;
    // Removed under us (e.g. `quota reset` by another process): start a fresh row.
    this.#insert({ requests: 0, spentUsd: 0 });
    const fresh = this.#select.get(this.#scope.id);
    if (!fresh) throw new Error(`The key ledger ${this.#path} lost the row of ${this.#scope.id}`);
    return fresh;
  }

  #update(set: string, values: (string | number | null)[]): void {
    this.#db
      .prepare(`UPDATE key_ledger SET ${set}, updated_at = ? WHERE scope = ?`)
      .run(...values, this.#clock.now(), this.#scope.id);
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
    const changed = this.#db
      .prepare('UPDATE key_ledger SET day = ?, requests = 0, spent_usd = 0, updated_at = ? WHERE scope = ? AND day < ?')
      .run(today, now, this.#scope.id, today);
    return changed.changes > 0;
  }

  claim(request: ClaimRequest): ClaimResult {
    return this.#claimTx(request);
  }

  unclaim(reservedUsd: number, day: string): void {
    this.#db
      .prepare(
        `UPDATE key_ledger SET requests = max(0, requests - 1), spent_usd = max(0, spent_usd - ?), updated_at = ?
         WHERE scope = ? AND day = ?`,
      )
      .run(reservedUsd, this.#clock.now(), this.#scope.id, day);
  }

  addSpend(deltaUsd: number, day: string): void {
    this.#db
      .prepare('UPDATE key_ledger SET spent_usd = max(0, spent_usd + ?), updated_at = ? WHERE scope = ? AND day = ?')
      .run(deltaUsd, this.#clock.now(), this.#scope.id, day);
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
    const old = this.windows;
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

/**
 * Deliberately sets today's count and spend of `scope` to 0 (`quota reset --yes`): the day's
 * pause is cleared and the job files' copies are no longer used to raise the count today.
 * Returns false when the ledger has no row for the scope.
 */
export function resetScope(db: Database.Database, scopeId: string, now: number): boolean {
  const day = utcDayKey(now);
  const result = db
    .prepare(
      `UPDATE key_ledger SET day = ?, requests = 0, spent_usd = 0, threshold_pause_day = NULL, pause_reason = NULL,
         pause_since = NULL, pause_until = NULL, reset_day = ?, updated_at = ? WHERE scope = ?`,
    )
    .run(day, day, now, scopeId);
  return result.changes > 0;
}

/** Every scope's row, for `quota show`. */
export function ledgerRows(db: Database.Database): LedgerRow[] {
  return db.prepare<[], LedgerRow>('SELECT * FROM key_ledger ORDER BY scope').all();
}
