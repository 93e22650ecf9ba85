import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ seed: 31 });
});
after(() => sim.close());

const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url });

interface Line {
  artist_id: string;
  response_text: string;
  prompt_fingerprint?: string;
}

async function rawLines(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
}

const parse = (l: string): Line => JSON.parse(l) as Line;

const TEMPLATE_A = '---\nmodel: gpt-6-luna\nreasoning_effort: low\n---\nWrite a short bio of {{artist_name}}.\n';
const TEMPLATE_B =
  '---\nmodel: gpt-6-luna\nreasoning_effort: low\n---\nWrite a catalog bio of {{artist_name}} ({{artist_data}}).\n';

/** A paid bio from an older version: no prompt_fingerprint, so it counts as stale. */
const OLD_LINE = JSON.stringify({
  artist_id: '2001',
  artist_name: 'Filtered One',
  request: { model: 'gpt-4o-mini', variables: { artist_name: 'Filtered One', artist_data: 'FILTERED' } },
  response_text: 'An old paid bio.',
  response_id: 'resp_old',
  created: 1_760_000_000,
  model: 'gpt-4o-mini',
  usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
  attempts: 1,
  duration_ms: 5,
  db_status: null,
  error: null,
});

test('after a template change, --resume --redo-stale regenerates exactly the stale lines, keeps a bio whose redo fails, and leaves one line per artist', async () => {
  const dir = await tempDir();
  const template = join(dir, 'bio.md');
  const output = join(dir, 'o.jsonl');
  const rows = artists(9);
  const staleRows = rows.slice(0, 6);
  const filtered = { id: '2001', name: 'Filtered One', data: 'FILTERED' };

  // 6 bios with template A, plus one old line without a fingerprint.
  await writeFile(template, TEMPLATE_A);
  const first = await runCli(
    ['--input', await writeCsv(dir, 'first.csv', staleRows), '--output', output, '--prompt-file', template],
    { env: env() },
  );
  assert.equal(first.code, 0, first.stderr);
  await appendFile(output, `${OLD_LINE}\n`);

  // The template changes; a plain --resume adds the 3 missing artists with template B and redoes nothing.
  await writeFile(template, TEMPLATE_B);
  const input = await writeCsv(dir, 'all.csv', [...rows, filtered]);
  const plain = await runCli(['--input', input, '--output', output, '--prompt-file', template, '--resume'], {
    env: env(),
  });
  assert.equal(plain.code, 0, plain.stderr);
  const beforeRedo = await rawLines(output);
  assert.equal(beforeRedo.length, 10);
  const fingerprints = new Set(beforeRedo.map((l) => parse(l).prompt_fingerprint));
  assert.equal(fingerprints.size, 3, 'A, B and none');
  const current = parse(beforeRedo[beforeRedo.length - 1] ?? '{}').prompt_fingerprint;
  const freshLines = beforeRedo.filter((l) => parse(l).prompt_fingerprint === current);
  assert.equal(freshLines.length, 3);

  sim.reset();
  const redo = await runCli(
    ['--input', input, '--output', output, '--prompt-file', template, '--resume', '--redo-stale'],
    { env: env() },
  );
  assert.equal(redo.code, 4, `the FILTERED artist's redo fails: ${redo.stderr}`);
  assert.match(redo.stderr, /7 bios were written by another prompt/);
  const stats = sim.stats();
  assert.equal(stats.requests, 7, 'one request per stale line, none for fresh lines');
  assert.deepEqual(Object.keys(stats.requestsPerArtist).sort(), [...staleRows.map((r) => r.id), '2001'].sort());

  const after = await rawLines(output);
  const ids = after.map((l) => parse(l).artist_id);
  assert.equal(after.length, 10, 'exactly one line per artist');
  assert.equal(new Set(ids).size, 10);
  for (const line of freshLines) assert.ok(after.includes(line), 'fresh lines are untouched, byte for byte');
  assert.ok(after.includes(OLD_LINE), 'the bio whose redo failed keeps its old, paid line');
  for (const row of staleRows) {
    assert.equal(after.map(parse).find((l) => l.artist_id === row.id)?.prompt_fingerprint, current, row.id);
  }
  const backup = await rawLines(`${output}.bak`);
  assert.equal(backup.length, 16, 'the file before compaction is kept: 10 lines + 6 replacements');
  assert.match(redo.stderr, /Removed 6 replaced lines/);

  // Nothing is stale any more: a second redo sends nothing but retries the failed artist.
  sim.reset();
  const again = await runCli(
    ['--input', input, '--output', output, '--prompt-file', template, '--resume', '--redo-stale'],
    { env: env() },
  );
  assert.equal(again.code, 4, again.stderr);
  assert.deepEqual(Object.keys(sim.stats().requestsPerArtist), ['2001']);
  assert.deepEqual(await rawLines(output), after);
});

test('--redo-stale without --resume is a usage error', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(1));
  const r = await runCli(['--input', input, '--output', join(dir, 'o.jsonl'), '--redo-stale'], { env: env() });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--redo-stale needs --resume/);
});
