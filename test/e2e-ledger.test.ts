/**
 * The key ledger end to end: shared by concurrent runs on one key, safe against damage, and
 * counting only what reached the provider (docs/ledger.md).
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';
import { readState } from './support/plan.js';

const LEDGER = (stateHome: string): string => join(stateHome, 'artist-bio-gen', 'ledger.sqlite');

interface Job {
  dir: string;
  input: string;
  output: string;
}

async function job(dir: string, name: string, count: number, idBase = 0): Promise<Job> {
  const rows = artists(count).map((r, i) => ({ ...r, id: String(idBase + i + 1) }));
  return { dir, input: await writeCsv(dir, `${name}.csv`, rows), output: join(dir, `${name}.jsonl`) };
}

function run(j: Job, stateHome: string, baseUrl: string, args: string[]): ReturnType<typeof runCli> {
  return runCli(['run', '--input', j.input, '--output', j.output, '--max-workers', '4', ...args], {
    cwd: j.dir,
    env: {
      OPENAI_API_KEY: 'sk-shared-key',
      OPENAI_BASE_URL: baseUrl,
      XDG_STATE_HOME: stateHome,
    },
  });
}

test('two concurrent runs on different outputs with the same key share --daily-limit 20: the provider sees at most 20', async () => {
  const sim = await startSimulator({ latencyMs: 15 });
  try {
    const dir = await tempDir();
    const stateHome = join(dir, 'state');
    const a = await job(dir, 'a', 30, 0);
    const b = await job(dir, 'b', 30, 100);
    const limit = ['--daily-limit', '20', '--on-daily-limit', 'exit', '--quota-threshold', '1'];
    const [ra, rb] = await Promise.all([run(a, stateHome, sim.url, limit), run(b, stateHome, sim.url, limit)]);
    assert.equal(ra.code, 5, ra.stderr);
    assert.equal(rb.code, 5, rb.stderr);
    assert.equal(sim.stats().requests, 20);
    assert.match(ra.stderr + rb.stderr, /Daily request limit reached: 20\/20/);
    // Each job's state file is a copy of the shared key ledger.
    assert.equal((await readState(`${a.output}.state.json`)).requestsToday, 20);
  } finally {
    await sim.close();
  }
});

test('a damaged key ledger never gives the day a fresh budget: each damage is refused (exit 3) or recounted, never more than the limit', async () => {
  const sim = await startSimulator({ latencyMs: 5 });
  try {
    const dir = await tempDir();
    const stateHome = join(dir, 'state');
    const j = await job(dir, 'bios', 20);
    const limit = ['--daily-limit', '8', '--on-daily-limit', 'exit', '--quota-threshold', '1'];
    const first = await run(j, stateHome, sim.url, limit);
    assert.equal(first.code, 5, first.stderr);
    assert.equal(sim.stats().requests, 8);
    const path = LEDGER(stateHome);
    const original = await import('node:fs/promises').then((fs) => fs.readFile(path));
    const damages: [string, Buffer | undefined][] = [
      ['truncated', original.subarray(0, 100)],
      ['emptied', Buffer.alloc(0)],
      ['{"foo":1}', Buffer.from('{"foo":1}')],
      ['[]', Buffer.from('[]')],
      ['NUL bytes', Buffer.alloc(4096)],
      ['deleted', undefined],
    ];
    for (const [what, content] of damages) {
      await rm(`${path}-wal`, { force: true });
      await rm(`${path}-shm`, { force: true });
      if (content === undefined) await rm(path, { force: true });
      else await writeFile(path, content);
      const again = await run(j, stateHome, sim.url, [...limit, '--resume']);
      assert.ok(again.code === 3 || again.code === 5, `${what}: exit ${again.code}\n${again.stderr}`);
      if (again.code === 3) assert.match(again.stderr, /key ledger .* (cannot be read|is empty|something else)/, what);
      assert.equal(sim.stats().requests, 8, `${what}: nothing more was sent`);
    }
  } finally {
    await sim.close();
  }
});

test('an unreachable endpoint consumes no budget: refused connections are given back to the ledger', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const dir = await tempDir();
  const stateHome = join(dir, 'state');
  const j = await job(dir, 'bios', 6);
  const r = await run(j, stateHome, `http://127.0.0.1:${port}/v1`, [
    '--daily-limit',
    '10',
    '--max-retries',
    '2',
    '--request-timeout',
    '5',
  ]);
  assert.notEqual(r.code, 0, r.stderr);
  const show = await runCli(['quota', 'show', '--json'], {
    cwd: dir,
    env: { OPENAI_API_KEY: 'sk-shared-key', OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, XDG_STATE_HOME: stateHome },
  });
  assert.equal(show.code, 0, show.stderr);
  const rows = (JSON.parse(show.stdout) as { scopes: { requests: number }[] }).scopes;
  assert.equal(rows.length, 1, show.stdout);
  assert.equal(rows[0]?.requests, 0, `${show.stdout}\n${r.stderr}`);
});

test("quota show reports the key scope and today's count; quota reset needs --yes, then sets it to 0", async () => {
  const sim = await startSimulator({ latencyMs: 5 });
  try {
    const dir = await tempDir();
    const stateHome = join(dir, 'state');
    const j = await job(dir, 'bios', 3);
    const done = await run(j, stateHome, sim.url, ['--daily-limit', '50']);
    assert.equal(done.code, 0, done.stderr);
    const env = { OPENAI_API_KEY: 'sk-shared-key', OPENAI_BASE_URL: sim.url, XDG_STATE_HOME: stateHome };
    const show = await runCli(['quota', 'show'], { cwd: dir, env });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /Scope: http:\/\/127\.0\.0\.1:\d+, key fingerprint [0-9a-f]{16}/);
    assert.doesNotMatch(show.stdout, /sk-shared-key/);
    const refused = await runCli(['quota', 'reset'], { cwd: dir, env });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /--yes/);
    const reset = await runCli(['quota', 'reset', '--yes'], { cwd: dir, env });
    assert.equal(reset.code, 0, reset.stderr);
    const after = await runCli(['quota', 'show', '--json'], { cwd: dir, env });
    assert.equal((JSON.parse(after.stdout) as { scopes: { requests: number }[] }).scopes[0]?.requests, 0);
  } finally {
    await sim.close();
  }
});
