import assert from 'node:assert/strict';
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { artists, runCli, tempDir, writeCsv, type CliResult } from './support/cli.js';
import { startHostileServer, type Behaviour } from './support/hostile-server.js';

async function jsonLines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function oneArtist(
  choose: (index: number) => Behaviour,
  extra: string[] = [],
  count = 1,
): Promise<{
  r: CliResult;
  out: Record<string, unknown>[];
  errors: Record<string, unknown>[];
  requests: number;
  dir: string;
}> {
  const server = await startHostileServer((req) => choose(req.index));
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', artists(count));
    const output = join(dir, 'out.jsonl');
    const r = await runCli(['--input', input, '--output', output, '--max-workers', '1', ...extra], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
    });
    return {
      r,
      out: await jsonLines(output),
      errors: await jsonLines(join(dir, 'out.errors.jsonl')),
      requests: server.requests.length,
      dir,
    };
  } finally {
    await server.close();
  }
}

test('a 200 without id, created_at or model is malformed and retried, never written as a success', async () => {
  const { r, out, requests } = await oneArtist((i) =>
    i === 0 ? { kind: 'ok', omit: ['id', 'created_at', 'model'] } : { kind: 'ok' },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(requests, 2);
  assert.equal(out.length, 1);
  assert.match(String(out[0]?.['response_id']), /^resp_/);
  assert.match(r.stderr, /without id, created, model/);
});

test('a 17 MB response fails that artist clearly and the output stays readable by --resume', async () => {
  const { r, out, errors, dir } = await oneArtist(
    (i) => (i === 0 ? { kind: 'huge', bytes: 17 * 1024 * 1024 } : { kind: 'ok' }),
    [],
    2,
  );
  assert.equal(r.code, 4, r.stderr);
  assert.equal(out.length, 1);
  assert.equal(errors.length, 1);
  assert.match(JSON.stringify(errors[0]), /larger than 4194304 bytes/);
  const v = await runCli(['validate', join(dir, 'out.jsonl')]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
});

test('valid JSON labelled text/html is parsed by content; HTML labelled text/html is reported as not JSON', async () => {
  const labelled = await oneArtist(() => ({ kind: 'ok', contentType: 'text/html; charset=utf-8' }));
  assert.equal(labelled.r.code, 0, labelled.r.stderr);
  assert.equal(labelled.out.length, 1);
  const html = await oneArtist(
    () => ({ kind: 'raw', status: 200, contentType: 'text/html', body: '<html><body>Gateway says hi</body></html>' }),
    ['--max-retries', '1'],
  );
  assert.equal(html.r.code, 4, html.r.stderr);
  assert.equal(html.requests, 2, 'malformed answers are retried');
  assert.match(JSON.stringify(html.errors[0]), /not JSON \(content type text\/html/);
  assert.doesNotMatch(html.r.stderr + JSON.stringify(html.errors), /TypeError/);
});

test('two symlinks to one output share one lock: the second run is refused while the first runs', async () => {
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let seen = (): void => undefined;
  const firstRequest = new Promise<void>((resolve) => (seen = resolve));
  const server = await startHostileServer(() => {
    seen();
    return { kind: 'held', until: held };
  });
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', artists(5));
    const real = join(dir, 'real.jsonl');
    await symlink(real, join(dir, 'one.jsonl'));
    await symlink(real, join(dir, 'two.jsonl'));
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url };
    const first = runCli(['--input', input, '--output', join(dir, 'one.jsonl'), '--max-workers', '2'], { env });
    await firstRequest;
    const second = await runCli(['--input', input, '--output', join(dir, 'two.jsonl'), '--max-workers', '2'], { env });
    release();
    const done = await first;
    assert.equal(second.code, 2, second.stderr);
    assert.match(second.stderr, /Another run \(pid \d+/);
    assert.equal(done.code, 0, done.stderr);
    const ids = (await jsonLines(real)).map((l) => l['artist_id']);
    assert.equal(ids.length, 5);
    assert.equal(new Set(ids).size, 5);
  } finally {
    release();
    await server.close();
  }
});
