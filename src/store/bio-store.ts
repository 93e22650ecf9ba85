/**
 * `openBioStore`: one store over SQLite or PostgreSQL, writing batches of bios in transactions,
 * retrying transient failures and turning the rest into per-record `error` statuses.
 */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { diskFullCode } from '../core/disk-full.js';
import { ConfigError, DiskFullError } from '../core/errors.js';
import type { DbStatus, OutputRecord } from '../core/types.js';
import { chunk, tableRef, updateCatalog, upsertBios, type CatalogRow } from './bio-writes.js';
import { checkCatalogTable } from './catalog-check.js';
import { openPostgres, openSqlite, type Connection } from './connect.js';
import { describeDbError, type DbErrorClass } from './db-errors.js';
import { hasBio, toBioRow } from './records.js';
import { describeIdType, idProblem, type CatalogIdType } from './catalog-ids.js';
import { inTransaction } from './transaction.js';
import { resolveDbRetryPolicy, withDbRetry, type DbRetryPolicy } from './retry.js';
import { BIO_TABLE, migrateToLatest, type StoreDatabase } from './schema.js';
import type { Kysely } from 'kysely';
import type { BioStore, StoreDeps, StoreLog, StoreOptions, StoreTarget } from './types.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/u;

/** Per-id outcome of one write; ids absent from the map failed. */
type IdStatuses = Map<string, DbStatus>;

/**
 * Opens the database described by `options`: PostgreSQL when `url` is given, otherwise the SQLite
 * file at `sqlitePath`. In store mode it creates or migrates `artist_bios`; in catalog mode it
 * checks that the user's table can be updated and changes nothing.
 *
 * @throws ConfigError when the database cannot be reached or used (message has no credentials).
 */
export async function openBioStore(options: StoreOptions, deps: StoreDeps = {}): Promise<BioStore> {
  const log: StoreLog = deps.log ?? (() => undefined);
  const clock = deps.clock ?? systemClock;
  if (options.schema !== undefined && !IDENTIFIER.test(options.schema)) {
    throw new ConfigError(`Database schema must be a plain identifier (letters, digits, _), got '${options.schema}'`);
  }
  let connection: Connection;
  if (options.url !== undefined && options.url !== '') {
    connection = await openPostgres(options, options.url, log);
  } else if (options.sqlitePath !== undefined && options.sqlitePath !== '') {
    connection = await openSqlite(options, options.sqlitePath);
  } else {
    throw new ConfigError('No database given: pass a PostgreSQL URL or a SQLite file path');
  }
  // SQLite has no schemas; the option only isolates PostgreSQL tables.
  const schema = connection.kind === 'postgres' ? options.schema : undefined;
  const catalogName = options.testMode ? 'test_artists' : 'artists';
  const tableName = options.target === 'catalog' ? catalogName : BIO_TABLE;
  const qualifiedName = schema === undefined ? tableName : `${schema}.${tableName}`;
  let idType: CatalogIdType | undefined;
  try {
    if (options.target === 'catalog') {
      idType = await checkCatalogTable(
        connection.db,
        connection.kind,
        tableRef(catalogName, schema),
        qualifiedName,
        connection.scrub,
      );
    } else {
      const applied = await migrateToLatest(connection.db, connection.kind, schema);
      for (const name of applied) log('info', `Applied database migration ${name}`);
    }
  } catch (error) {
    await connection.db.destroy().catch(() => undefined);
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `Cannot prepare table ${qualifiedName} in ${connection.location}: ${describeDbError(error, connection.scrub)}`,
      { cause: error },
    );
  }
  log('debug', `Database ready: ${connection.location} (${options.target} mode, table ${qualifiedName})`);
  return new KyselyBioStore({
    connection,
    target: options.target,
    schema,
    tableName,
    qualifiedName,
    idType,
    clock,
    retry: resolveDbRetryPolicy(deps.retry),
    log,
  });
}

interface StoreSettings {
  connection: Connection;
  target: StoreTarget;
  schema: string | undefined;
  /** Unqualified table written. */
  tableName: string;
  /** Table name with schema, for messages. */
  qualifiedName: string;
  /** Type of the catalog table's id column (catalog mode only). */
  idType: CatalogIdType | undefined;
  clock: Clock;
  retry: DbRetryPolicy;
  log: StoreLog;
}

