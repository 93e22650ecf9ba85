import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ latencyMs: 5, seed: 13 });
  finished = await finishedLines();
});
after(() => sim.close());
beforeEach(() => sim.reset());

const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url });

const idsOf = (text: string): string[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { artist_id: string }).artist_id);

let finished: Map<string, string>;

/** The lines of one real 6-artist run by artist id, made once for every test. */
async function finishedLines(): Promise<Map<string, string>> {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(6));
  const output = join(dir, 'out.jsonl');
  const r = await runCli(['--input', input, '--output', output, '--max-workers', '2'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  const byId = new Map<string, string>();
  for (const line of (await readFile(output, 'utf8')).split('\n').filter((l) => l !== '')) {
    byId.set((JSON.parse(line) as { artist_id: string }).artist_id, line);
  }
  assert.equal(byId.size, 6);
  return byId;
}

/** A fresh folder with the input of the finished run and an output path (not written yet). */
async function finishedOutput(): Promise<{ dir: string; input: string; output: string; byId: Map<string, string> }> {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(6));
  return { dir, input, output: join(dir, 'out.jsonl'), byId: finished };
}

function get(byId: Map<string, string>, id: string): string {
  const line = byId.get(id);
  assert.ok(line !== undefined, `a line for ${id}`);
  return line;
}

/**
 * Lines 2, 3, 6 and 7 are not records (a line torn in the middle, prose, a "success" without its
 * bio, an array) and line 5 repeats artist 1001; artists 1002 and 1004 have no valid line.
 */
function damagedText(byId: Map<string, string>): string {
  return (
    [
      get(byId, '1001'),
      get(byId, '1002').slice(0, 40),
      'this is not json at all',
      get(byId, '1003'),
      get(byId, '1001'),
      '{"artist_id":"1004","artist_name":"Artist 4","error":null}',
      '[1,2,3]',
      get(byId, '1005'),
      get(byId, '1006'),
    ].join('\n') + '\n'
  );
}

test('--resume on an output with garbage and duplicate lines warns with counts and line numbers, keeps every byte and redoes only the artists without a valid line', async () => {
  const { input, output, byId } = await finishedOutput();
  const damaged = damagedText(byId);
  await writeFile(output, damaged);
  sim.reset();
  const r = await runCli(['--input', input, '--output', output, '--resume', '--max-workers', '2'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /WARNING: Output .*out\.jsonl has 4 lines that are not output records \(lines 2, 3, 6, 7\) and 1 duplicate artist line \(line 5\); they were left in place .*validate .*out\.jsonl --repair/,
  );
  const after = await readFile(output, 'utf8');
  assert.ok(after.startsWith(damaged), 'every existing byte is kept');
  assert.deepEqual(idsOf(after.slice(damaged.length)).sort(), ['1002', '1004']);
  assert.equal(sim.stats().requests, 2, 'only the two artists without a valid line were requested');
});

test('the resume warning lists the first 20 line numbers and counts the rest', async () => {
  const { input, output, byId } = await finishedOutput();
  const garbage = Array.from({ length: 30 }, (_, i) => `garbage ${i}`);
  // A valid last line: a garbage last line would be cut as a torn write instead.
  await writeFile(output, [...byId.values(), ...garbage, get(byId, '1001')].join('\n') + '\n');
  const r = await runCli(['--input', input, '--output', output, '--resume'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /has 30 lines that are not output records \(lines 7, 8, .*, 26, … \(first 20 of 30 listed\)\) and 1 duplicate artist line \(line 37\)/,
  );
  assert.equal(sim.stats().requests, 0);
});

test('validate --repair keeps the first valid line of each artist, moves every other line to <stem>.rejected.jsonl and keeps the original as .bak', async () => {
  const { dir, input, output, byId } = await finishedOutput();
  const damaged = damagedText(byId) + get(byId, '1002') + '\n' + get(byId, '1004') + '\n';
  await writeFile(output, damaged);

  const r = await runCli(['validate', output, '--input', input, '--repair']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /Repaired .*out\.jsonl: kept 6 lines \(one per artist\); moved 5 lines to .*out\.rejected\.jsonl \(.*1 duplicate artist lines.*\); the original is kept as .*out\.jsonl\.bak/,
  );
  assert.match(r.stdout, /Result: OK/);
  assert.equal(await readFile(`${output}.bak`, 'utf8'), damaged, 'the original is kept byte for byte');
  const repaired = await readFile(output, 'utf8');
  assert.deepEqual(idsOf(repaired), ['1001', '1003', '1005', '1006', '1002', '1004']);
  assert.equal(repaired.split('\n')[0], get(byId, '1001'), 'kept lines are unchanged');

  const rejected = (await readFile(join(dir, 'out.rejected.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { line: number; reason: string; text: string });
  assert.deepEqual(
    rejected.map((e) => [e.line, e.reason]),
    [
      [2, 'invalid_json'],
      [3, 'invalid_json'],
      [5, 'duplicate'],
      [6, 'missing_field'],
      [7, 'not_object'],
    ],
  );
  assert.equal(rejected[1]?.text, 'this is not json at all', 'a rejected line keeps its exact text');

  const again = await runCli(['validate', output, '--repair']);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.match(
    again.stdout,
    /Nothing to repair in .*out\.jsonl: it already holds one valid line per artist \(6 lines\)/,
  );
  assert.equal(existsSync(`${output}.bak.1`), false, 'no backup when nothing changed');
});

test('validate --repair exits 1 when artists are still missing, 2 while a run holds the output lock, and 1 for a missing file', async () => {
  const { input, output, byId } = await finishedOutput();
  const damaged = damagedText(byId);
  await writeFile(output, damaged);

  await writeFile(`${output}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), since: 'now' }));
  const locked = await runCli(['validate', output, '--repair']);
  assert.equal(locked.code, 2, locked.stdout + locked.stderr);
  assert.match(locked.stderr, /Another run \(pid \d+.*\) is writing/);
  assert.equal(await readFile(output, 'utf8'), damaged, 'the output is untouched');

  await writeFile(`${output}.lock`, JSON.stringify({ pid: 999_999_999, host: hostname(), since: 'then' }));
  const missing = await runCli(['validate', output, '--input', input, '--repair']);
  assert.equal(missing.code, 1, missing.stdout + missing.stderr);
  assert.match(missing.stdout, /Repaired .*kept 4 lines/);
  assert.match(missing.stdout, /2 input artists missing from the output/);
  assert.equal(existsSync(`${output}.lock`), false, 'the stale lock was taken over and released');

  const none = await runCli(['validate', join(output, '..', 'nope.jsonl'), '--repair']);
  assert.equal(none.code, 1, none.stderr);
  assert.match(none.stderr, /Cannot repair .*nope\.jsonl: no such file/);
});
