import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { runCli, tempDir } from './support/cli.js';
import { startHostileServer, type HostileServer } from './support/hostile-server.js';

let server: HostileServer;
before(async () => {
  server = await startHostileServer(() => ({ kind: 'ok' }));
});
after(() => server.close());

const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url });
const README = fileURLToPath(new URL('../README.md', import.meta.url));

test('a header with unknown column names (ArtistID,ArtistName,Description) is not sent as an artist', async () => {
  const dir = await tempDir();
  const input = join(dir, 'a.csv');
  await writeFile(input, 'ArtistID,ArtistName,Description\n1001,Nina Simone,jazz\n1002,Fela Kuti,afrobeat\n');
  const output = join(dir, 'out.jsonl');
  const before = server.requests.length;
  const r = await runCli(['--input', input, '--output', output], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(server.requests.length - before, 2);
  const ids = (await readFile(output, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { artist_id: string }).artist_id);
  assert.deepEqual(ids.sort(), ['1001', '1002']);
});

test('--input README.md is refused before any request, and --force lets it through', async () => {
  const dir = await tempDir();
  const input = join(dir, 'README.md');
  await copyFile(README, input);
  const before = server.requests.length;
  const r = await runCli(['--input', input, '--output', join(dir, 'out.jsonl')], { env: env() });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /does not look like an artist file/);
  assert.match(r.stderr, /--force/);
  assert.equal(server.requests.length, before, 'nothing was sent');
  const forced = await runCli(['--input', input, '--output', join(dir, 'out.jsonl'), '--force', '--dry-run'], {
    env: env(),
  });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(server.requests.length, before);
});

test('2,000 duplicate rows give at most 50 row warnings plus a count of the rest', async () => {
  const dir = await tempDir();
  const input = join(dir, 'dups.csv');
  await writeFile(input, `artist_id,artist_name\n${'1001,Nina Simone\n'.repeat(2001)}`);
  const r = await runCli(['--input', input, '--output', join(dir, 'out.jsonl'), '--dry-run'], { env: env() });
  assert.equal(r.code, 1, r.stderr);
  const warnings = r.stderr.split('\n').filter((l) => /WARNING: Line \d+:/.test(l));
  assert.equal(warnings.length, 50);
  assert.match(r.stderr, /\.\.\. and 1950 more row warnings not shown/);
  assert.ok(r.stderr.length < 20_000, `stderr stays small, got ${r.stderr.length} bytes`);
});

test('NUL bytes are refused at input with their line number, and a zero-width-only name counts as blank', async () => {
  const dir = await tempDir();
  const input = join(dir, 'a.csv');
  await writeFile(
    input,
    'artist_id,artist_name,artist_data\n1001,Nina Simone,jazz\n1002,Fela\u0000Kuti,afrobeat\n1003,\u200B\u200D\u2060,ghost\n1004,Miriam Makeba,\u0000\n1005,Sun Ra,space\n',
  );
  const output = join(dir, 'out.jsonl');
  const r = await runCli(['--input', input, '--output', output], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Line 3: contains a NUL byte/);
  assert.match(r.stderr, /Line 4: missing artist name/);
  assert.match(r.stderr, /Line 5: contains a NUL byte/);
  const ids = (await readFile(output, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { artist_id: string }).artist_id);
  assert.deepEqual(ids.sort(), ['1001', '1005']);
});
