import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { browserSkip, openBrowser } from './support/browser.js';
import { artists, runCli, tempDir, writeCsv, type CliResult } from './support/cli.js';

/** `artist-bio-gen dashboard OUTPUT …` running until stopped, with the address it printed. */
interface Viewer {
  url: Promise<string>;
  stop(): Promise<CliResult>;
}

function startViewer(args: string[]): Viewer {
  let child: ChildProcess | undefined;
  let resolveUrl: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (resolveUrl = resolve));
  const done = runCli(['dashboard', ...args, '--refresh-ms', '200'], {
    timeoutMs: 100_000,
    onStderrLine: (line, process) => {
      child = process;
      const found = /Dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line);
      if (found?.[1] !== undefined) resolveUrl(found[1]);
    },
  });
  const ended = done.then((r): string => {
    throw new Error(`dashboard ended before printing its address: ${r.stderr}`);
  });
  return {
    url: Promise.race([url, ended]),
    stop() {
      child?.kill('SIGINT');
      return done;
    },
  };
}

/** A page that records console errors and aborts (and records) every request off the machine. */
async function watch(context: BrowserContext): Promise<{ page: Page; errors: string[]; outside: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  const outside: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/*', async (route) => {
    const target = new URL(route.request().url());
    if (target.hostname === '127.0.0.1' || target.protocol === 'data:') await route.continue();
    else {
      outside.push(target.href);
      await route.abort();
    }
  });
  return { page, errors, outside };
}

const realErrors = (errors: string[]): string[] => errors.filter((e) => !/EventSource|ERR_CONNECTION|net::/.test(e));

let browser: { context: BrowserContext; close(): Promise<void> } | undefined;
before(async () => {
  if (browserSkip === false) browser = await openBrowser();
});
after(async () => {
  await browser?.close();
});

test(
  'dashboard OUTPUT on a finished simulator run shows its final figures from the files alone',
  { skip: browserSkip, timeout: 90_000 },
  async () => {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'artists.csv', artists(10));
    const output = join(dir, 'out.jsonl');
    const run = await runCli(['run', '--simulate', '--input', input, '--output', output, '--max-workers', '2']);
    assert.equal(run.code, 0, run.stderr);
    const viewer = startViewer([output, '--input', input]);
    try {
      assert.ok(browser);
      const { page, errors, outside } = await watch(browser.context);
      await page.goto(await viewer.url);
      await page.locator('#state', { hasText: /^Job finished$/ }).waitFor();
      assert.equal(await page.textContent('#progress'), '10 / 10 artists');
      assert.equal(await page.textContent('#eta'), 'ETA 0s');
      assert.equal(await page.locator('#recentList li').count(), 10);
      assert.match((await page.textContent('#recentList li b')) ?? '', /^Artist \d+$/);
      assert.match((await page.textContent('#latency')) ?? '', /^p50 \d+ ms · p95 \d+ ms · max \d+ ms$/);
      assert.match((await page.textContent('#spend')) ?? '', /^\$\d+\.\d{4} spent$/);
      assert.match((await page.textContent('#budget')) ?? '', /^10 requests today$/);
      assert.deepEqual(realErrors(errors), []);
      assert.deepEqual(outside, []);
      await page.close();
    } finally {
      const stopped = await viewer.stop();
      assert.equal(stopped.code, 0, stopped.stderr);
    }
  },
);

test(
  'dashboard OUTPUT follows a run started without --dashboard: the count advances through a threshold pause to the end',
  { skip: browserSkip, timeout: 120_000 },
  async () => {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'artists.csv', artists(30));
    const output = join(dir, 'out.jsonl');
    // 30 artists, a pause at 15 requests lasting 0.002 h (7.2 s), then the rest.
    const run = runCli(
      [
        'run',
        '--simulate',
        '--input',
        input,
        '--output',
        output,
        '--daily-limit',
        '30',
        '--quota-threshold',
        '0.5',
        '--pause-duration',
        '0.002',
        '--max-workers',
        '1',
      ],
      { timeoutMs: 100_000 },
    );
    const viewer = startViewer([output, '--input', input, '--daily-limit', '30']);
    try {
      assert.ok(browser);
      const { page, errors, outside } = await watch(browser.context);
      await page.goto(await viewer.url);
      const progress = async (): Promise<number> =>
        Number(/^(\d+)/.exec((await page.textContent('#progress')) ?? '')?.[1] ?? -1);
      await page.locator('#state', { hasText: /^PAUSED \(threshold\)$/ }).waitFor({ timeout: 60_000 });
      assert.match((await page.textContent('#pause')) ?? '', /^resumes in \d+s at \d\d:\d\d:\d\dZ$/);
      assert.match((await page.textContent('#budget')) ?? '', /^1[5-6] \/ 30 requests today$/);
      const paused = await progress();
      assert.ok(paused >= 14 && paused < 30, `count during the pause: ${paused}`);
      await page.locator('#state', { hasText: /^Job finished$/ }).waitFor({ timeout: 60_000 });
      assert.equal(await page.textContent('#progress'), '30 / 30 artists');
      assert.equal(await page.textContent('#pause'), 'not paused');
      const result = await run;
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(realErrors(errors), []);
      assert.deepEqual(outside, []);
      await page.close();
    } finally {
      await viewer.stop();
      await run.catch(() => undefined);
    }
  },
);

test('dashboard refuses an output whose folder does not exist, with exit 1', async () => {
  const dir = await tempDir();
  const result = await runCli(['dashboard', join(dir, 'missing', 'out.jsonl')]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^ERROR: Cannot show .*out\.jsonl: the folder .*missing does not exist$/m);
});
