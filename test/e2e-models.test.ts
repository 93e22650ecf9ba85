import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import type { SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

let sim: SimulatorHandle;

before(async () => {
  sim = await startSimulator({ seed: 12 });
});
after(() => sim.close());

const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url });

type Json = Record<string, unknown>;

async function jsonl(path: string): Promise<Json[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Json);
}

test('the default template against gpt-6-luna succeeds; content_filter fails after exactly one attempt', async () => {
  sim.reset();
  const dir = await tempDir();
  const rows = [...artists(5), { id: '2001', name: 'Filtered One', data: 'FILTERED' }];
  const input = await writeCsv(dir, 'a.csv', rows);
  const output = join(dir, 'o.jsonl');
  const r = await runCli(['--input', input, '--output', output, '--max-workers', '3'], { env: env() });
  assert.equal(r.code, 4, r.stderr);
  assert.doesNotMatch(r.stderr, /does not accept/, 'the shipped template sends nothing the model refuses');
  const lines = await jsonl(output);
  assert.equal(lines.length, 5);
  for (const line of lines) {
    assert.equal(line.model, 'gpt-6-luna');
    assert.match(String(line.prompt_fingerprint), /^sha256:[0-9a-f]{16}$/);
  }
  assert.equal(new Set(lines.map((l) => l.prompt_fingerprint)).size, 1);
  const errors = await jsonl(join(dir, 'o.errors.jsonl'));
  assert.deepEqual(
    errors.map((e) => [e.artist_id, e.reason, e.attempts]),
    [['2001', 'content_filter', 1]],
  );
  assert.equal(sim.stats().requestsPerArtist['2001'], 1, 'one billed attempt');
});

test('a cap too small for the reasoning: each artist is retried once with a larger cap, never more than 2 attempts', async () => {
  sim.reset();
  const dir = await tempDir();
  const template = join(dir, 'tight.md');
  // Medium effort spends about 380–580 reasoning tokens; 300 never fits, 600 fits some artists.
  await writeFile(
    template,
    '---\nmodel: gpt-6-luna\nreasoning_effort: medium\nmax_output_tokens: 300\n---\nWrite a bio of {{artist_name}} ({{artist_data}}).\n',
  );
  const rows = artists(12);
  const input = await writeCsv(dir, 'a.csv', rows);
  const output = join(dir, 'o.jsonl');
  const r = await runCli(
    ['--input', input, '--output', output, '--prompt-file', template, '--max-retries', '5', '--max-workers', '4'],
    { env: env() },
  );
  const lines = await jsonl(output);
  const errors = await jsonl(join(dir, 'o.errors.jsonl'));
  assert.equal(lines.length + errors.length, rows.length, r.stderr);
  assert.ok(errors.length > 0 && lines.length > 0, `${lines.length} ok, ${errors.length} failed: both outcomes occur`);
  assert.equal(r.code, 4);
  for (const line of lines) assert.equal(line.attempts, 2, 'the first answer was cut off, the raised cap fit');
  for (const error of errors) {
    assert.equal(error.reason, 'max_output_tokens');
    assert.equal(error.attempts, 2);
  }
  for (const row of rows) assert.equal(sim.stats().requestsPerArtist[row.id], 2, row.id);
});

test('a grounded run keeps the cited pages as sources and cleans the markers from the text', async () => {
  sim.reset();
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(3));
  const output = join(dir, 'o.jsonl');
  const template = join(process.cwd(), 'templates', 'grounded-bio.md');
  const r = await runCli(['--input', input, '--output', output, '--prompt-file', template], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  const plainFingerprint = (await jsonl(output))[0]?.prompt_fingerprint;
  for (const line of await jsonl(output)) {
    const sources = line.sources as { url: string; title: string }[];
    assert.equal(sources.length, 2);
    for (const source of sources) {
      assert.match(source.url, /^https:\/\//);
      assert.ok(source.title.length > 0);
    }
    assert.doesNotMatch(String(line.response_text), /\]\(https?:/, 'no inline citation marker is left');
  }
  const flagged = join(dir, 'f.jsonl');
  const f = await runCli(['--input', input, '--output', flagged, '--web-search'], { env: env() });
  assert.equal(f.code, 0, f.stderr);
  const first = (await jsonl(flagged))[0];
  assert.equal((first?.sources as unknown[]).length, 2, '--web-search grounds the default template');
  assert.notEqual(first?.prompt_fingerprint, plainFingerprint);
});
