/**
 * An append-only file written with one `writeSync` per line (internal). The descriptor is opened
 * with O_APPEND, so every line lands at the end even if the file was repaired or grew meanwhile;
 * a crash can therefore only tear the last line, which the next start repairs.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { diskFullCode } from '../core/disk-full.js';
import { DiskFullError, UsageError } from '../core/errors.js';

/** Raised when an output file cannot be opened, written or closed (disk full, I/O error, …). */
// An output that cannot be written is an unwritable output path: exit 2 (docs/architecture.md#exit-codes).
export class OutputWriteError extends UsageError {}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Append-mode file that tracks its own size (this process is assumed to be the only writer). */
export class AppendFile {
  /** Path as given. */
  readonly path: string;
  #fd: number | undefined;
  #size: number;
  #written = 0;

  /** Opens (creating if needed) `path` for appending. @throws OutputWriteError */
  constructor(path: string) {
    this.path = path;
    try {
      this.#fd = openSync(path, 'a');
      this.#size = fstatSync(this.#fd).size;
    } catch (error) {
      throw new OutputWriteError(`Cannot open ${path} for appending: ${reason(error)}`, { cause: error });
    }
  }

  /** Bytes appended through this object. */
  get bytesWritten(): number {
    return this.#written;
  }

  /** Current file size as far as this writer knows. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends `bytes` (one whole line) and returns the file offset where they start.
   * @throws OutputWriteError when the file is closed or the write fails (a partial line is cut off again).
   * @throws DiskFullError when the disk is full (the partial line is cut off again).
   */
  append(bytes: Buffer): number {
    const fd = this.#fd;
    if (fd === undefined) throw new OutputWriteError(`Cannot write to ${this.path}: it is closed`);
    const start = this.#size;
    let done = 0;
    try {
      // One call writes the whole line on a regular file; the loop only covers a short write.
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (error) {
      // Cut the part of the line that was written, so the file still ends with a whole line.
      if (done > 0 && !this.#cut(fd, start)) {
        this.#size += done;
        this.#written += done;
      }
      if (diskFullCode(error) !== undefined) {
        throw new DiskFullError(
          `disk full: cannot append to ${this.path} (${reason(error)}); every line written before is kept. ` +
            'Free some space, then continue with --resume',
          { cause: error },
        );
      }
      const why = (error as { code?: unknown }).code === 'EROFS' ? ' (the file system turned read-only)' : '';
      throw new OutputWriteError(
        `Cannot write to ${this.path}: ${reason(error)}${why}; every line written before is kept. ` +
          'Once the file can be written again, continue with --resume',
        { cause: error },
      );
    }
    this.#size += done;
    this.#written += done;
    return start;
  }

  #cut(fd: number, size: number): boolean {
    try {
      ftruncateSync(fd, size);
      return true;
    } catch {
      return false;
    }
  }

  /** Flushes to disk and closes; later calls do nothing. @throws OutputWriteError */
  close(): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    try {
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      throw new OutputWriteError(`Cannot flush ${this.path}: ${reason(error)}`, { cause: error });
    }
    closeSync(fd);
  }
}
