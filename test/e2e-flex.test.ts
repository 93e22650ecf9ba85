import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { costOf, priceFor } from '../src/cost/index.js';
import { startSimulator } from '../src/simulator/index.js';
import type { SimulatorOptions } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

interface Line {
  artist_id: string;
  mode?: string;
  service_tier?: string;
  cost_usd?: number | null;
  usage: { input_tokens: number; output_tokens: number };
  [key: string]: unknown;
}

interface Report {
  performance: { pauses: number; pausesByReason: Record<string, number> };
  billing: {
    mode: string;
    costUsd: number | null;
    standardCostUsd: number | null;
    savingUsd: number | null;
    savingPercent: number | null;
    linesByTier: Record<string, number>;
  };
  analysis: { retriesByKind: Record<string, number>; rateLimitedByKind: Record<string, number> };
}

async function lines(path: string): Promise<Line[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

/** gpt-4.1-mini's price per 1M tokens at a tier, from the shipped table. */
function expectedCost(line: Line, tier: 'standard' | 'flex'): number {
  const price = priceFor('gpt-4.1-mini', tier);
  assert.ok(price);
  return costOf(line.usage, price);
}

async function flexRun(simOptions: SimulatorOptions, n: number, extra: string[]) {
  const sim = await startSimulator({ seed: 11, ...simOptions });
  try {
    const dir = await tempDir();
    const rows = artists(n);
    const input = await writeCsv(dir, 'a.csv', rows);
    const output = join(dir, 'out.jsonl');
    const reportPath = join(dir, 'report.json');
    const result = await runCli(
      [
        '--input',
        input,
        '--output',
        output,
        '--max-workers',
        '8',
        '--mode',
        'flex',
        '--model',
        'gpt-4.1-mini',
        '--report',
        reportPath,
        ...extra,
      ],
      { env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url } },
    );
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as Report;
    return { result, found: await lines(output), stats: sim.stats(), ids: rows.map((r) => r.id), report };
  } finally {
    await sim.close();
  }
}

test('flex mode with 30 % resource-unavailable 429s completes every artist at the flex tier, holding no worker off', async () => {
  const { result, found, stats, ids, report } = await flexRun({ flexUnavailableRate: 0.3 }, 60, ['--max-retries', '0']);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(found.map((l) => l.artist_id).sort(), [...ids].sort());
  assert.ok(found.every((l) => l.mode === 'flex' && l.service_tier === 'flex'));
  for (const line of found) assert.equal(line.cost_usd, expectedCost(line, 'flex'));
  const first = found[0];
  assert.ok(first && expectedCost(first, 'flex') * 2 - expectedCost(first, 'standard') < 1e-9);
  // The refusals happened, were retried although --max-retries is 0, and every request asked for flex.
  assert.ok((stats.flex?.resourceUnavailable ?? 0) >= 5, JSON.stringify(stats.flex));
  assert.equal(stats.flex?.requestsByTier['flex'], 60 + (stats.flex?.resourceUnavailable ?? 0));
  assert.equal(stats.flex?.requestsByTier['default'], undefined);
  // Not a rate limit: each refusal was one retry of its own artist, and nothing paused the run.
  assert.equal(report.analysis.retriesByKind['resource_unavailable'], stats.flex?.resourceUnavailable);
  assert.equal(report.performance.pauses, 0);
  // The report's billing section: every line at the flex tier, half the standard price.
  const spent = found.reduce((sum, l) => sum + (l.cost_usd ?? 0), 0);
  const standard = found.reduce((sum, l) => sum + expectedCost(l, 'standard'), 0);
  assert.equal(report.billing.mode, 'flex');
  assert.deepEqual(report.billing.linesByTier, { flex: 60 });
  assert.ok(Math.abs((report.billing.costUsd ?? -1) - spent) < 1e-6);
  assert.ok(Math.abs((report.billing.standardCostUsd ?? -1) - standard) < 1e-6);
  assert.equal(report.billing.savingPercent, 50);
  assert.match(result.stderr, /Mode flex: lines by tier 60 flex · spend \$[0-9.]+ · at standard prices .* \(50 %\)/);
  assert.doesNotMatch(result.stderr, /holds off|Rate limit hit/i);
});

test('--flex-fallback standard --flex-fallback-after 2 sends refused artists at the standard tier and records it', async () => {
  const { result, found, stats, report } = await flexRun({ flexUnavailableRate: 1 }, 12, [
    '--flex-fallback',
    'standard',
    '--flex-fallback-after',
    '2',
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(found.length, 12);
  assert.ok(found.every((l) => l.mode === 'flex' && l.service_tier === 'default'));
  for (const line of found) assert.equal(line.cost_usd, expectedCost(line, 'standard'));
  // Exactly two flex tries per artist, then one standard request.
  assert.equal(stats.flex?.requestsByTier['flex'], 24);
  assert.equal(stats.flex?.requestsByTier['default'], 12);
  // Fallback lines are billed at the standard price: nothing saved.
  assert.deepEqual(report.billing.linesByTier, { standard: 12 });
  assert.equal(report.billing.savingUsd, 0);
  assert.equal(report.billing.savingPercent, 0);
});
