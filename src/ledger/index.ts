export { knownUsageToday } from './lower-bound.js';
export type { JobFiles, KnownUsage } from './lower-bound.js';
export { DEFAULT_ORIGIN, keyFingerprint, LEDGER_FILE, ledgerScope, stateDirectory } from './scope.js';
export type { LedgerScope } from './scope.js';
export { SqliteLedger } from './sqlite-ledger.js';
export { LEDGER_APPLICATION_ID, ledgerRows, openLedgerDatabase, resetScope } from './sqlite-schema.js';
export type { SqliteLedgerOptions } from './sqlite-ledger.js';
export type { LedgerRow } from './sqlite-schema.js';
export { PostgresLedger } from './pg-ledger.js';
export type { PostgresLedgerOptions } from './pg-ledger.js';
export {
  checkLedgerUrl,
  openPgLedgerDatabase,
  PG_LEDGER_TABLE,
  pgActivePeers,
  pgLedgerRows,
  pgResetScope,
} from './pg-schema.js';
export { SyncPgClient, SyncPgError } from './pg-sync.js';
export type { SyncPgOptions } from './pg-sync.js';
