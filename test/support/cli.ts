import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the real executable the users run. */
export const BIN = fileURLToPath(new URL('../../bin/artist-bio-gen', import.meta.url));

/** A fresh temporary directory. */
export function tempDir(prefix = 'abg-e2e-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** One artist row for a generated CSV. */
export interface Row {
  id: string;
  name: string;
  data?: string;
}

const quote = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Writes a CSV with a header row; returns its path. */
export async function writeCsv(
  dir: string,
  file: string,
  rows: Row[],
  header = 'artist_id,artist_name,artist_data',
): Promise<string> {
  const path = join(dir, file);
  const lines = [header, ...rows.map((r) => [r.id, r.name, r.data ?? ''].map(quote).join(','))];
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** `n` artists with ids 1001… and varied data. */
export function artists(n: number, nameOf: (i: number) => string = (i) => `Artist ${i}`): Row[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    return { id: String(1000 + i), name: nameOf(i), data: i % 3 === 0 ? '' : `Genre ${i % 7}, from City ${i % 5}` };
  });
}

/** Result of a finished CLI process. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill the process after this long: only a guard against a hang, generous since CI may be busy. @default 300000 */
  timeoutMs?: number;
  /** Called for every stderr line as it arrives (to act mid-run). */
  onStderrLine?: (line: string, child: ChildProcess) => void;
}

/**
 * Spawns the real CLI and collects its output. The parent environment is NOT inherited except
 * PATH/HOME. The key ledger lives under `<cwd>/.state` (a fresh directory without `cwd`) unless
 * the test sets XDG_STATE_HOME, so no test touches the user's ledger or another test's.
 */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    XDG_STATE_HOME: join(options.cwd ?? mkdtempSync(join(tmpdir(), 'abg-xdg-')), '.state'),
  };
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onStderrLine?.(line, child);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
