import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { runCli, tempDir } from './support/cli.js';

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ seed: 5 });
});
after(() => sim.close());
beforeEach(() => sim.reset());

const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url });

async function file(dir: string, name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function ids(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { artist_id: string }).artist_id)
    .sort();
}

test('a missing input file exits 1 with a message naming it, and touches no output', async () => {
  const dir = await tempDir();
  const r = await runCli(['--input', join(dir, 'nope.csv'), '--output', join(dir, 'o.jsonl')], { env: env() });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nope\.csv/);
  assert.equal(sim.stats().requests, 0);
});

test('an empty file and a header-only file exit 1: no valid artist', async () => {
  const dir = await tempDir();
  for (const content of ['', 'artist_id,artist_name,artist_data\n', '# only a comment\n\n']) {
    const input = await file(dir, 'in.csv', content);
    const r = await runCli(['--input', input, '--output', join(dir, 'o.jsonl'), '--overwrite'], { env: env() });
    assert.equal(r.code, 1, JSON.stringify(content));
    assert.match(r.stderr, /No valid artist/);
  }
});

test('invalid UTF-8 exits 1 with a clear message', async () => {
  const dir = await tempDir();
  const input = await file(
    dir,
    'in.csv',
    Buffer.concat([Buffer.from('1,Good,x\n2,Bad '), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from(',y\n')]),
  );
  const r = await runCli(['--input', input, '--output', join(dir, 'o.jsonl')], { env: env() });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /UTF-8/);
});

