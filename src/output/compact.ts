/**
 * `--resume --redo-stale` appends a regenerated bio after the stale one it replaces. At the end
 * of such a run the output is compacted: every successful line followed later by another
 * successful line for the same artist goes, so the output again holds one line per artist (the
 * newest). A bio whose redo failed keeps its old line: nothing paid for is lost. The previous
 * file is kept as `<output>.bak` (README.md#redoing-stale-bios).
 */
import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { copyFile, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { freeBackupPath } from './backup.js';
import { readLineBatches } from './line-reader.js';
import { realOutputPath } from './lock.js';
import { lineFacts } from './resume-index.js';

/** What {@link compactSuperseded} did. */
export interface CompactResult {
  /** Successful lines dropped because a later line of the same artist replaced them. */
  removedLines: number;
  /** Where the file before compaction was kept; undefined when nothing had to change. */
  backupPath: string | undefined;
}

const FLUSH_BYTES = 1024 * 1024;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Line number of the latest successful line of each artist, and how many lines it supersedes. */
async function latestLines(path: string): Promise<{ latest: Map<string, number>; superseded: number }> {
  const latest = new Map<string, number>();
  let superseded = 0;
  for await (const batch of readLineBatches(path)) {
    for (let i = 0; i < batch.starts.length; i++) {
      const start = batch.starts[i] ?? 0;
      const facts = lineFacts(batch.buf, start, batch.ends[i] ?? start);
      if (facts === undefined || !facts.ok) continue;
      if (latest.has(facts.id)) superseded++;
      latest.set(facts.id, batch.firstLine + i);
    }
  }
  return { latest, superseded };
}

/**
 * Rewrites `path` without its superseded successful lines; every other line (failures, lines
 * that are not records) stays, in order. The new file is written beside the output and renamed
 * over it, so at every moment the output is either the old file or the new one. Must run while
 * the output lock is held and no sink writes to the file.
 */
export async function compactSuperseded(path: string): Promise<CompactResult> {
  const real = realOutputPath(path);
  const { latest, superseded } = await latestLines(real);
  if (superseded === 0) return { removedLines: 0, backupPath: undefined };
  const temp = join(dirname(real), `.${basename(real)}.compact-${randomBytes(4).toString('hex')}`);
  let removed = 0;
  try {
    const handle = await open(temp, 'wx');
    try {
      let chunks: Buffer[] = [];
      let pending = 0;
      for await (const batch of readLineBatches(real)) {
        for (let i = 0; i < batch.starts.length; i++) {
          const start = batch.starts[i] ?? 0;
          const end = batch.ends[i] ?? start;
          const facts = lineFacts(batch.buf, start, end);
          if (facts?.ok === true && latest.get(facts.id) !== batch.firstLine + i) {
            removed++;
            continue;
          }
          // The batch buffer is reused by the next read: copy the line out.
          const line = Buffer.allocUnsafe(end - start + 1);
          batch.buf.copy(line, 0, start, end);
          line[end - start] = 0x0a;
          chunks.push(line);
          pending += line.length;
          if (pending >= FLUSH_BYTES) {
            await handle.write(Buffer.concat(chunks, pending));
            chunks = [];
            pending = 0;
          }
        }
      }
      if (pending > 0) await handle.write(Buffer.concat(chunks, pending));
      await handle.sync();
    } finally {
      await handle.close();
    }
    const backupPath = await freeBackupPath(real, exists);
    await copyFile(real, backupPath, constants.COPYFILE_EXCL);
    await rename(temp, real);
    return { removedLines: removed, backupPath };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
