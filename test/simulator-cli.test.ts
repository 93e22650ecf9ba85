import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { simulateCommand } from '../src/cli/simulate-command.js';
import { UsageError } from '../src/core/errors.js';
import type { SimulatorHandle } from '../src/simulator/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('bad flag values are rejected with a UsageError naming the flag and the range', async () => {
  const cases: [string[], RegExp][] = [
    [['--rpm', '0'], /--rpm "0": expected an integer from 1 to/],
    [['--rpm', 'abc'], /--rpm "abc"/],
    [['--port', '70000'], /--port "70000": expected an integer from 0 to 65535/],
    [['--error-rate', '1.5'], /--error-rate "1.5": expected a number from 0 to 1/],
    [['--latency-ms', '-1'], /--latency-ms/],
    [['--api-key', ' '], /--api-key/],
    [['--error-rate', '0.6', '--timeout-rate', '0.6'], /add up to 1\.2, expected at most 1/],
    [['--burst-requests', '5'], /--burst-requests.*--rpm/],
  ];
  for (const [argv, message] of cases) {
    let listened = false;
    await assert.rejects(
      simulateCommand({ stderr: () => undefined, onListening: () => (listened = true) }).parseAsync(argv, {
        from: 'user',
      }),
      (error: unknown) => error instanceof UsageError && message.test(error.message),
      argv.join(' '),
    );
    assert.equal(listened, false);
  }
});

test('simulate serves with the flags given, prints a banner, and stops with a summary', async () => {
  const output: string[] = [];
  const stop = new AbortController();
  let handle: SimulatorHandle | undefined;
  const running = simulateCommand({
    stderr: (text) => output.push(text),
    signal: stop.signal,
    onListening: (h) => (handle = h),
  }).parseAsync(
    [
      '--port',
      '0',
      '--rpm',
      '60',
      '--burst-requests',
      '1',
      '--api-key',
      'sk-a',
      '--api-key',
      'sk-b',
      '--no-retry-after',
      '--retry-after-ms',
    ],
    { from: 'user' },
  );
  while (handle === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
  const post = (key: string) =>
    fetch(`${handle?.url}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'm', input: 'Artist: Cli' }),
    });
  assert.equal((await post('sk-b')).status, 200);
  const limited = await post('sk-a');
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), null, '--no-retry-after');
  assert.notEqual(limited.headers.get('retry-after-ms'), null, '--retry-after-ms');
  assert.equal((await post('sk-c')).status, 401, 'only the --api-key values are accepted');
  stop.abort();
  await running;
  const text = output.join('');
  assert.ok(text.includes(`listening on ${handle.url}`));
  assert.ok(text.includes(`OPENAI_BASE_URL=${handle.url}`));
  assert.match(text, /60 RPM \(burst 1\)/);
  assert.match(text, /retry-after off, retry-after-ms on/);
  assert.match(text, /Simulator stopped after [\d.]+s: 3 requests \(200: 1, 401: 1, 429: 1\), 1 rate-limited/);
  await assert.rejects(post('sk-a'), 'the server is closed');
});

test('the simulate process stays up until SIGINT, then closes cleanly with a summary', async () => {
  const script = `import('./src/cli/simulate-command.ts').then((m) => m.simulateCommand().parseAsync(['--tpm', '50000'], { from: 'user' }))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+\/v1)/.exec(stderr);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
  });
  const res = await fetch(`${url}/models`, { headers: { authorization: 'Bearer k' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-ratelimit-limit-tokens'), '50000');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  assert.match(stderr, /Simulator stopped after [\d.]+s: 1 requests \(200: 1\)/);
});
