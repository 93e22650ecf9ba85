import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { browserSkip, openBrowser } from './support/browser.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

test(
  'the live dashboard shows progress advancing, a threshold pause with its countdown ending, and the final state',
  { skip: browserSkip, timeout: 120_000 },
  async () => {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'artists.csv', artists(30));
    let resolveUrl: (url: string) => void = () => undefined;
    const url = new Promise<string>((resolve) => (resolveUrl = resolve));
    // 30 artists, a pause at 15 requests lasting 0.002 h (7.2 s), then the rest.
    const run = runCli(
      [
        'run',
        '--simulate',
        '--input',
        input,
        '--output',
        join(dir, 'out.jsonl'),
        '--daily-limit',
        '30',
        '--quota-threshold',
        '0.5',
        '--pause-duration',
        '0.002',
        '--max-workers',
        '1',
        '--dashboard',
      ],
      {
        timeoutMs: 100_000,
        onStderrLine: (line) => {
          const found = /Dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line);
          if (found?.[1] !== undefined) resolveUrl(found[1]);
        },
      },
    );
    const browser = await openBrowser();
    const errors: string[] = [];
    const outside: string[] = [];
    try {
      const page = await browser.context.newPage();
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
      await page.goto(await url);
      const progress = async (): Promise<number> =>
        Number(/^(\d+)/.exec((await page.textContent('#progress')) ?? '')?.[1] ?? -1);
      await page.locator('#progress', { hasText: /^\d+ \/ 30/ }).waitFor();
      const first = await progress();
      // The pause appears with a countdown…
      await page.locator('#state', { hasText: /^PAUSED/ }).waitFor({ timeout: 60_000 });
      assert.match((await page.textContent('#pause')) ?? '', /^resumes in \d+s at \d\d:\d\d:\d\dZ$/);
      const paused = await progress();
      assert.ok(paused > first || paused >= 14, `progress did not advance: ${first} → ${paused}`);
      // …and ends; the run finishes and the page keeps its final state.
      await page.locator('#state', { hasText: /^Run completed$/ }).waitFor({ timeout: 60_000 });
      assert.equal(await page.textContent('#progress'), '30 / 30 artists');
      assert.equal(await page.textContent('#pause'), 'not paused');
      assert.ok((await page.locator('#recentList li').count()) > 0, 'no recent artists shown');
      const result = await run;
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(
        errors.filter((e) => !/EventSource|ERR_CONNECTION|net::/.test(e)),
        [],
      );
      assert.deepEqual(outside, []);
    } finally {
      await browser.close();
      await run.catch(() => undefined);
    }
  },
);