class KyselyBioStore implements BioStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly target: StoreTarget;
  #closed = false;
  #stopError: DiskFullError | undefined;
  readonly #s: StoreSettings;

  constructor(settings: StoreSettings) {
    this.#s = settings;
    this.kind = settings.connection.kind;
    this.target = settings.target;
  }

  describe(): string {
    return `${this.#s.connection.location} (${this.target} mode, table ${this.#s.qualifiedName})`;
  }

  idProblem(id: string): string | undefined {
    const type = this.#s.idType;
    if (type === undefined) return undefined;
    const problem = idProblem(id, type);
    return problem === undefined
      ? undefined
      : `${problem}, but the id column of ${this.#s.qualifiedName} is ${describeIdType(type)}`;
  }

  get stopError(): DiskFullError | undefined {
    return this.#stopError;
  }

  async write(records: readonly OutputRecord[]): Promise<DbStatus[]> {
    const statuses: DbStatus[] = records.map(() => 'error');
    if (records.length === 0) return statuses;
    if (this.#closed) {
      this.#s.log('error', `Database write of ${records.length} record(s) refused: the store is closed`);
      return statuses;
    }
    // Last record per id wins; every occurrence gets that record's status.
    const latest = new Map<string, OutputRecord>();
    const rejected = new Set<number>();
    for (const [i, record] of records.entries()) {
      const problem = this.#problemOf(record);
      if (problem !== undefined) {
        rejected.add(i);
        this.#s.log('warn', `Not writing artist ${JSON.stringify(record.artist_id)} to the database: ${problem}`);
        continue;
      }
      latest.delete(record.artist_id);
      latest.set(record.artist_id, record);
    }
    // Sorted ids give concurrent writers the same lock order, which avoids deadlocks.
    const rows = [...latest.values()].sort((a, b) =>
      a.artist_id < b.artist_id ? -1 : a.artist_id > b.artist_id ? 1 : 0,
    );
    let byId: IdStatuses;
    try {
      byId = await this.#writeRows(rows);
    } catch (error) {
      // #writeRows already turns database failures into statuses; this guards the promise
      // contract against anything unforeseen.
      this.#s.log('error', `Unexpected database write failure: ${describeDbError(error, this.#s.connection.scrub)}`);
      return statuses;
    }
    return records.map((record, i) => (rejected.has(i) ? 'error' : (byId.get(record.artist_id) ?? 'error')));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#s.connection.db.destroy();
  }

  #problemOf(record: OutputRecord): string | undefined {
    if (typeof record.artist_id !== 'string' || record.artist_id.trim() === '') return 'artist_id is missing';
    if (!hasBio(record)) return 'the bio is empty';
    return this.idProblem(record.artist_id);
  }

  /** Writes unique rows in one transaction; halves the batch to isolate rows the database rejects. */
  async #writeRows(rows: readonly OutputRecord[]): Promise<IdStatuses> {
    const result: IdStatuses = new Map();
    if (rows.length === 0) return result;
    const outcome = await withDbRetry(
      () => this.#transaction(rows),
      this.#s.retry,
      this.#s.clock,
      (error, errorClass, retry, delayMs) =>
        this.#s.log(
          'warn',
          `Database write of ${rows.length} record(s) failed (${errorClass.code ?? 'connection'}), retry ` +
            `${retry}/${this.#s.retry.attempts - 1} in ${delayMs} ms: ${describeDbError(error, this.#s.connection.scrub)}`,
        ),
    );
    if (outcome.ok) return outcome.value;
    if (outcome.errorClass.rowSpecific && rows.length > 1) {
      const middle = Math.ceil(rows.length / 2);
      const [left, right] = [await this.#writeRows(rows.slice(0, middle)), await this.#writeRows(rows.slice(middle))];
      return new Map([...left, ...right]);
    }
    this.#reportFailure(rows, outcome.error, outcome.errorClass, outcome.attempts);
    if (this.#stopError === undefined && diskFullCode(outcome.error) !== undefined) {
      this.#stopError = new DiskFullError(
        `disk full: cannot write to the database ${this.#s.connection.location} ` +
          `(${describeDbError(outcome.error, this.#s.connection.scrub)}); every bio is safe in the JSONL ` +
          '(db_status "error" or "pending"), and --resume writes them to the database once there is space',
        { cause: outcome.error },
      );
    }
    return result;
  }

  #reportFailure(rows: readonly OutputRecord[], error: unknown, errorClass: DbErrorClass, attempts: number): void {
    const who = rows.length === 1 ? `artist ${JSON.stringify(rows[0]?.artist_id)}` : `${rows.length} records`;
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    this.#s.log(
      'error',
      `Database write of ${who} failed${tries} (${errorClass.kind}): ${describeDbError(error, this.#s.connection.scrub)}`,
    );
  }

  async #transaction(rows: readonly OutputRecord[]): Promise<IdStatuses> {
    const { db } = this.#s.connection;
    const result: IdStatuses = new Map();
    await inTransaction(db, (trx) => this.#statements(trx, rows, result));
    return result;
  }

  async #statements(trx: Kysely<StoreDatabase>, rows: readonly OutputRecord[], result: IdStatuses): Promise<void> {
    const { kind } = this.#s.connection;
    if (this.target === 'store') {
      const updatedAt = new Date(this.#s.clock.now()).toISOString();
      for (const part of chunk(rows)) {
        const done = await upsertBios(
          trx,
          kind,
          this.#s.schema,
          part.map((r) => toBioRow(r, updatedAt)),
        );
        for (const [id, status] of done) result.set(id, status);
      }
      return;
    }
    const table = tableRef(this.#s.tableName, this.#s.schema);
    for (const part of chunk(rows)) {
      const catalogRows: CatalogRow[] = part.map((r) => ({ id: r.artist_id, bio: r.response_text }));
      const updated = await updateCatalog(trx, kind, table, catalogRows, this.#s.idType ?? { kind: 'uuid' });
      for (const row of catalogRows) result.set(row.id, updated.has(row.id) ? 'updated' : 'skipped');
    }
  }
}
