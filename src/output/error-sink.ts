/** The failures JSONL sink (`<stem>.errors.jsonl`): one line per artist that failed in this run. */
import type { ErrorRecord } from '../core/types.js';
import { AppendFile } from './append-file.js';
import { serializeErrorRecord } from './serialize.js';

/** Appends error records, one whole line per write. */
export class ErrorSink {
  readonly #file: AppendFile;
  readonly #mask: (text: string) => string;

  /** Use {@link openErrorSink}. */
  constructor(file: AppendFile, mask: (text: string) => string = (text) => text) {
    this.#file = file;
    this.#mask = mask;
  }

  /** The file's path. */
  get path(): string {
    return this.#file.path;
  }

  /** Bytes appended by this sink. */
  get bytesWritten(): number {
    return this.#file.bytesWritten;
  }

  /** Writes the record as one line. @throws OutputWriteError */
  append(record: ErrorRecord): void {
    this.#file.append(Buffer.from(this.#mask(serializeErrorRecord(record).toString('utf8')), 'utf8'));
  }

  /** fsyncs and closes the file; later calls do nothing. @throws OutputWriteError */
  close(): void {
    this.#file.close();
  }
}

/**
 * Opens (creating if needed) the errors file for appending. {@link prepareOutput} empties it at
 * the start of every run: it holds the failures of the latest run only. `mask` is applied to
 * every line (the run's secrets).
 * @throws OutputWriteError
 */
export function openErrorSink(path: string, mask?: (text: string) => string): ErrorSink {
  return new ErrorSink(new AppendFile(path), mask);
}
