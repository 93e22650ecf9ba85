/**
 * `--max-cost` end to end (docs/costs.md#dollar-limits): a run stops before the job's cap with
 * exit 5 and the command to continue; `--resume` with a higher cap finishes without passing it
 * (the cap counts every run on the output); a larger-cap retry reserves its own worst case. The
 * simulator's token totals are the bill: it must never pass the cap.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadCounter, priceFor, requestInputTokens, roundUsd, worstCaseCost } from '../src/cost/index.js';
import { createRequestBuilder, loadTemplate } from '../src/prompt/index.js';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv, type Row } from './support/cli.js';

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ latencyMs: 5, seed: 29 });
});
after(() => sim.close());

const PRICE = priceFor('gpt-6-luna', 'standard');

/** What the simulator billed so far, at gpt-6-luna's standard price (short prompts are never cached). */
function billed(): number {
  assert.ok(PRICE);
  const { input, output } = sim.stats().tokens;
  return roundUsd((input * PRICE.input + output * PRICE.output) / 1_000_000);
}

/** The reservation of one request of `rows` under `templatePath`: largest input at `cap`. */
async function reservation(rows: Row[], templatePath: string | undefined, cap: number): Promise<number> {
  assert.ok(PRICE);
  const builder = createRequestBuilder({ kind: 'template', template: await loadTemplate(templatePath) }, 'responses');
  const count = await loadCounter('gpt-6-luna');
  let max = 0;
  for (const [i, row] of rows.entries()) {
    const tokens = requestInputTokens(
      builder.build({ id: row.id, name: row.name, data: row.data ?? '', line: i + 2 }),
      count,
    );
    max = Math.max(max, tokens ?? 0);
  }
  return worstCaseCost(max, cap, PRICE);
}

async function lines(path: string): Promise<Array<{ artist_id: string; cost_usd: number | null }>> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { artist_id: string; cost_usd: number | null });
}

const spent = (ls: Array<{ cost_usd: number | null }>): number =>
  roundUsd(ls.reduce((s, l) => s + (l.cost_usd ?? 0), 0));

test('--max-cost stops before the cap with exit 5 and the resume command; --resume with a higher cap finishes within it', async () => {
  sim.reset();
  const dir = await tempDir();
  const rows = artists(40);
  const input = await writeCsv(dir, 'a.csv', rows);
  const output = join(dir, 'o.jsonl');
  const reserve = await reservation(rows, undefined, 1000);
  // An answer uses about half its cap: five worst cases are about ten artists' worth.
  const cap1 = roundUsd(5 * reserve);
  const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url };
  const base = ['--input', input, '--output', output, '--max-workers', '2'];
  const first = await runCli([...base, '--max-cost', String(cap1)], { cwd: dir, env });
  assert.equal(first.code, 5, first.stderr);
  assert.match(first.stderr, /Cost limit reached: this job has spent \$[\d.]+ of --max-cost/);
  assert.match(first.stderr, /To continue: .*--resume/);
  const done1 = await lines(output);
  assert.ok(done1.length >= 5 && done1.length < rows.length, `${done1.length} artists done`);
  assert.ok(spent(done1) <= cap1, `lines ${spent(done1)} > cap ${cap1}`);
  assert.ok(billed() <= cap1, `billed ${billed()} > cap ${cap1}`);

  // Enough for every artist left at its worst case, counting what the first run spent.
  const cap2 = roundUsd(spent(done1) + (rows.length - done1.length) * reserve + 1e-6);
  const second = await runCli([...base, '--resume', '--max-cost', String(cap2)], { cwd: dir, env });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /already spent by earlier runs/);
  const all = await lines(output);
  assert.deepEqual(all.map((l) => l.artist_id).sort(), rows.map((r) => r.id).sort());
  assert.ok(spent(all) <= cap2, `lines ${spent(all)} > cap ${cap2}`);
  assert.ok(billed() <= cap2, `billed ${billed()} > cap ${cap2}`);
});

test('a larger-cap retry reserves its own worst case: what the provider billed never passes --max-cost', async () => {
  sim.reset();
  const dir = await tempDir();
  const template = join(dir, 'tight.md');
  // Medium effort spends about 380–580 reasoning tokens: 300 never fits, so every artist is
  // retried at 600, which fits some of them.
  await writeFile(
    template,
    '---\nmodel: gpt-6-luna\nreasoning_effort: medium\nmax_output_tokens: 300\n---\nWrite a bio of {{artist_name}} ({{artist_data}}).\n',
  );
  const rows = artists(16);
  const input = await writeCsv(dir, 'a.csv', rows);
  const output = join(dir, 'o.jsonl');
  const cap = roundUsd(6 * (await reservation(rows, template, 600)));
  const r = await runCli(
    ['--input', input, '--output', output, '--prompt-file', template, '--max-workers', '2', '--max-cost', String(cap)],
    { cwd: dir, env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url } },
  );
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, /Cost limit reached/);
  assert.ok(sim.stats().requests > 2, 'raised-cap retries were sent');
  assert.ok(billed() <= cap, `billed ${billed()} > cap ${cap}`);
});
