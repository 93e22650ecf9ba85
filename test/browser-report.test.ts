import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSkip, openBrowser } from './support/browser.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

/** Opens a page, noting console errors and every request that is not a local file or data: URL. */
async function inspect(page: Page, url: string): Promise<{ errors: string[]; outside: string[] }> {
  const errors: string[] = [];
  const outside: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/*', async (route) => {
    const target = route.request().url();
    if (target.startsWith('file:') || target.startsWith('data:')) await route.continue();
    else {
      outside.push(target);
      await route.abort();
    }
  });
  await page.goto(url);
  return { errors, outside };
}

async function chartShapes(page: Page): Promise<Record<string, number>> {
  const shapes: Record<string, number> = {};
  for (const chart of await page.locator('svg.chart').all()) {
    shapes[(await chart.getAttribute('data-chart')) ?? '?'] = await chart.locator('rect, polyline, text').count();
  }
  return shapes;
}

test(
  'the HTML report of a run with a threshold pause renders every chart offline, without console errors',
  { skip: browserSkip, timeout: 90_000 },
  async () => {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'artists.csv', artists(24));
    const output = join(dir, 'out.jsonl');
    const report = join(dir, 'run.html');
    const run = await runCli([
      'run',
      '--simulate',
      '--input',
      input,
      '--output',
      output,
      '--daily-limit',
      '40',
      '--quota-threshold',
      '0.5',
      '--pause-duration',
      '0.0003',
      '--report',
      report,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const after = join(dir, 'after.html');
    const rebuilt = await runCli(['report', output, '--html', '--out', after]);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);

    const browser = await openBrowser();
    try {
      for (const file of [report, after]) {
        const page = await browser.context.newPage();
        const seen = await inspect(page, pathToFileURL(file).href);
        const shapes = await chartShapes(page);
        assert.deepEqual(Object.keys(shapes).sort(), ['cost', 'errors', 'latency', 'quota', 'requests']);
        for (const [id, count] of Object.entries(shapes)) assert.ok(count >= 3, `chart ${id} is empty in ${file}`);
        assert.deepEqual(seen.errors, []);
        assert.deepEqual(seen.outside, []);
        const table = await page.textContent('table');
        assert.match(table ?? '', /Success Rate.*100\.0% \(24\/24\)/s);
        await page.close();
      }
      // The live report saw the threshold pause: it is shaded on the requests chart.
      const page = await browser.context.newPage();
      await page.goto(pathToFileURL(report).href);
      assert.ok((await page.$$('svg[data-chart="requests"] rect.pause')).length >= 1, 'pause not shaded');
      assert.ok((await page.$$('svg[data-chart="requests"] rect.bar')).length >= 2, 'no bars');
      assert.ok((await page.$$('svg[data-chart="cost"] polyline')).length === 1, 'no cost line');
    } finally {
      await browser.close();
    }
  },
);
