import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { roundUsd } from '../cost/cost.js';
import type { ClaimRequest, ClaimResult, QuotaLedger } from '../quota/ledger-types.js';
import {
  formatQuotaState,
  loadQuotaState,
  QuotaStateStore,
  type PauseState,
  type QuotaState,
  type WindowLimits,
} from '../quota/state-store.js';
import { utcDayKey } from '../quota/utc-day.js';
import { redactDbUrl } from '../store/redact.js';
import type { KnownUsage } from './lower-bound.js';
import { openPgLedgerDatabase, PG_COLUMNS, PG_LEDGER_TABLE, PG_PEERS_TABLE, unavailable } from './pg-schema.js';
import type { SyncPgClient } from './pg-sync.js';
import type { LedgerScope } from './scope.js';
import type { LedgerRow } from './sqlite-schema.js';

/** Options of {@link PostgresLedger.open}. */
export interface PostgresLedgerOptions {
  /** What the job's own files prove was used today; seeds a scope the ledger has no row for. */
  knownToday?: () => Promise<KnownUsage>;
  /** A JSON copy of the scope's state written on each persist (the job's `<output>.state.json`). */
  mirrorPath?: string;
  /** Receives warnings. */
  log?: (level: 'info' | 'warn', message: string) => void;
  /** Longest wait for one ledger query. @default 10000 */
  timeoutMs?: number;
}

const T = PG_LEDGER_TABLE;
/** How often a process refreshes its peer row and counts the others. */
const PEERS_EVERY_MS = 5000;
/** A process not seen for this long has stopped (or paused) and no longer takes a share. */
const PEER_GONE_MS = 60_000;

/**
 * The key ledger in PostgreSQL (`--ledger-url`, docs/ledger.md#postgresql): the same row per
 * scope as the SQLite ledger, shared by every process on every machine that uses the database.
 * A reservation is one conditional `UPDATE … RETURNING` (the row lock makes it atomic), so N
 * processes together never pass the daily request or cost limit. Reads within one turn of the
 * event loop share one query; every change goes to the database at once.
 */
export class PostgresLedger implements QuotaLedger {
  readonly #client: SyncPgClient;
  readonly #url: string;
  readonly #scope: LedgerScope;
  readonly #clock: Clock;
  readonly #mirror: QuotaStateStore | undefined;
  #cached: LedgerRow | undefined;
  #last: LedgerRow | undefined;
  readonly #peer = randomUUID();
  #peers = 1;
  #peersAt = Number.NEGATIVE_INFINITY;
  #readFailed = false;

