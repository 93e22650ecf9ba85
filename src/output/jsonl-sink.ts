/** The successes JSONL sink: whole-line appends and in-place `db_status` patches. */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { DbStatus, OutputRecord } from '../core/types.js';
import { AppendFile, OutputWriteError } from './append-file.js';
import { DB_STATUS_WIDTH, encodeDbStatus, serializeOutputRecord } from './serialize.js';

/** Where a written line sits in the file, to patch its `db_status` later. */
export interface LineHandle {
  /** File offset of the line's first byte. */
  readonly lineStart: number;
  /** File offset of the `db_status` value slot, or undefined when the line has no patchable slot (`null`). */
  readonly statusOffset: number | undefined;
}

const STATUS_KEY = '"db_status":';
const PATCHABLE = new Set(['"pending"', '"updated"', '"inserted"', '"skipped"', '"error"']);

/** Appends output records to a JSONL file and patches their `db_status` in place. */
export class JsonlSink {
  readonly #file: AppendFile;
  /** Second descriptor for positional writes: pwrite on an O_APPEND descriptor appends on Linux. */
  #patchFd: number | undefined;

  /** Use {@link openJsonlSink}. */
  constructor(file: AppendFile) {
    this.#file = file;
  }

  /** The file's path. */
  get path(): string {
    return this.#file.path;
  }

  /** Bytes appended by this sink. */
  get bytesWritten(): number {
    return this.#file.bytesWritten;
  }

  /**
   * Writes the record as one line with a single write. A `db_status` string is written padded
   * (`"pending" `) so any other status fits in place later.
   * @throws OutputWriteError
   */
  append(record: OutputRecord): LineHandle {
    const line = serializeOutputRecord(record);
    const lineStart = this.#file.append(line.bytes);
    return { lineStart, statusOffset: line.statusOffset === undefined ? undefined : lineStart + line.statusOffset };
  }

  /**
   * A handle for a line read back from the file (e.g. by a database re-sync), or undefined when
   * the line has no patchable `db_status` slot.
   * @param lineStart file offset of the line's first byte.
   * @param lineText the line's text, without its `\n`.
   */
  handleAt(lineStart: number, lineText: string): LineHandle | undefined {
    const key = lineText.lastIndexOf(STATUS_KEY);
    if (key === -1) return undefined;
    const valueStart = key + STATUS_KEY.length;
    const rest = lineText.slice(valueStart);
    const slotEnd = rest.indexOf(',');
    if (slotEnd < DB_STATUS_WIDTH || !PATCHABLE.has(rest.slice(0, slotEnd).trimEnd())) return undefined;
    // Everything from the slot to the end of the line is ASCII, so chars count as bytes there.
    const offsetInLine = Buffer.byteLength(lineText) - rest.length;
    return { lineStart, statusOffset: lineStart + offsetInLine };
  }

  /**
   * Overwrites the `db_status` of a line in place; the line keeps its length and stays valid JSON.
   * The slot is read first and must hold a status, so a wrong offset cannot corrupt the file.
   * @throws OutputWriteError when the handle has no slot, the slot does not hold a status, or I/O fails.
   */
  patchDbStatus(handle: LineHandle, status: DbStatus): void {
    const position = handle.statusOffset;
    if (position === undefined) {
      throw new OutputWriteError(
        `Cannot patch db_status in ${this.path}: the line has no status slot (db_status null)`,
      );
    }
    const fd = this.#openPatchFd();
    const current = Buffer.alloc(DB_STATUS_WIDTH);
    const read = readSync(fd, current, 0, DB_STATUS_WIDTH, position);
    const found = current.toString('utf8', 0, read);
    if (read !== DB_STATUS_WIDTH || !PATCHABLE.has(found.trimEnd())) {
      throw new OutputWriteError(
        `Cannot patch db_status in ${this.path} at byte ${position}: expected a status, found ${JSON.stringify(found)}`,
      );
    }
    const bytes = Buffer.from(encodeDbStatus(status), 'utf8');
    try {
      writeSync(fd, bytes, 0, bytes.length, position);
    } catch (error) {
      throw new OutputWriteError(`Cannot patch db_status in ${this.path}`, { cause: error });
    }
  }

  /** fsyncs and closes the file; later calls do nothing. @throws OutputWriteError */
  close(): void {
    if (this.#patchFd !== undefined) {
      closeSync(this.#patchFd);
      this.#patchFd = undefined;
    }
    this.#file.close();
  }

  #openPatchFd(): number {
    if (this.#patchFd === undefined) {
      try {
        this.#patchFd = openSync(this.path, 'r+');
      } catch (error) {
        throw new OutputWriteError(`Cannot open ${this.path} to patch db_status`, { cause: error });
      }
    }
    return this.#patchFd;
  }
}

/**
 * Opens (creating if needed) the successes file for appending. Call after {@link prepareOutput}.
 * @throws OutputWriteError
 */
export function openJsonlSink(path: string): JsonlSink {
  return new JsonlSink(new AppendFile(path));
}
