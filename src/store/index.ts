/** Database persistence: SQLite or PostgreSQL stores, batching writer, JSONL sync and SQL export. */
export { openBioStore } from './bio-store.js';
export { createDbWriter, type DbWriter, type DbWriterOptions } from './db-writer.js';
export { syncJsonlToDb, type SyncOptions, type SyncReport } from './sync.js';
export { resyncFromJsonl, type ResyncOptions, type ResyncResult, type ResyncSummary } from './resync.js';
export { exportSql, type ExportSqlOptions, type ExportSqlResult } from './export-sql.js';
export type { ScanCounts, SyncIssue } from './jsonl-scan.js';
export { redactDbUrl } from './redact.js';
export { classifyDbError, type DbErrorClass } from './db-errors.js';
export { isUuid } from './records.js';
export { BIO_TABLE } from './schema.js';
export type {
  BioStore,
  DbRetryOptions,
  StoreDeps,
  StoreLog,
  StoreLogLevel,
  StoreOptions,
  StoreTarget,
} from './types.js';
