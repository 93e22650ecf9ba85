import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { continueCommand } from '../src/cli/continue-command.js';
import { resolveRunConfig } from '../src/config/index.js';
import { artists, BIN, runCli, tempDir, writeCsv } from './support/cli.js';

test('run --help piped into head -2 exits cleanly without an EPIPE trace', () => {
  const result = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" run --help | head -2`], { encoding: 'utf8' });
  assert.equal(result.status, 0);
  assert.equal(result.stdout.split('\n').filter((l) => l !== '').length, 1);
  assert.doesNotMatch(result.stderr, /EPIPE|Error/);
});

test('validate on a missing file says so in words, with the one error prefix', async () => {
  const dir = await tempDir();
  const result = await runCli(['validate', join(dir, 'nope.jsonl')]);
  assert.equal(result.code, 1);
  assert.equal(result.stderr.trim(), `ERROR: Cannot read output file ${join(dir, 'nope.jsonl')}: no such file`);
  const usage = await runCli(['run', '--bogus']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^ERROR: unknown option '--bogus'/);
});

test('--daily-limit none and DAILY_REQUEST_LIMIT=none mean no limit, and the flag lifts a .env limit', () => {
  const base = { envLocal: {}, dotEnv: { DAILY_REQUEST_LIMIT: '5000' } };
  const fromFlag = resolveRunConfig({ ...base, flags: { input: 'a.csv', dailyLimit: 'None' }, env: {} });
  assert.equal(fromFlag.config.dailyLimit, undefined);
  const fromEnv = resolveRunConfig({ ...base, flags: { input: 'a.csv' }, env: { DAILY_REQUEST_LIMIT: 'none' } });
  assert.equal(fromEnv.config.dailyLimit, undefined);
  const kept = resolveRunConfig({ ...base, flags: { input: 'a.csv' }, env: {} });
  assert.equal(kept.config.dailyLimit, 5000);
});

test('the continue command drops --overwrite, adds --resume and never shows a secret', () => {
  assert.equal(
    continueCommand([
      '--input',
      'my artists.csv',
      '--overwrite',
      '--api-key',
      'sk-secret',
      '--db-url=postgres://u:p@h/db',
    ]),
    `artist-bio-gen --input 'my artists.csv' --api-key "$OPENAI_API_KEY" --db-url "$DATABASE_URL" --resume`,
  );
  assert.equal(continueCommand(['run', '--resume', '--input', 'a.csv']), 'artist-bio-gen run --resume --input a.csv');
});

test('a quota stop prints plain words, its reason once and the exact command to continue once', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'artists.csv', artists(8));
  const output = join(dir, 'out.jsonl');
  const args = ['run', '--simulate', '--input', input, '--output', output, '--daily-limit', '3'];
  const result = await runCli([...args, '--quota-threshold', '1', '--on-daily-limit', 'exit', '--max-workers', '1']);
  assert.equal(result.code, 5);
  assert.match(result.stderr, /INFO: Run stopped by the quota after /);
  assert.doesNotMatch(result.stderr, /quota_stopped|SIGINT: /);
  assert.equal(result.stderr.match(/Daily request limit reached/g)?.length, 1);
  const hints = result.stderr.match(/To continue: .*/g) ?? [];
  assert.deepEqual(hints, [
    `To continue: artist-bio-gen ${args.join(' ')} --quota-threshold 1 --on-daily-limit exit --max-workers 1 --resume`,
  ]);
  assert.match(result.stderr, /Success Rate|3 not measurable/);
});

test('--log-format json lines carry structured fields and no decoration lines', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'artists.csv', artists(3));
  const result = await runCli([
    'run',
    '--simulate',
    '--input',
    input,
    '--output',
    join(dir, 'out.jsonl'),
    '--log-format',
    'json',
    '--test-mode',
  ]);
  assert.equal(result.code, 0);
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(
    records.every((r) => typeof r['event'] === 'string'),
    'every line names its event',
  );
  assert.ok(!records.some((r) => String(r['message']).startsWith('====')), 'no separator lines');
  const done = records.filter((r) => r['event'] === 'artist:done');
  assert.equal(done.length, 3);
  assert.deepEqual(done.map((r) => r['artist_id']).sort(), ['1001', '1002', '1003']);
  assert.ok(records.some((r) => r['level'] === 'WARNING' && /--test-mode only applies/.test(String(r['message']))));
});
