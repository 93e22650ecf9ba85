import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';
import { startRecordingProxy } from './support/record-proxy.js';
import { steppingClock } from './support/sim-clock.js';

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ latencyMs: 20, latencyJitterMs: 15, seed: 3 });
});
after(() => sim.close());
beforeEach(() => sim.reset());

const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url });

interface Line {
  artist_id: string;
  response_text: string;
  error: unknown;
  attempts: number;
  [key: string]: unknown;
}

async function lines(path: string): Promise<Line[]> {
  const text = await readFile(path, 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'the output ends with a whole line');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

function assertExactlyOnce(found: Line[], expectedIds: string[]): void {
  const ids = found.map((l) => l.artist_id);
  assert.equal(new Set(ids).size, ids.length, 'no duplicate artist ids');
  assert.deepEqual([...ids].sort(), [...expectedIds].sort());
}

test('100 artists with 8 workers give 100 unique valid lines in the documented line shape', async () => {
  const dir = await tempDir();
  const rows = artists(100);
  const input = await writeCsv(dir, 'a.csv', rows);
  const output = join(dir, 'out.jsonl');
  const r = await runCli(['--input', input, '--output', output, '--max-workers', '8'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  const found = await lines(output);
  assertExactlyOnce(
    found,
    rows.map((x) => x.id),
  );
  const first = found[0];
  assert.ok(first);
  assert.deepEqual(
    Object.keys(first).filter((k) => k !== 'artist_data'),
    [
      'artist_id',
      'artist_name',
      'request',
      'response_text',
      'response_id',
      'created',
      'model',
      'usage',
      'cost_usd',
      'attempts',
      'duration_ms',
      'prompt_fingerprint',
      'db_status',
      'error',
    ],
  );
  for (const l of found) {
    assert.ok(l.response_text.length > 50);
    assert.equal(l.error, null);
    assert.equal(typeof l['cost_usd'], 'number');
  }
  assert.equal(sim.stats().requests, 100);
  assert.match(r.stderr, /INFO: \[W0\d\] Processed artist 100\/100: "/);
  const v = await runCli(['validate', output, '--input', input], { env: env() });
  assert.equal(v.code, 0, v.stdout + v.stderr);
});

test('SIGINT midway stops cleanly with exit 130; --resume finishes with exactly one line per artist and no artist requested again', async () => {
  const dir = await tempDir();
  const rows = artists(100);
  const input = await writeCsv(dir, 'a.csv', rows);
  const output = join(dir, 'out.jsonl');
  let sent = false;
  const first = await runCli(['--input', input, '--output', output, '--max-workers', '8'], {
    env: env(),
    onStderrLine: (line, child) => {
      if (!sent && /Processed artist 40\//.test(line)) {
        sent = true;
        child.kill('SIGINT');
      }
    },
  });
  assert.equal(first.code, 130, first.stderr);
  assert.match(first.stderr, /Received SIGINT/);
  const partial = await lines(output);
  assert.ok(partial.length >= 40 && partial.length < 100, `partial run wrote ${partial.length}`);
  // Every success the simulator sent in the first run was written (in-flight requests were let finish).
  const served = Object.values(sim.stats().successesPerArtist).reduce((a, b) => a + b, 0);
  assert.equal(partial.length, served);
  const doneBefore = new Set(partial.map((l) => l.artist_id));

  const second = await runCli(['--input', input, '--output', output, '--max-workers', '8', '--resume'], { env: env() });
  assert.equal(second.code, 0, second.stderr);
  const all = await lines(output);
  assertExactlyOnce(
    all,
    rows.map((x) => x.id),
  );
  for (const [key, count] of Object.entries(sim.stats().successesPerArtist)) {
    assert.equal(count, 1, `artist ${key} was generated ${count} times`);
  }
  assert.equal(Object.keys(sim.stats().successesPerArtist).length, 100);
  assert.ok(doneBefore.size === partial.length);
});

test('SIGKILL midway then --resume repairs the torn line and ends with exactly one line per artist', async () => {
  const dir = await tempDir();
  const rows = artists(60);
  const input = await writeCsv(dir, 'a.csv', rows);
  const output = join(dir, 'out.jsonl');
  let killed = false;
  const first = await runCli(['--input', input, '--output', output, '--max-workers', '4'], {
    env: env(),
    onStderrLine: (line, child) => {
      if (!killed && /Processed artist 20\//.test(line)) {
        killed = true;
        child.kill('SIGKILL');
      }
    },
  });
  assert.equal(first.signal, 'SIGKILL');
  // A crash in the middle of an append leaves a torn last line: reproduce it byte-exactly.
  const whole = await lines(output);
  const torn = '{"artist_id":"1059","artist_name":"Artist 59","request":{"mod';
  await appendFile(output, torn);
  const second = await runCli(['--input', input, '--output', output, '--max-workers', '4', '--resume'], { env: env() });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /Repaired .*out\.jsonl: removed a torn last line \(\d+ bytes\)/);
  const all = await lines(output);
  assertExactlyOnce(
    all,
    rows.map((x) => x.id),
  );
  for (const l of whole) {
    assert.equal(
      sim.stats().successesPerArtist[l.artist_id],
      1,
      `artist ${l.artist_id} was requested again after its line was written`,
    );
  }
});

test('an existing output without --resume or --overwrite exits 2 and is left byte-identical', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(3));
  const output = join(dir, 'out.jsonl');
  const original = '{"artist_id":"x","response_text":"keep me","error":null}\n';
  await writeFile(output, original);
  const r = await runCli(['--input', input, '--output', output], { env: env() });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--resume/);
  assert.match(r.stderr, /--overwrite/);
  assert.equal(await readFile(output, 'utf8'), original);
  assert.equal(sim.stats().requests, 0);
  const o = await runCli(['--input', input, '--output', output, '--overwrite'], { env: env() });
  assert.equal(o.code, 0, o.stderr);
  assert.equal((await lines(output)).length, 3);
});

