/**
 * Classifies database failures by SQLSTATE (PostgreSQL), SQLite result code or Node system
 * error code, never by message text.
 */

/** What the store does about a failed statement. */
export interface DbErrorClass {
  /** `transient`: retry the same transaction; `permanent`: retrying cannot help. */
  kind: 'transient' | 'permanent';
  /**
   * True when the failure is about one row's data (bad value, constraint), so writing the batch
   * in smaller parts isolates the bad record instead of failing all of them.
   */
  rowSpecific: boolean;
  /** SQLSTATE, SQLite code or errno code, when the error had one. */
  code: string | undefined;
}

// SQLSTATEs that describe a passing condition of the server or the connection, not the request.
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown (server restarting, backend terminated)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '57014', // query_canceled (statement timeout)
  '53300', // too_many_connections
]);

// Socket and DNS failures reported by Node while talking to the server.
const TRANSIENT_ERRNO = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

const SQLSTATE = /^[0-9A-Z]{5}$/u;

/** The `code` property of an error-like value, if it is a string. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = error.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/** Decides whether a failed database call is worth retrying. */
export function classifyDbError(error: unknown): DbErrorClass {
  let code = errorCode(error);
  // Node's happy-eyeballs connect wraps one error per address in an AggregateError.
  if (code === undefined && error instanceof AggregateError) {
    code = error.errors.map(errorCode).find((c) => c !== undefined);
  }
  if (code === undefined) {
    // pg reports a dropped or timed-out connection ("Connection terminated", pool acquisition
    // timeout) as a plain Error without a code: the server never judged the request.
    return { kind: 'transient', rowSpecific: false, code };
  }
  if (code.startsWith('SQLITE_')) {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return { kind: 'transient', rowSpecific: false, code };
    }
    const rowSpecific = code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG';
    return { kind: 'permanent', rowSpecific, code };
  }
  if (SQLSTATE.test(code)) {
    if (code.startsWith('08') || TRANSIENT_SQLSTATES.has(code)) {
      return { kind: 'transient', rowSpecific: false, code };
    }
    // Class 22 (data exception, e.g. 22P02 bad uuid text, 22021 NUL byte) and class 23
    // (integrity constraint) concern single values.
    const rowSpecific = code.startsWith('22') || code.startsWith('23');
    return { kind: 'permanent', rowSpecific, code };
  }
  if (TRANSIENT_ERRNO.has(code)) return { kind: 'transient', rowSpecific: false, code };
  return { kind: 'permanent', rowSpecific: false, code };
}

/** One-line description of a database error: its message and code, secrets removed. */
export function describeDbError(error: unknown, scrub: (text: string) => string): string {
  let message = error instanceof Error ? error.message : String(error);
  if (message === '' && error instanceof AggregateError) {
    message = error.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).join('; ');
  }
  const code = classifyDbError(error).code;
  const text = code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
  return scrub(text === '' ? 'unknown database error' : text);
}
