/**
 * Recognising a full disk behind any error, for the writers that turn it into a
 * `DiskFullError` (docs/hostile-servers.md#full-disk). Internal: not part of the library's
 * public entry point.
 */
/** System and database codes that mean the disk (or the database's disk) has no room left. */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100']);

/**
 * The disk-full code of `error` or of one of its causes (`ENOSPC`, `EDQUOT`, `SQLITE_FULL`,
 * PostgreSQL's `53100`), or undefined.
 */
export function diskFullCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && DISK_FULL_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
