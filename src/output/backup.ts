/**
 * `--overwrite` never destroys paid bios before anything replaces them: the old output is moved
 * aside to `<output>.bak` (or `<output>.bak.1`, `.bak.2`, … when earlier backups exist) and the
 * new run starts from an empty file. See docs/hostile-servers.md.
 */
import { constants } from 'node:fs';
import { copyFile, truncate } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';

/**
 * The first backup name of `path` not taken yet: `<path>.bak`, then `<path>.bak.1`, `.bak.2`, …
 * @throws UsageError when 10,000 backups exist
 */
export async function freeBackupPath(path: string, exists: (p: string) => Promise<boolean>): Promise<string> {
  const first = `${path}.bak`;
  if (!(await exists(first))) return first;
  for (let n = 1; n < 10_000; n++) {
    const candidate = `${first}.${String(n)}`;
    if (!(await exists(candidate))) return candidate;
  }
  throw new UsageError(`Cannot keep the old output of ${path} aside: too many backups (${first}.*)`);
}

/**
 * Moves the existing output aside and leaves an empty file in its place. Returns the backup path.
 * An earlier backup is never replaced.
 * @throws UsageError when the backup cannot be made (the output is then left untouched)
 */
export async function backUpOutput(path: string, exists: (p: string) => Promise<boolean>): Promise<string> {
  const backup = await freeBackupPath(path, exists);
  try {
    // Copy then empty (rather than rename) keeps the output's inode, so a symlinked or locked
    // output stays the same file; COPYFILE_EXCL never replaces an existing backup.
    await copyFile(path, backup, constants.COPYFILE_EXCL);
    await truncate(path, 0);
  } catch (error) {
    throw new UsageError(
      `Cannot keep the old output of ${path} aside as ${backup} before --overwrite: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return backup;
}
