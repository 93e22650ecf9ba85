import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';
import { startHostileServer, type Behaviour } from './support/hostile-server.js';

async function jsonLines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function runAgainst(
  choose: (index: number) => Behaviour,
  extra: string[],
): Promise<{
  code: number | null;
  stderr: string;
  out: Record<string, unknown>[];
  errors: Record<string, unknown>[];
  requests: number;
}> {
  const server = await startHostileServer((r) => choose(r.index));
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', artists(1));
    const output = join(dir, 'out.jsonl');
    const r = await runCli(['--input', input, '--output', output, '--max-workers', '1', ...extra], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
      timeoutMs: 300_000,
    });
    return {
      code: r.code,
      stderr: r.stderr,
      out: await jsonLines(output),
      errors: await jsonLines(join(dir, 'out.errors.jsonl')),
      requests: server.requests.length,
    };
  } finally {
    await server.close();
  }
}

test('a server that stalls after the headers is timed out and the retry succeeds', async () => {
  const r = await runAgainst(
    (i) => (i === 0 ? { kind: 'stall-after-headers' } : { kind: 'ok' }),
    ['--request-timeout', '2', '--max-retries', '3'],
  );
  assert.equal(r.code, 0, r.stderr);
  // The stalled first attempt is cut and retried. On a very busy machine a healthy answer can
  // itself miss the deadline once more, so count attempts instead of assuming exactly two.
  assert.ok(r.requests >= 2, `requests ${r.requests}`);
  assert.equal(r.out.length, 1);
  assert.equal(r.out[0]?.['attempts'], r.requests, 'every request is one attempt of the artist');
  assert.match(r.stderr, /No complete response within 2000 ms/);
});

test('a body dripped one byte at a time counts as a stall: every attempt ends and the artist is recorded as failed', async () => {
  const r = await runAgainst(
    () => ({ kind: 'drip', intervalMs: 200 }),
    ['--request-timeout', '0.6', '--max-retries', '1'],
  );
  assert.equal(r.code, 4, r.stderr);
  assert.equal(r.requests, 2, 'one attempt and one retry, each cut at the deadline');
  assert.equal(r.out.length, 0);
  assert.equal(r.errors.length, 1);
  assert.match(JSON.stringify(r.errors[0]), /timeout/);
});

test('a dripped first attempt is abandoned and the retry on a healthy answer succeeds', async () => {
  const r = await runAgainst(
    (i) => (i === 0 ? { kind: 'drip', intervalMs: 2000 } : { kind: 'ok' }),
    ['--request-timeout', '3', '--max-retries', '3'],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.requests >= 2, `the dripped attempt is abandoned and retried: ${r.requests} requests`);
  assert.equal(r.out.length, 1);
  assert.equal(r.out[0]?.['attempts'], r.requests);
  assert.match(r.stderr, /No complete response within 3000 ms/);
});