  private constructor(client: SyncPgClient, url: string, scope: LedgerScope, clock: Clock, mirrorPath?: string) {
    this.#client = client;
    this.#url = url;
    this.#scope = scope;
    this.#clock = clock;
    this.#mirror =
      mirrorPath === undefined
        ? undefined
        : new QuotaStateStore(mirrorPath, () => formatQuotaState(this.#snapshot(), this.#clock.now()));
  }

  /**
   * Connects to the ledger database at `url` (creating the table on first use) and opens the
   * row of `scope`. A scope without a row starts from what the job's files prove was used today.
   *
   * @throws LedgerUnavailableError when the database cannot be reached (exit 3)
   * @throws LedgerDamagedError when the table is not a key ledger (exit 3)
   */
  static async open(
    url: string,
    scope: LedgerScope,
    clock: Clock,
    options: PostgresLedgerOptions = {},
  ): Promise<PostgresLedger> {
    const client = openPgLedgerDatabase(url, options.timeoutMs);
    const ledger = new PostgresLedger(client, url, scope, clock, options.mirrorPath);
    try {
      if (ledger.#select() === undefined) {
        const known = options.knownToday ? await options.knownToday() : { requests: 0, spentUsd: 0 };
        ledger.#insert(known);
        if (known.requests > 0) {
          options.log?.(
            'warn',
            `The key ledger at ${redactDbUrl(url)} had no record of this API key; counting the ${known.requests} requests this job's files show for today`,
          );
        }
      }
      if (options.mirrorPath !== undefined) await ledger.#reconcile(options.mirrorPath);
    } catch (error) {
      await client.close();
      throw error;
    }
    return ledger;
  }

  // As in the SQLite ledger: the job's JSON copy may count more for today than the database
  // (e.g. the ledger URL changed); the database then takes the larger count.
  async #reconcile(mirrorPath: string): Promise<void> {
    const mirror = await loadQuotaState(mirrorPath);
    if (mirror.kind !== 'loaded') return;
    const { day, requestsToday, spentUsd } = mirror.state;
    this.rollover(this.#clock.now());
    if (this.#row().reset_day === day) return;
    this.#write(
      `UPDATE ${T} SET requests = greatest(requests, $3), spent_usd = greatest(spent_usd, $4), updated_at = $5
       WHERE scope = $1 AND day = $2 RETURNING ${PG_COLUMNS}`,
      [this.#scope.id, day, requestsToday, spentUsd, this.#clock.now()],
      'count the request',
    );
  }

  #query(text: string, values: readonly unknown[], doing: string): LedgerRow[] {
    try {
      return this.#client.query<LedgerRow>(text, values);
    } catch (error) {
      throw unavailable(this.#url, error, doing);
    }
  }

  #select(): LedgerRow | undefined {
    const [row] = this.#query(`SELECT ${PG_COLUMNS} FROM ${T} WHERE scope = $1`, [this.#scope.id], 'be read');
    this.#remember(row);
    return row;
  }

  // Reads in one synchronous turn share one query; the next turn reads the database again.
  #remember(row: LedgerRow | undefined): void {
    if (row === undefined) return;
    if (this.#cached === undefined) setImmediate(() => (this.#cached = undefined)).unref();
    this.#cached = row;
    this.#last = row;
  }

  #write(text: string, values: readonly unknown[], doing: string): LedgerRow | undefined {
    const [row] = this.#query(text, values, doing);
    this.#remember(row);
    return row;
  }

  #insert(known: KnownUsage): void {
    const now = this.#clock.now();
    this.#query(
      `INSERT INTO ${T} (scope, origin, key_fingerprint, day, requests, spent_usd, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (scope) DO UPDATE SET requests = greatest(${T}.requests, excluded.requests),
         spent_usd = greatest(${T}.spent_usd, excluded.spent_usd)
       WHERE ${T}.day = excluded.day`,
      [
        this.#scope.id,
        this.#scope.origin,
        this.#scope.keyFingerprint,
        utcDayKey(now),
        known.requests,
        roundUsd(known.spentUsd),
        now,
      ],
      'record this API key',
    );
    this.#cached = undefined;
  }

  // A failed read falls back to the last row seen: reads only steer pauses and messages, while
  // every reservation (claim) goes to the database and fails loudly.
  #row(): LedgerRow {
    if (this.#cached) return this.#cached;
    // Once a read has failed, reads no longer wait on the database: only a claim tries again.
    if (this.#readFailed && this.#last) return this.#last;
    let row: LedgerRow | undefined;
    try {
      row = this.#select();
      if (row === undefined) {
        // Removed under us: start a fresh row.
        this.#insert({ requests: 0, spentUsd: 0 });
        row = this.#select();
      }
    } catch (error) {
      this.#readFailed = true;
      if (this.#last) return this.#last;
      throw error;
    }
    if (!row) throw unavailable(this.#url, new Error(`the row of ${this.#scope.id} is missing`), 'be read');
    return row;
  }

  #update(set: string, values: readonly unknown[], doing: string): void {
    try {
      this.#write(
        `UPDATE ${T} SET ${set}, updated_at = $2 WHERE scope = $1 RETURNING ${PG_COLUMNS}`,
        [this.#scope.id, this.#clock.now(), ...values],
        doing,
      );
    } catch {
      // Pause and window bookkeeping are advisory: a lost write never lets the count pass a limit.
      this.#cached = undefined;
    }
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
    return redactDbUrl(this.#url);
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
    const row = this.#write(
      `UPDATE ${T} SET day = $2, requests = 0, spent_usd = 0, updated_at = $3
       WHERE scope = $1 AND day < $2 RETURNING ${PG_COLUMNS}`,
      [this.#scope.id, today, now],
      'start the new day',
    );
    this.#cached = undefined;
    return row !== undefined;
  }

  claim(request: ClaimRequest): ClaimResult {
    const row = this.#write(
      `UPDATE ${T} SET requests = requests + 1, spent_usd = spent_usd + $2, updated_at = $3
       WHERE scope = $1 AND ($4::integer IS NULL OR requests < $4)
         AND ($5::float8 IS NULL OR spent_usd + $2 <= $5 + 1e-12)
       RETURNING ${PG_COLUMNS}`,
      [
        this.#scope.id,
        request.reserveUsd,
        this.#clock.now(),
        request.requestLimit ?? null,
        request.costLimitUsd ?? null,
      ],
      'count the request',
    );
    if (row) {
      this.#readFailed = false;
      return { ok: true, used: row.requests };
    }
    this.#cached = undefined;
    const now = this.#row();
    if (request.requestLimit !== undefined && now.requests >= request.requestLimit)
      return { ok: false, limit: 'requests' };
    return { ok: false, limit: 'cost' };
  }

  unclaim(reservedUsd: number, day: string): void {
    // A lost give-back over-counts, which is allowed; an under-count never is.
    try {
      this.#write(
        `UPDATE ${T} SET requests = greatest(0, requests - 1), spent_usd = greatest(0, spent_usd - $3), updated_at = $4
         WHERE scope = $1 AND day = $2 RETURNING ${PG_COLUMNS}`,
        [this.#scope.id, day, reservedUsd, this.#clock.now()],
        'give back a request',
      );
    } catch {
      this.#cached = undefined;
    }
  }

  addSpend(deltaUsd: number, day: string): void {
    try {
      this.#write(
        `UPDATE ${T} SET spent_usd = greatest(0, spent_usd + $3), updated_at = $4
         WHERE scope = $1 AND day = $2 RETURNING ${PG_COLUMNS}`,
        [this.#scope.id, day, deltaUsd, this.#clock.now()],
        'settle the spend',
      );
    } catch {
      this.#cached = undefined;
    }
  }

  setPause(pause: PauseState | undefined): void {
    this.#update(
      'pause_reason = $3, pause_since = $4, pause_until = $5',
      [pause?.reason ?? null, pause?.since ?? null, pause?.until ?? null],
      'save the pause',
    );
  }

  markThresholdPause(day: string): void {
    this.#update('threshold_pause_day = $3', [day], 'save the threshold pause');
  }

  setWindows(limits: WindowLimits): boolean {
    const old = this.windows;
    if (old && old.requestsLimit === limits.requestsLimit && old.tokensLimit === limits.tokensLimit) return false;
    this.#update(
      'window_requests = $3, window_tokens = $4, window_observed_at = $5',
      [limits.requestsLimit ?? null, limits.tokensLimit ?? null, limits.observedAt],
      'save the provider limits',
    );
    return true;
  }

  /**
   * Processes that sent on this scope within the last minute, this one included: refreshes
   * this process's row and counts the rows, at most every 5 s. On error, the last count.
   */
  peers(now: number): number {
    if (now - this.#peersAt < PEERS_EVERY_MS) return this.#peers;
    this.#peersAt = now;
    try {
      const [row] = this.#client.query<{ peers: number }>(
        `WITH seen AS (
           INSERT INTO ${PG_PEERS_TABLE} (scope, peer, seen_at) VALUES ($1, $2, $3)
           ON CONFLICT (scope, peer) DO UPDATE SET seen_at = excluded.seen_at
         )
         SELECT 1 + count(*)::int AS peers FROM ${PG_PEERS_TABLE} WHERE scope = $1 AND peer <> $2 AND seen_at > $4`,
        [this.#scope.id, this.#peer, now, now - PEER_GONE_MS],
      );
      this.#peers = row?.peers ?? 1;
    } catch {
      // Keep the last count: pacing is advisory, the daily limits are enforced by claim.
    }
    return this.#peers;
  }

  persist(): Promise<void> {
    // Every change is committed already; only the job's JSON copy remains to be written.
    return this.#mirror ? this.#mirror.save() : Promise.resolve();
  }

  async close(): Promise<void> {
    try {
      this.#client.query(`DELETE FROM ${PG_PEERS_TABLE} WHERE scope = $1 AND peer = $2`, [this.#scope.id, this.#peer]);
    } catch {
      // A stale row only slows the others down until it is a minute old.
    }
    await this.#client.close();
  }
}
