import { execFileSync } from 'node:child_process';

/**
 * Real small filesystems for disk tests: a tmpfs of `size` (e.g. `64k`) mounted on `dir`.
 * Mounting needs root with CAP_SYS_ADMIN; where it is refused (a rootless CI, a container without
 * the capability) this returns the reason so that the test can skip, and the test asserts nothing.
 */
export function mountTmpfs(dir: string, size: string): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `mount refused: ${stderr === undefined || stderr === '' ? String(error) : stderr}`;
  }
}

/** Changes the options of a mounted tmpfs, e.g. `size=4m` to free space or `ro` to freeze it. */
export function remountTmpfs(dir: string, options: string): void {
  execFileSync('mount', ['-o', `remount,${options}`, dir], { stdio: 'pipe' });
}

/** Unmounts `dir`; never throws (a test's cleanup must not hide its failure). */
export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    } catch {
      // Nothing more to do: the temp directory stays mounted until reboot.
    }
  }
}
