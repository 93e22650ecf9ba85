import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { secretValues } from '../src/config/secrets.js';
import { createSecretMask } from '../src/core/secrets.js';
import type { RunConfig } from '../src/config/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';
import { startHostileServer, type Behaviour } from './support/hostile-server.js';

// Azure-style: 32 hex characters, nothing like `sk-…` for the pattern masking to catch.
const AZURE_KEY = '9f3b2c7d1e0a4b6c8d2e5f7a9b1c3d5e';
const OPENAI_KEY = 'sk-proj-Zq8xW2vN4mK7pL1rT9yB3cD6';

async function readOr(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

async function echoRun(key: string, echo: (key: string) => Behaviour, expectedCode: number): Promise<string[]> {
  const server = await startHostileServer(() => echo(key));
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', artists(2));
    const output = join(dir, 'out.jsonl');
    const r = await runCli(
      [
        '--input',
        input,
        '--output',
        output,
        '--max-workers',
        '1',
        '--max-retries',
        '0',
        '--log-file',
        join(dir, 'run.log'),
        '--report',
        join(dir, 'report.json'),
        '--verbose',
      ],
      { env: { OPENAI_API_KEY: key, OPENAI_BASE_URL: server.url } },
    );
    assert.equal(r.code, expectedCode, r.stderr);
    assert.ok(server.requests.length > 0);
    assert.equal(server.requests[0]?.authorization, `Bearer ${key}`, 'the key was really sent');
    const files = [join(dir, 'run.log'), join(dir, 'out.errors.jsonl'), join(dir, 'report.json'), output];
    return [r.stdout, r.stderr, ...(await Promise.all(files.map(readOr)))];
  } finally {
    await server.close();
  }
}

const cases: [string, (key: string) => Behaviour, number][] = [
  ['400', (key) => ({ kind: 'error', status: 400, message: `Invalid request for key ${key}` }), 4],
  [
    '401',
    (key) => ({ kind: 'error', status: 401, code: 'invalid_api_key', message: `Incorrect API key provided: ${key}.` }),
    3,
  ],
  ['500', (key) => ({ kind: 'error', status: 500, type: 'server_error', message: `Internal error (key=${key})` }), 4],
  [
    '429 insufficient_quota',
    (key) => ({
      kind: 'error',
      status: 429,
      code: 'insufficient_quota',
      type: 'insufficient_quota',
      message: `You exceeded your current quota for ${key}`,
    }),
    5,
  ],
];

for (const [label, echo, code] of cases) {
  test(`a ${label} body echoing an Azure-style key never puts it on stderr, the log file, the errors file or the report`, async () => {
    const texts = await echoRun(AZURE_KEY, echo, code);
    assert.ok(
      texts.some((t) => t.includes('***')),
      'the echoed key was masked, not dropped',
    );
    for (const t of texts) assert.ok(!t.includes(AZURE_KEY), `key leaked in:\n${t.slice(0, 2000)}`);
  });
}

test('an echoed sk- key is masked whole, including its JSON-escaped form', async () => {
  const texts = await echoRun(OPENAI_KEY, cases[0]?.[1] ?? (() => ({ kind: 'ok' })), 4);
  for (const t of texts) {
    assert.ok(!t.includes(OPENAI_KEY));
    assert.ok(!t.includes('Zq8xW2vN4mK7pL1rT9yB3cD6'), 'no tail of the key left');
  }
});

test('the run knows its secrets: API key, credential settings and passwords inside URLs', () => {
  const config = {
    apiKey: AZURE_KEY,
    dbUrl: 'postgres://bio:p%40ss%2Fw0rd@db.internal:5432/bios',
    baseUrl: 'https://example.test/v1',
  } as unknown as RunConfig;
  const values = secretValues(config);
  assert.ok(values.includes(AZURE_KEY));
  assert.ok(values.includes('p@ss/w0rd'));
  const mask = createSecretMask(values);
  assert.equal(
    mask(`login p@ss/w0rd failed; url p%40ss%2Fw0rd; key ${AZURE_KEY}`),
    'login *** failed; url ***; key ***',
  );
  assert.equal(mask('https://example.test/v1 is fine'), 'https://example.test/v1 is fine');
});