test('injected 5xx, overloads, malformed bodies and timeouts are retried until every artist succeeds', async () => {
  const dir = await tempDir();
  const rows = [
    { id: '1', name: 'Alpha FAIL500x2' },
    { id: '2', name: 'Beta TIMEOUTx1' },
    { id: '3', name: 'Gamma FAIL503x1' },
    { id: '4', name: 'Delta MALFORMEDx1' },
    { id: '5', name: 'Epsilon INCOMPLETEx1' },
    { id: '6', name: 'Zeta' },
  ];
  const input = await writeCsv(dir, 'a.csv', rows);
  const output = join(dir, 'out.jsonl');
  const r = await runCli(['--input', input, '--output', output, '--max-workers', '3', '--request-timeout', '1'], {
    env: env(),
  });
  assert.equal(r.code, 0, r.stderr);
  const found = await lines(output);
  assertExactlyOnce(
    found,
    rows.map((x) => x.id),
  );
  const attempts = Object.fromEntries(found.map((l) => [l.artist_id, l.attempts]));
  assert.deepEqual(attempts, { '1': 3, '2': 2, '3': 2, '4': 2, '5': 2, '6': 1 });
  assert.match(r.stderr, /failed \(server 500\)/);
  assert.match(r.stderr, /failed \(timeout\)/);
});

test('a permanent error fails only that artist: exit 4, an errors file line, and --resume retries it', async () => {
  const dir = await tempDir();
  const rows = [
    { id: '1', name: 'Good One' },
    { id: '2', name: 'Bad FAIL400' },
    { id: '3', name: 'Good Two' },
  ];
  const input = await writeCsv(dir, 'a.csv', rows);
  const output = join(dir, 'out.jsonl');
  const r = await runCli(['--input', input, '--output', output], { env: env() });
  assert.equal(r.code, 4, r.stderr);
  assert.deepEqual((await lines(output)).map((l) => l.artist_id).sort(), ['1', '3']);
  const errors = (await readFile(join(dir, 'out.errors.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.['artist_id'], '2');
  assert.equal(errors[0]?.['status'], 400);
  assert.equal(errors[0]?.['attempts'], 1);
  const again = await runCli(['--input', input, '--output', output, '--resume'], { env: env() });
  assert.equal(again.code, 4);
  assert.equal(sim.stats().requestsPerArtist['2'], 2, 'only the failed artist is requested again');
  assert.equal((await lines(output)).length, 2);
});

test('a template run sends {model, instructions, input, max_output_tokens}; a stored-prompt run sends {prompt:{id, version, variables}}', async () => {
  const proxy = await startRecordingProxy(sim.url);
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', [
      { id: '1', name: 'Björk', data: 'Icelandic, experimental' },
      { id: '2', name: 'Nobody Known' },
    ]);
    const proxyEnv = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: proxy.url };
    const t = await runCli(['--input', input, '--output', join(dir, 't.jsonl'), '--model', 'gpt-test'], {
      env: proxyEnv,
    });
    assert.equal(t.code, 0, t.stderr);
    const templ = proxy.requests.filter((q) => q.path === '/responses').map((q) => q.body as Record<string, unknown>);
    assert.equal(templ.length, 2);
    const bjork = templ.find((b) => String(b['input']).includes('Björk'));
    assert.ok(bjork);
    assert.equal(bjork['model'], 'gpt-test');
    assert.equal(typeof bjork['instructions'], 'string');
    assert.equal(typeof bjork['max_output_tokens'], 'number');
    assert.match(String(bjork['input']), /Icelandic, experimental/);
    assert.equal(bjork['prompt'], undefined);
    const nobody = templ.find((b) => String(b['input']).includes('Nobody Known'));
    assert.match(String(nobody?.['input']), /No additional data provided/);

    proxy.requests.length = 0;
    const s = await runCli(
      ['--input', input, '--output', join(dir, 's.jsonl'), '--prompt-id', 'pmpt_abc', '--prompt-version', '2'],
      { env: proxyEnv },
    );
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, /2026-11-30/);
    const stored = proxy.requests.filter((q) => q.path === '/responses').map((q) => q.body as Record<string, unknown>);
    assert.equal(stored.length, 2);
    for (const body of stored) {
      assert.equal(body['input'], undefined);
      assert.equal(body['instructions'], undefined);
      const prompt = body['prompt'] as { id: string; version: string; variables: Record<string, string> };
      assert.equal(prompt.id, 'pmpt_abc');
      assert.equal(prompt.version, '2');
      assert.deepEqual(Object.keys(prompt.variables).sort(), ['artist_data', 'artist_name']);
    }
    const recorded = (await readFile(join(dir, 's.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { request: unknown; artist_id: string });
    const one = recorded.find((x) => x.artist_id === '1');
    assert.deepEqual(one?.request, {
      prompt_id: 'pmpt_abc',
      version: '2',
      variables: { artist_name: 'Björk', artist_data: 'Icelandic, experimental' },
    });
  } finally {
    await proxy.close();
  }
});

test('--api chat sends chat completions and records the bios', async () => {
  const proxy = await startRecordingProxy(sim.url);
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', artists(3));
    const output = join(dir, 'out.jsonl');
    const r = await runCli(['--input', input, '--output', output, '--api', 'chat'], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: proxy.url },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await lines(output)).length, 3);
    const paths = proxy.requests.map((q) => q.path);
    assert.deepEqual(paths, ['/chat/completions', '/chat/completions', '/chat/completions']);
    const body = proxy.requests[0]?.body as { messages: { role: string }[] };
    assert.deepEqual(
      body.messages.map((m) => m.role),
      ['system', 'user'],
    );
  } finally {
    await proxy.close();
  }
});

