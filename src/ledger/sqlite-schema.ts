/**
 * The key ledger's SQLite file (docs/ledger.md): its table, creation on first use (complete or
 * not at all), the check that an existing file is ours, and the row access of the `quota`
 * command.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LedgerDamagedError } from '../quota/ledger-types.js';
import { utcDayKey } from '../quota/utc-day.js';

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
