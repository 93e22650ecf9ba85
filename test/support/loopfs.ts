import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * A real small ext4 filesystem on a loop device, mounted with `errors=remount-ro`, whose kernel
 * can be told to hit an error mid-run: it then turns the filesystem read-only under the running
 * process, the way a failing disk does. (`mount -o remount,ro` cannot do this: the kernel refuses
 * it with "busy" while a file is open for writing, and the CLI keeps its output open.)
 */
export interface LoopFs {
  /** Makes the filesystem read-only at once: every later write, create or unlink fails with EROFS. */
  freeze(): void;
  /** Unmounts and frees the loop device; never throws (cleanup must not hide a failure). */
  release(): void;
}

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { stdio: 'pipe' }).toString().trim();

function reason(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
  return stderr === undefined || stderr === '' ? String(error) : stderr;
}

/**
 * Formats `<image>` (`sizeMb` MB, outside `dir`) as ext4 and mounts it on `dir`. Returns the handle,
 * or the reason it could not (not root, no loop device, no mkfs.ext4) for the test to skip with.
 */
export function mountLoopExt4(dir: string, image: string, sizeMb = 8): LoopFs | string {
  if (process.getuid?.() !== 0) return 'mounting a loop device needs root';
  let device: string | undefined;
  try {
    run('truncate', ['-s', `${String(sizeMb)}M`, image]);
    run('mkfs.ext4', ['-q', '-F', image]);
    device = run('losetup', ['-f', '--show', image]);
    run('mount', ['-t', 'ext4', '-o', 'errors=remount-ro', device, dir]);
  } catch (error) {
    if (device !== undefined) detach(device);
    return `loop mount refused: ${reason(error)}`;
  }
  const dev = device;
  const trigger = join('/sys/fs/ext4', basename(dev), 'trigger_fs_error');
  const fs: LoopFs = {
    freeze: () => writeFileSync(trigger, 'read-only test\n'),
    release: () => {
      try {
        run('umount', [dir]);
      } catch {
        try {
          run('umount', ['-l', dir]);
        } catch {
          // Nothing more to do; the device is freed below if the kernel lets go of it.
        }
      }
      detach(dev);
    },
  };
  if (existsSync(trigger)) return fs;
  fs.release();
  return `this kernel has no ${trigger} to turn the filesystem read-only`;
}

function detach(device: string): void {
  try {
    run('losetup', ['-d', device]);
  } catch {
    // Already gone or still busy; a lazily unmounted device is freed by the kernel later.
  }
}