test('a second Ctrl+C aborts hanging in-flight requests at once and still exits 130', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', [
    { id: '1', name: 'Done Quickly' },
    { id: '2', name: 'Hang TIMEOUTx5' },
    { id: '3', name: 'Hang Too TIMEOUTx5' },
  ]);
  const output = join(dir, 'out.jsonl');
  let hanging = 0;
  let interrupted = false;
  const r = await runCli(
    ['--input', input, '--output', output, '--max-workers', '3', '--request-timeout', '3600', '--verbose'],
    {
      env: env(),
      onStderrLine: (line, child) => {
        if (/Sending request for "Hang/.test(line) && ++hanging === 2) child.kill('SIGINT');
        // The second Ctrl+C once the first has been taken in.
        if (!interrupted && / Received SIGINT: /.test(line)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
      // Far below the hour-long request timeout: a run that waited for it would be killed, code null.
      timeoutMs: 300_000,
    },
  );
  assert.equal(r.code, 130, r.stderr);
  assert.deepEqual(
    (await lines(output)).map((l) => l.artist_id),
    ['1'],
  );
});

test('--log-file receives the same lines, and --log-format json writes one JSON object per line', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(3));
  const log = join(dir, 'run.log');
  const r = await runCli(
    ['--input', input, '--output', join(dir, 'o.jsonl'), '--log-file', log, '--log-format', 'json'],
    {
      env: env(),
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const entries = (await readFile(log, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { time: string; level: string; message: string });
  assert.ok(
    entries.some(
      (e) => e.level === 'INFO' && /^QuotaMonitor initialized: daily_limit=None, threshold=0\.8$/.test(e.message),
    ),
  );
  assert.ok(entries.every((e) => !Number.isNaN(Date.parse(e.time))));
  assert.equal(entries.filter((e) => /Processed artist \d+\/3/.test(e.message)).length, 3);
  assert.doesNotMatch(await readFile(log, 'utf8'), /sk-test/);
});

test('a second run on the same output while the first is running is refused with exit 2 and changes nothing', async () => {
  // The simulator answers on a manual clock the test moves: the first run cannot finish while the
  // second one (a whole process start, however slow the machine) is still on its way.
  const time = steppingClock(200);
  const slow = await startSimulator({ latencyMs: 200, seed: 8, clock: time.clock });
  try {
    const dir = await tempDir();
    const rows = artists(30);
    const input = await writeCsv(dir, 'a.csv', rows);
    const output = join(dir, 'out.jsonl');
    let second: Promise<Awaited<ReturnType<typeof runCli>>> | undefined;
    const first = await runCli(['--input', input, '--output', output, '--max-workers', '2'], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: slow.url },
      onStderrLine: (line) => {
        if (!second && /Processed artist 2\//.test(line)) {
          time.hold();
          second = runCli(['--input', input, '--output', output, '--resume'], {
            env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: slow.url },
          }).finally(() => time.release());
        }
      },
    });
    assert.equal(first.code, 0, first.stderr);
    assert.ok(second);
    const refused = await second;
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /Another run \(pid \d+/);
    assertExactlyOnce(
      await lines(output),
      rows.map((x) => x.id),
    );
    assert.equal(existsSync(`${output}.lock`), false, 'the lock is released at the end');
  } finally {
    time.stop();
    await slow.close();
  }
});
