/**
 * A transaction that reports the failure that caused it to end (internal). Kysely's own
 * `transaction()` rolls back after any failure, COMMIT included, and lets a failing ROLLBACK
 * replace the first error: SQLite ends the transaction itself on SQLITE_FULL, so the user saw
 * "cannot rollback - no transaction is active" instead of "database or disk is full".
 */
import { sql, type Kysely } from 'kysely';

/**
 * Runs `body` between BEGIN and COMMIT on one connection of `db`. When anything fails the
 * transaction is rolled back (a failing ROLLBACK is ignored: the transaction is over either way)
 * and the first error is thrown.
 */
export async function inTransaction<DB, T>(db: Kysely<DB>, body: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`begin`.execute(conn);
    let result: T;
    try {
      result = await body(conn);
      await sql`commit`.execute(conn);
    } catch (error) {
      try {
        await sql`rollback`.execute(conn);
      } catch {
        // Already rolled back by the database (SQLITE_FULL, SQLITE_IOERR): nothing to undo.
      }
      throw error;
    }
    return result;
  });
}