test('bad rows are reported with their line numbers and skipped while good rows are processed', async () => {
  const dir = await tempDir();
  const big = 'x'.repeat(200 * 1024);
  const content = [
    'artist_id,artist_name,artist_data',
    '1,"Simone, Nina","She said ""hello""',
    'and kept singing"',
    'only-one-column',
    '3,,no name here',
    ',No Id,data',
    '1,Duplicate Of One,data',
    `4,Big Data,${big}`,
    '# a comment line with a "stray quote',
    '5,After The Comment,ok',
    '',
  ].join('\r\n');
  const input = await file(dir, 'in.csv', `\uFEFF${content}`);
  const output = join(dir, 'o.jsonl');
  const r = await runCli(['--input', input, '--output', output], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await ids(output), ['1', '4', '5']);
  assert.match(r.stderr, /Line 4: too few columns[^\n]*, skipping/);
  assert.match(r.stderr, /Line 5: missing artist name[^\n]*, skipping/);
  assert.match(r.stderr, /Line 6: missing artist id[^\n]*, skipping/);
  assert.match(r.stderr, /Line 7: duplicate artist_id '1' \(first seen on line 2\), skipping/);
  const lines = (await readFile(output, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { artist_id: string; artist_name: string; artist_data?: string });
  const simone = lines.find((l) => l.artist_id === '1');
  assert.equal(simone?.artist_name, 'Simone, Nina');
  assert.equal(simone?.artist_data, 'She said "hello"\r\nand kept singing');
  assert.equal(lines.find((l) => l.artist_id === '4')?.artist_data?.length, big.length);
});

test("the seed plan's Appendix A sample (numeric ids, header artist_id,name,data) works", async () => {
  const dir = await tempDir();
  const input = await file(
    dir,
    'appendix.csv',
    'artist_id,name,data\n1001,"The Rolling Stones","British rock band formed in London in 1962..."\n1002,"Beyoncé","American singer, songwriter, and actress..."\n1003,"Miles Davis","American jazz trumpeter and composer..."\n',
  );
  const output = join(dir, 'o.jsonl');
  const r = await runCli(['--input', input, '--output', output, '--prompt-id', 'pmpt_test'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await ids(output), ['1001', '1002', '1003']);
});

test('--dry-run validates the whole file, prints the first 5 payloads and needs no key', async () => {
  const dir = await tempDir();
  const rows = Array.from({ length: 8 }, (_, i) => `${i + 1},Artist ${i + 1},data ${i + 1}`).join('\n');
  const input = await file(dir, 'in.csv', `${rows}\n9\n`);
  const r = await runCli(['--input', input, '--dry-run'], { env: {} });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^5\. \[5\] POST \/v1\/responses$/m);
  assert.doesNotMatch(r.stdout, /^6\. /m);
  assert.match(r.stdout, /and 3 more artist/);
  assert.match(r.stderr, /Line 9: too few columns/);
  assert.equal(sim.stats().requests, 0);
});

test('usage errors exit 2 and name the flag; a missing key exits 3', async () => {
  const dir = await tempDir();
  const input = await file(dir, 'in.csv', '1,A,x\n');
  const cases: [string[], number, RegExp][] = [
    [['--input', input, '--max-workers', '0'], 2, /--max-workers.*auto or an integer from 1 to 10000/],
    [['--input', input, '--quota-threshold', '2'], 2, /--quota-threshold.*0\.1 to 1\.0/],
    [['--input', input, '--pause-duration', 'soon'], 2, /--pause-duration/],
    [['--input', input, '--bogus-flag'], 2, /unknown option '--bogus-flag'/],
    [['--input', input, '--output', join(input, 'o.jsonl')], 2, /in\.csv is not a directory/],
    [['--output', join(dir, 'o.jsonl')], 2, /--input/],
  ];
  for (const [args, code, message] of cases) {
    const r = await runCli(args, { env: env() });
    assert.equal(r.code, code, `${args.join(' ')}\n${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const noKey = await runCli(['--input', input, '--output', join(dir, 'k.jsonl')], {
    env: { OPENAI_BASE_URL: sim.url },
  });
  assert.equal(noKey.code, 3);
  assert.match(noKey.stderr, /OPENAI_API_KEY/);
  const badEnv = await runCli(['--input', input, '--output', join(dir, 'e.jsonl')], {
    env: { ...env(), QUOTA_THRESHOLD: '7' },
  });
  assert.equal(badEnv.code, 3);
  assert.match(badEnv.stderr, /QUOTA_THRESHOLD/);
  assert.equal(sim.stats().requests, 0);
});

test('an invalid API key stops the run with exit 3 and never prints the key', async () => {
  const guarded = await startSimulator({ apiKeys: ['sk-good'] });
  try {
    const dir = await tempDir();
    const input = await file(dir, 'in.csv', '1,A,x\n2,B,y\n');
    const r = await runCli(['--input', input, '--output', join(dir, 'o.jsonl')], {
      env: { OPENAI_API_KEY: 'sk-wrong-secret-value-123', OPENAI_BASE_URL: guarded.url },
    });
    assert.equal(r.code, 3, r.stderr);
    assert.doesNotMatch(r.stderr + r.stdout, /sk-wrong-secret-value-123/);
  } finally {
    await guarded.close();
  }
});

test('settings come from .env and .env.local in the working directory, and flags override them', async () => {
  const dir = await tempDir();
  await mkdir(join(dir, 'work'));
  const cwd = join(dir, 'work');
  await file(cwd, 'in.csv', '1,A,x\n');
  await file(
    cwd,
    '.env',
    `OPENAI_API_KEY=sk-test\nOPENAI_BASE_URL=${sim.url}\nDAILY_REQUEST_LIMIT=100\nQUOTA_THRESHOLD=0.5\n`,
  );
  await file(cwd, '.env.local', 'QUOTA_THRESHOLD=0.6\n');
  const r = await runCli(['--input', 'in.csv', '--output', 'o.jsonl'], { cwd, env: {} });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /QuotaMonitor initialized: daily_limit=100, threshold=0\.6/);
  const f = await runCli(['--input', 'in.csv', '--output', 'p.jsonl', '--quota-threshold', '0.9'], {
    cwd,
    env: { DAILY_REQUEST_LIMIT: '300' },
  });
  assert.equal(f.code, 0, f.stderr);
  assert.match(f.stderr, /QuotaMonitor initialized: daily_limit=300, threshold=0\.9/);
});

test('--help teaches the options and --version prints the version; both exit 0', async () => {
  const h = await runCli(['run', '--help'], { env: {} });
  assert.equal(h.code, 0);
  for (const flag of [
    '--input',
    '--resume',
    '--daily-limit',
    '--quota-threshold',
    '--pause-duration',
    '--simulate',
    'Exit codes',
  ]) {
    assert.ok(h.stdout.includes(flag), flag);
  }
  const v = await runCli(['--version'], { env: {} });
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
});
