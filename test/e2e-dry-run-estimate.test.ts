/**
 * `--dry-run` estimates the whole job (docs/costs.md#the-estimate): tokens counted with the
 * model's tokenizer, the three tier costs and the days under the daily limit, with nothing sent
 * and nothing written.
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { runCli, tempDir } from './support/cli.js';

const EXAMPLE_100 = fileURLToPath(new URL('../examples/artists_100.csv', import.meta.url));

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ latencyMs: 5, seed: 3 });
});
after(() => sim.close());

const usd = (text: string, tier: string): [number, number] => {
  const m = new RegExp(`^\\s+${tier}\\s+\\$([\\d.]+)\\s+\\$([\\d.]+)$`, 'm').exec(text);
  assert.ok(m, `no ${tier} cost line in:\n${text}`);
  return [Number(m[1]), Number(m[2])];
};

test('--dry-run on the 100-artist example prints token counts and the three tier costs, sends nothing, writes nothing', async () => {
  const dir = await tempDir();
  const r = await runCli(['run', '--input', EXAMPLE_100, '--output', join(dir, 'bios.jsonl'), '--dry-run'], {
    cwd: dir,
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(sim.stats().requests, 0);
  assert.match(r.stdout, /ESTIMATE for 100 artist\(s\)/);
  const input = /Input tokens:\s+([\d,]+) \(o200k_base tokenizer/.exec(r.stdout);
  assert.ok(input, r.stdout);
  // The shipped template alone is over 100 tokens per request: not a characters ÷ 4 guess of the names.
  assert.ok(Number(input[1]?.replace(/,/g, '')) > 100 * 100, r.stdout);
  assert.match(r.stdout, /Output tokens:\s+50,000 expected .* 300,000 at worst/);
  const [standard, standardWorst] = usd(r.stdout, 'standard');
  const [flex] = usd(r.stdout, 'flex');
  const [batch] = usd(r.stdout, 'batch');
  assert.ok(standard > 0 && standardWorst > standard);
  assert.ok(flex < standard && batch < standard);
  assert.deepEqual(
    (await readdir(dir)).filter((f) => !f.startsWith('.')),
    [],
    'a dry run writes no file',
  );
});

async function writeRows(dir: string, count: number): Promise<string> {
  const rows = ['artist_id,artist_name,artist_data'];
  for (let i = 1; i <= count; i++) rows.push(`${100_000 + i},Artist ${i},"Genre ${i % 7}, from City ${i % 5}"`);
  const input = join(dir, `rows-${count}.csv`);
  await writeFile(input, `${rows.join('\n')}\n`);
  return input;
}

test('--dry-run on 50,000 rows with --daily-limit 5000 says the job spans 10+ days at the default threshold', async () => {
  const dir = await tempDir();
  const input = await writeRows(dir, 50_000);
  const args = ['run', '--input', input, '--output', join(dir, 'bios.jsonl'), '--dry-run', '--daily-limit', '5000'];
  const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url };
  const text = await runCli(args, { cwd: dir, env, timeoutMs: 120_000 });
  assert.equal(text.code, 0, text.stderr);
  const span = /spans (\d+) days at --daily-limit 5000, threshold 0\.8/.exec(text.stdout);
  assert.ok(span, text.stdout);
  assert.equal(Number(span[1]), 13);
  assert.equal(sim.stats().requests, 0);
});

test('--dry-run --log-format json prints the same estimate as one document (5,000 rows at --daily-limit 500)', async () => {
  // A tenth of the rows and of the limit: the same 13 days, a tenth of the tokenizer's work.
  const dir = await tempDir();
  const input = await writeRows(dir, 5_000);
  const args = ['run', '--input', input, '--output', join(dir, 'bios.jsonl'), '--dry-run', '--daily-limit', '500'];
  const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url };
  const json = await runCli([...args, '--log-format', 'json'], { cwd: dir, env, timeoutMs: 120_000 });
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as {
    tokens: { requests: number; inputTokens: number; tiers: Array<{ tier: string }> };
    duration: { days: number; requestsPerDay: number };
  };
  assert.equal(doc.tokens.requests, 5_000);
  assert.ok(doc.tokens.inputTokens > 5_000 * 100);
  assert.deepEqual(
    doc.tokens.tiers.map((t) => t.tier),
    ['standard', 'flex', 'batch'],
  );
  assert.equal(doc.duration.requestsPerDay, 400);
  assert.equal(doc.duration.days, 13);
  assert.equal(sim.stats().requests, 0);
});
