/**
 * The key ledger's table in PostgreSQL (docs/ledger.md#postgresql): creation on first use,
 * the check that an existing table is ours, and the row access shared by the run's ledger and
 * the `quota` command.
 */
import { ConfigError } from '../core/errors.js';
import { LedgerDamagedError, LedgerUnavailableError } from '../quota/ledger-types.js';
import { utcDayKey } from '../quota/utc-day.js';
import { createSecretScrubber, redactDbUrl } from '../store/redact.js';
import { SyncPgClient, SyncPgError } from './pg-sync.js';
import type { LedgerScope } from './scope.js';
import type { LedgerRow } from './sqlite-schema.js';

/** Name of the ledger's table in the database of `--ledger-url`. */
export const PG_LEDGER_TABLE = 'artist_bio_gen_key_ledger';

/** The processes using each scope now: one row per process, refreshed while it sends. */
export const PG_PEERS_TABLE = 'artist_bio_gen_key_ledger_peers';

// The table comment marks the table as ours: a table of that name without it is someone else's.
const TABLE_COMMENT = 'artist-bio-gen key ledger v1';
// Serialises the creation between processes that start at once (CREATE TABLE IF NOT EXISTS
// alone can fail with a unique violation when two sessions race).
const CREATE_LOCK = 0x4142474c;

const CREATE = `
BEGIN;
SELECT pg_advisory_xact_lock(${CREATE_LOCK});
CREATE TABLE IF NOT EXISTS ${PG_LEDGER_TABLE} (
  scope TEXT PRIMARY KEY,
  origin TEXT NOT NULL,
  key_fingerprint TEXT NOT NULL,
  day TEXT NOT NULL,
  requests INTEGER NOT NULL,
  spent_usd DOUBLE PRECISION NOT NULL,
  threshold_pause_day TEXT,
  pause_reason TEXT,
  pause_since BIGINT,
  pause_until BIGINT,
  window_requests DOUBLE PRECISION,
  window_tokens DOUBLE PRECISION,
  window_observed_at BIGINT,
  reset_day TEXT,
  updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS ${PG_PEERS_TABLE} (
  scope TEXT NOT NULL,
  peer TEXT NOT NULL,
  seen_at BIGINT NOT NULL,
  PRIMARY KEY (scope, peer)
);
DO $$ BEGIN
  IF obj_description('${PG_LEDGER_TABLE}'::regclass, 'pg_class') IS NULL THEN
    COMMENT ON TABLE ${PG_LEDGER_TABLE} IS '${TABLE_COMMENT}';
  END IF;
END $$;
COMMIT;
SELECT obj_description('${PG_LEDGER_TABLE}'::regclass, 'pg_class') AS comment`;

/** Every column, with BIGINT read back as a JS number (pg returns BIGINT as text). */
export const PG_COLUMNS = `scope, origin, key_fingerprint, day, requests, spent_usd, threshold_pause_day, pause_reason,
  pause_since::float8 AS pause_since, pause_until::float8 AS pause_until, window_requests, window_tokens,
  window_observed_at::float8 AS window_observed_at, reset_day, updated_at::float8 AS updated_at`;

/** Checks that `url` is a PostgreSQL URL. @throws ConfigError naming the redacted URL */
export function checkLedgerUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new ConfigError(
      `--ledger-url ${redactDbUrl(url)} is not a valid URL (expected postgres://user@host:5432/database)`,
    );
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new ConfigError(
      `--ledger-url must be a postgres:// or postgresql:// URL, not ${protocol.replace(/:$/u, '')}://`,
    );
  }
}

/** The error a failed ledger query becomes: exit 3, the password never in the message. */
export function unavailable(url: string, error: unknown, doing: string): LedgerUnavailableError {
  const scrub = createSecretScrubber(url);
  const detail = scrub(error instanceof Error ? error.message : String(error));
  return new LedgerUnavailableError(
    `The key ledger at ${redactDbUrl(url)} could not ${doing} (${detail}). It holds today's request count and spend ` +
      `shared by every process on this API key; counting from 0 could exceed your daily limits, so no further ` +
      `request was sent. Check --ledger-url / LEDGER_URL and that the database is up, then resume.`,
  );
}

/**
 * Connects to the ledger database at `url` and creates the table when it is missing (safe when
 * several processes do it at once).
 *
 * @throws LedgerUnavailableError when the database cannot be reached
 * @throws LedgerDamagedError when a table of that name exists but is not a key ledger
 */
export function openPgLedgerDatabase(url: string, timeoutMs?: number): SyncPgClient {
  checkLedgerUrl(url);
  const client = new SyncPgClient({ url, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  try {
    const [found] = client.query<{ comment: string | null }>(CREATE);
    if (found?.comment !== TABLE_COMMENT) {
      throw new LedgerDamagedError(
        `The table ${PG_LEDGER_TABLE} in ${redactDbUrl(url)} is not an artist-bio-gen key ledger (its comment is ` +
          `${JSON.stringify(found?.comment ?? null)}). Nothing was sent. Point --ledger-url at another database or rename that table.`,
      );
    }
    client.query(`SELECT ${PG_COLUMNS} FROM ${PG_LEDGER_TABLE} LIMIT 0`);
    return client;
  } catch (error) {
    void client.close();
    if (error instanceof LedgerDamagedError) throw error;
    if (error instanceof SyncPgError && error.code === '42703') {
      throw new LedgerDamagedError(
        `The table ${PG_LEDGER_TABLE} in ${redactDbUrl(url)} lacks columns of a key ledger (${error.message}). Nothing was sent.`,
      );
    }
    throw unavailable(url, error, 'be opened');
  }
}

/** Every scope's row, for `quota show`. */
export function pgLedgerRows(client: SyncPgClient): LedgerRow[] {
  return client.query<LedgerRow>(`SELECT ${PG_COLUMNS} FROM ${PG_LEDGER_TABLE} ORDER BY scope`);
}

/** Processes seen sending on each scope within the last minute before `now` (`quota show`). */
export function pgActivePeers(client: SyncPgClient, now: number): Map<string, number> {
  const rows = client.query<{ scope: string; peers: number }>(
    `SELECT scope, count(*)::int AS peers FROM ${PG_PEERS_TABLE} WHERE seen_at > $1 GROUP BY scope`,
    [now - 60_000],
  );
  return new Map(rows.map((r) => [r.scope, r.peers]));
}

/**
 * Deliberately sets today's count and spend of `scope` to 0 (`quota reset --yes`), creating
 * the row when there is none; clears the day's pause. Same meaning as the SQLite reset.
 */
export function pgResetScope(client: SyncPgClient, scope: LedgerScope, now: number): void {
  const day = utcDayKey(now);
  client.query(
    `INSERT INTO ${PG_LEDGER_TABLE} (scope, origin, key_fingerprint, day, requests, spent_usd, reset_day, updated_at)
     VALUES ($1, $2, $3, $4, 0, 0, $4, $5)
     ON CONFLICT (scope) DO UPDATE SET day = $4, requests = 0, spent_usd = 0, threshold_pause_day = NULL,
       pause_reason = NULL, pause_since = NULL, pause_until = NULL, reset_day = $4, updated_at = $5`,
    [scope.id, scope.origin, scope.keyFingerprint, day, now],
  );
}
