/**
 * Makes the README's pictures from a real run (`npm run screenshots`, not part of `npm test`):
 * runs the built CLI against its simulator on the example catalog with `--dashboard` and
 * `--report run.html`, photographs the live dashboard with Debian's Chromium mid-run and during
 * the threshold pause, then the HTML report, and writes `docs/img/*.png` (1280×800).
 *
 *   npm run screenshots            # builds first
 *   node --import tsx scripts/screenshots.ts [--out docs/img]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'artist-bio-gen');
const CHROMIUM = '/usr/bin/chromium';
/** Viewport of every picture: small enough for a README, large enough to read. */
export const VIEWPORT = { width: 1280, height: 800 } as const;

/** The pictures the README shows, by file name. */
export const SHOTS = ['dashboard-running.png', 'dashboard-paused.png', 'report.png'] as const;

/**
 * Arguments of the run that is photographed: the valid artists among the first 60 rows of the
 * example catalog, a daily limit of 60 with the threshold at half (a 0.004 h ≈ 14 s pause after 30
 * requests), one worker so that the run lasts long enough to be photographed.
 */
export function runArgs(input: string, dir: string): string[] {
  return [
    'run',
    '--simulate',
    '--input',
    input,
    '--output',
    join(dir, 'bios.jsonl'),
    '--daily-limit',
    '60',
    '--quota-threshold',
    '0.5',
    '--pause-duration',
    '0.004',
    '--max-workers',
    '1',
    '--dashboard',
    '--report',
    join(dir, 'run.html'),
  ];
}

/** The first `n` artists of the example catalog, comment lines dropped. */
export async function exampleInput(n: number): Promise<string> {
  const lines = (await readFile(join(ROOT, 'examples', 'artists_100.csv'), 'utf8'))
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));
  return `${lines.slice(0, n + 1).join('\n')}\n`;
}

async function progressOf(page: Page): Promise<number> {
  return Number(/^(\d+)/.exec((await page.textContent('#progress')) ?? '')?.[1] ?? -1);
}

async function main(): Promise<void> {
  const outFlag = process.argv.indexOf('--out');
  const outDir = resolve(outFlag >= 0 ? (process.argv[outFlag + 1] ?? 'docs/img') : join(ROOT, 'docs', 'img'));
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  if (!existsSync(join(ROOT, 'dist'))) throw new Error('dist/ is missing: run `npm run build` first');
  await mkdir(outDir, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'abg-screenshots-'));
  const input = join(dir, 'artists.csv');
  await writeFile(input, await exampleInput(60));

  const child = spawn(process.execPath, [BIN, ...runArgs(input, dir)], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', HOME: dir, XDG_STATE_HOME: join(dir, '.state'), NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  const url = await new Promise<string>((found, fail) => {
    let text = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      const match = /Dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
      if (match?.[1] !== undefined) found(match[1]);
    });
    void exited.then(() => fail(new Error(`the run ended before serving its dashboard:\n${text}`)));
  });

  const profile = await mkdtemp(join(tmpdir(), 'abg-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: VIEWPORT,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await context.newPage();
    await page.goto(url);
    // The pause lasts ~14 s, so it cannot be missed; the running shot is taken after it, while the
    // second half of the artists is written.
    await page.locator('#state', { hasText: /^PAUSED/ }).waitFor({ timeout: 90_000 });
    await page.waitForTimeout(1500); // a countdown a second or two in
    await page.screenshot({ path: join(outDir, 'dashboard-paused.png') });
    const paused = await progressOf(page);
    await page.locator('#state', { hasText: /^RUNNING$/ }).waitFor({ timeout: 60_000 });
    while ((await progressOf(page)) < paused + 6) await page.waitForTimeout(100);
    await page.screenshot({ path: join(outDir, 'dashboard-running.png') });
    const code = await exited;
    if (code !== 0) throw new Error(`the run exited with ${String(code)}`);
    await page.goto(pathToFileURL(join(dir, 'run.html')).href);
    await page.locator('svg.chart').first().waitFor();
    await page.screenshot({ path: join(outDir, 'report.png') });
    process.stdout.write(`Wrote ${SHOTS.map((s) => join(outDir, s)).join(', ')}\n`);
  } finally {
    child.kill('SIGINT');
    await context.close();
    await rm(profile, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
