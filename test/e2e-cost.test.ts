/**
 * Dollars in a run: each output line's cost_usd, the summary total, unknown models, --prices.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { costOf, priceFor, roundUsd } from '../src/cost/index.js';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ latencyMs: 5, seed: 11 });
});
after(() => sim.close());

interface CostLine {
  artist_id: string;
  model: string;
  usage: { input_tokens: number; output_tokens: number };
  cost_usd: number | null;
}

async function costLines(path: string): Promise<CostLine[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as CostLine);
}

async function run(dir: string, extra: string[]): Promise<{ code: number | null; stderr: string; output: string }> {
  const input = await writeCsv(dir, 'artists.csv', artists(12));
  const output = join(dir, 'bios.jsonl');
  const r = await runCli(['run', '--input', input, '--output', output, '--max-workers', '4', ...extra], {
    cwd: dir,
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url },
  });
  return { code: r.code, stderr: r.stderr, output };
}

test('every line records cost_usd = usage × the model price, and the summary total is the sum of the lines', async () => {
  const dir = await tempDir();
  const r = await run(dir, ['--model', 'gpt-4o-mini']);
  assert.equal(r.code, 0, r.stderr);
  const lines = await costLines(r.output);
  assert.equal(lines.length, 12);
  const price = priceFor('gpt-4o-mini', 'standard');
  assert.ok(price);
  let sum = 0;
  for (const line of lines) {
    assert.equal(line.model, 'gpt-4o-mini');
    assert.ok(line.usage.output_tokens > 0);
    assert.equal(line.cost_usd, costOf(line.usage, price));
    sum = roundUsd(sum + (line.cost_usd ?? 0));
  }
  const total = /Cost: \$[\d.]+ \(([\d.e-]+) USD\)/.exec(r.stderr);
  assert.ok(total, r.stderr);
  assert.equal(Number(total[1]), sum);
});

test('an unknown model gets one warning and cost_usd null; a --prices file gives it a price', async () => {
  const dir = await tempDir();
  const r = await run(dir, ['--model', 'house-llm-7b']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.match(/No standard price known for model "house-llm-7b"/g)?.length, 1, r.stderr);
  assert.ok((await costLines(r.output)).every((l) => l.cost_usd === null));
  assert.match(r.stderr, /Cost: n\/a/);

  const dir2 = await tempDir();
  const prices = join(dir2, 'prices.yaml');
  await writeFile(prices, 'house-llm-7b:\n  input: 1\n  output: 2\n');
  const r2 = await run(dir2, ['--model', 'house-llm-7b', '--prices', prices]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.doesNotMatch(r2.stderr, /No standard price known/);
  for (const line of await costLines(r2.output)) {
    assert.equal(line.cost_usd, costOf(line.usage, { input: 1, cachedInput: 1, output: 2 }));
  }
});

test('an unreadable --prices file stops before anything is sent, exit 3', async () => {
  const dir = await tempDir();
  const before = sim.stats().requests;
  const r = await run(dir, ['--prices', join(dir, 'nope.json')]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /Cannot read price file .*nope\.json/);
  assert.equal(sim.stats().requests, before);
});
