import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';
import { closedPortUrl, startHostileServer } from './support/hostile-server.js';
import { readState } from './support/plan.js';

async function jsonLines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function assertOncePerArtist(lines: Record<string, unknown>[], n: number): void {
  const ids = lines.map((l) => String(l['artist_id']));
  assert.equal(new Set(ids).size, ids.length, 'no duplicate artist');
  assert.equal(ids.length, n);
}

test('a closed port stops the run with exit 3 naming the URL before any artist is failed', async () => {
  const url = await closedPortUrl();
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(40));
  const output = join(dir, 'out.jsonl');
  const r = await runCli(['--input', input, '--output', output, '--max-workers', '4'], {
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: url },
  });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`Cannot reach the model API at ${url.replace(/[.]/g, '\\.')}`));
  assert.match(r.stderr, /ECONNREFUSED/);
  assert.equal((await jsonLines(join(dir, 'out.errors.jsonl'))).length, 0, 'no artist written off as failed');
  assert.equal((await jsonLines(output)).length, 0);
  assert.equal((await readState(`${output}.state.json`)).requestsToday, 0, 'requests that never left are not counted');
  const retries = r.stderr.split('\n').filter((l) => /Retry|retry/.test(l)).length;
  assert.ok(retries <= 8, `only a few attempts, got ${retries} retry lines`);
});

test('a server killed mid-run pauses dispatch, and the run resumes by itself when it is back, without burning retries', async () => {
  const server = await startHostileServer(() => ({ kind: 'ok', delayMs: 30 }));
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(30));
  const output = join(dir, 'out.jsonl');
  let killed = false;
  let restarted = false;
  const r = await runCli(['--input', input, '--output', output, '--max-workers', '3', '--max-retries', '1'], {
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
    onStderrLine: (line) => {
      if (!killed && /Processed artist 6\//.test(line)) {
        killed = true;
        void server.kill();
      }
      if (killed && !restarted && /provider unreachable since/.test(line)) {
        restarted = true;
        void server.restart();
      }
    },
  });
  await server.close();
  assert.equal(r.code, 0, r.stderr);
  assert.ok(killed && restarted);
  assert.match(r.stderr, /PAUSED: provider unreachable since \d{4}-\d\d-\d\dT[\d:.]+Z \(http:\/\/127\.0\.0\.1:\d+\/v1/);
  assert.match(r.stderr, /RESUMED: provider reachable again/);
  assertOncePerArtist(await jsonLines(output), 30);
  assert.equal((await jsonLines(join(dir, 'out.errors.jsonl'))).length, 0);
});

test('an outage longer than --unreachable-give-up stops with exit 3, keeps every result, and --resume finishes', async () => {
  const server = await startHostileServer(() => ({ kind: 'ok', delayMs: 20 }));
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(12));
  const output = join(dir, 'out.jsonl');
  let killed = false;
  const args = ['--input', input, '--output', output, '--max-workers', '2', '--unreachable-give-up', '2'];
  const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url };
  const r = await runCli(args, {
    env,
    onStderrLine: (line) => {
      if (!killed && /Processed artist 3\//.test(line)) {
        killed = true;
        void server.kill();
      }
    },
  });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /unreachable since .*--unreachable-give-up/);
  const partial = await jsonLines(output);
  assert.ok(partial.length >= 3 && partial.length < 12);
  await server.restart();
  const again = await runCli([...args, '--resume'], { env });
  await server.close();
  assert.equal(again.code, 0, again.stderr);
  assertOncePerArtist(await jsonLines(output), 12);
});

test('--overwrite keeps the old output aside as <output>.bak and says where, even when the new run gets nothing', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(10));
  const output = join(dir, 'out.jsonl');
  const old = artists(10)
    .map((a) => JSON.stringify({ artist_id: a.id, response_text: `paid bio of ${a.name}` }))
    .join('\n');
  await writeFile(output, `${old}\n`);
  const r = await runCli(['--input', input, '--output', output, '--overwrite', '--max-retries', '0'], {
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: await closedPortUrl() },
  });
  assert.notEqual(r.code, 0);
  assert.equal(await readFile(`${output}.bak`, 'utf8'), `${old}\n`);
  assert.ok(r.stderr.includes(`previous output was kept as ${output}.bak`), r.stderr);
  const second = await runCli(['--input', input, '--output', output, '--overwrite', '--max-retries', '0'], {
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: await closedPortUrl() },
  });
  assert.notEqual(second.code, 0);
  assert.equal(await readFile(`${output}.bak`, 'utf8'), `${old}\n`, 'an empty output never replaces a backup');
});
