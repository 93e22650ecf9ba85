/**
 * Opens the engine behind a store: an embedded SQLite file or a PostgreSQL pool, both behind
 * one Kysely instance. Failing to reach the database is a configuration error (exit 3).
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { ConfigError } from '../core/errors.js';
import { describeDbError } from './db-errors.js';
import { createSecretScrubber, redactDbUrl, type SecretScrubber } from './redact.js';
import type { StoreDatabase } from './schema.js';
import type { StoreLog, StoreOptions } from './types.js';

/** An open engine. */
export interface Connection {
  kind: 'sqlite' | 'postgres';
  db: Kysely<StoreDatabase>;
  /** Redacted location, e.g. `postgres://u:***@h:5432/db` or the absolute SQLite path. */
  location: string;
  /** Removes secrets from driver messages. */
  scrub: SecretScrubber;
}

/** Opens SQLite in WAL mode; catalog mode refuses to create a new file. */
export async function openSqlite(options: StoreOptions, sqlitePath: string): Promise<Connection> {
  const location = path.resolve(sqlitePath);
  const scrub: SecretScrubber = (text) => text;
  let database: Database.Database;
  try {
    database = new Database(location, {
      fileMustExist: options.target === 'catalog',
      timeout: options.busyTimeoutMs ?? 5000,
    });
  } catch (error) {
    const hint = options.target === 'catalog' ? ' (catalog mode updates an existing database file)' : '';
    throw new ConfigError(`Cannot open SQLite database ${location}${hint}: ${describeDbError(error, scrub)}`, {
      cause: error,
    });
  }
  try {
    // WAL lets readers (e.g. a user's sqlite3 shell) work during a run; NORMAL sync is durable
    // across application crashes, which is what a batch writer needs.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    const db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database }) });
    await sql`select 1`.execute(db);
    return { kind: 'sqlite', db, location, scrub };
  } catch (error) {
    database.close();
    throw new ConfigError(`Cannot use SQLite database ${location}: ${describeDbError(error, scrub)}`, {
      cause: error,
    });
  }
}

function checkPostgresUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      `Database URL ${redactDbUrl(url)} is not a valid URL (expected postgres://user:password@host:5432/database)`,
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(
      `Database URL scheme '${parsed.protocol.replace(/:$/u, '')}' is not supported; use postgres:// or postgresql://`,
    );
  }
}

/**
 * Opens a PostgreSQL pool and proves it works with one query. Every connection gets an `error`
 * listener so a server that goes away mid-run cannot crash the process.
 */
export async function openPostgres(options: StoreOptions, url: string, log: StoreLog): Promise<Connection> {
  checkPostgresUrl(url);
  const location = redactDbUrl(url);
  const scrub = createSecretScrubber(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: Math.max(1, options.poolSize ?? 4),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // A write stuck behind someone else's lock ends as 57014 (retried) instead of hanging the run.
    statement_timeout: 60_000,
  });
  pool.on('error', (error) => {
    log('warn', `PostgreSQL connection lost while idle: ${describeDbError(error, scrub)}`);
  });
  pool.on('connect', (client) => {
    // pg-pool listens only while a client is idle; a client that dies during a query would
    // otherwise emit an unhandled 'error'. The query itself still fails and is retried.
    client.on('error', (error) => {
      log('debug', `PostgreSQL connection error: ${describeDbError(error, scrub)}`);
    });
  });
  const db = new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new ConfigError(`Cannot connect to PostgreSQL at ${location}: ${describeDbError(error, scrub)}`, {
      cause: error,
    });
  }
  return { kind: 'postgres', db, location, scrub };
}
