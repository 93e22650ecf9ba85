import type { ErrorRecord, OutputRecord } from '../core/types.js';

/**
 * Where the runner hands finished artists. `success` must have written the record durably (one
 * whole-line append) before it returns, so a crash right after cannot lose it.
 */
export interface ResultSink {
  success(record: OutputRecord): void;
  failure(record: ErrorRecord): void;
}
