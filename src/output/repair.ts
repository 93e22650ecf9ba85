/**
 * Crash repair of an output file (internal). Lines are appended whole, so a crash can leave at
 * most the last line torn: without its `\n`, or with garbage (e.g. zeros after a power loss).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';

const LF = 0x0a;
const BLOCK = 64 * 1024;
/** A torn line longer than this is not something a crash of ours leaves: refuse to cut it. */
const MAX_REPAIR_BYTES = 16 * 1024 * 1024;

/** What {@link repairTail} did. */
export interface TailRepair {
  /** Bytes removed from the end (0 when nothing was torn). */
  removedBytes: number;
  /** The first 80 characters of the removed text, for the log. */
  removedPreview: string | undefined;
  /** True when the last line was a complete record missing only its `\n`, which was added. */
  addedNewline: boolean;
}

/** Offset just after the last `\n` strictly before `end`, or 0. Reads backwards in blocks. */
async function lineStartBefore(handle: FileHandle, end: number): Promise<number> {
  const block = Buffer.allocUnsafe(BLOCK);
  let to = end;
  while (to > 0) {
    const from = Math.max(0, to - BLOCK);
    const { bytesRead } = await handle.read(block, 0, to - from, from);
    const at = block.subarray(0, bytesRead).lastIndexOf(LF);
    if (at !== -1) return from + at + 1;
    to = from;
  }
  return 0;
}

function isRecord(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * Makes the file end with a complete, valid line: a last line that is not a JSON object is cut
 * off (with or without its `\n`), and a valid last object missing only its `\n` gets one. Only
 * the last line is considered: an invalid line in the middle is left for the caller to report.
 * @throws UsageError when the last line is implausibly long (not our file).
 */
export async function repairTail(path: string): Promise<TailRepair> {
  const handle = await open(path, 'r+');
  try {
    const size = (await handle.stat()).size;
    if (size === 0) return { removedBytes: 0, removedPreview: undefined, addedNewline: false };
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    const terminated = last[0] === LF;
    const contentEnd = terminated ? size - 1 : size;
    const start = await lineStartBefore(handle, contentEnd);
    const length = contentEnd - start;
    if (length > MAX_REPAIR_BYTES) {
      throw new UsageError(
        `The last line of ${path} is ${length} bytes long; it does not look like an artist-bio-gen output, ` +
          'so it was not repaired. Check the --output path.',
      );
    }
    const text = Buffer.alloc(length);
    await handle.read(text, 0, length, start);
    const line = text.toString('utf8');
    if (line.trim() === '' && terminated) return { removedBytes: 0, removedPreview: undefined, addedNewline: false };
    if (isRecord(line)) {
      if (terminated) return { removedBytes: 0, removedPreview: undefined, addedNewline: false };
      await handle.write(Buffer.from('\n'), 0, 1, size);
      await handle.sync();
      return { removedBytes: 0, removedPreview: undefined, addedNewline: true };
    }
    await handle.truncate(start);
    await handle.sync();
    return { removedBytes: size - start, removedPreview: line.slice(0, 80), addedNewline: false };
  } finally {
    await handle.close();
  }
}
