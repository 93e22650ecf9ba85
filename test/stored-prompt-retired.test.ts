import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { isOpenAiOrigin, storedPromptRefusal } from '../src/prompt/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';

test('only OpenAI’s own API host counts as OpenAI, whatever the path, case or port', () => {
  for (const url of ['https://api.openai.com/v1', 'https://API.OpenAI.com', 'https://api.openai.com.:443/v1/']) {
    assert.equal(isOpenAiOrigin(url), true, url);
  }
  for (const url of [
    'http://127.0.0.1:8080/v1',
    'https://my-proxy.example/v1?target=api.openai.com',
    'https://api.openai.com.evil.example/v1',
    'https://myresource.openai.azure.com/openai/v1',
    'not a url',
  ]) {
    assert.equal(isOpenAiOrigin(url), false, url);
  }
});

test('the refusal names the date and shows the prompt as a template', () => {
  const text = storedPromptRefusal('pmpt_abc', 'https://api.openai.com/v1');
  assert.match(text, /pmpt_abc/);
  assert.match(text, /shut stored prompts \(v1\/prompts\) down on 2026-11-30/);
  assert.match(text, /--prompt-file/);
  assert.match(text, /instructions: \|/);
  assert.match(text, /\{\{artist_name\}\}/);
});

test('--prompt-id against api.openai.com exits 3 before any request with the migration message', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(2));
  const output = join(dir, 'o.jsonl');
  // The key is fake and the URL real: the run must stop on the URL alone, before any connection.
  const r = await runCli(['--input', input, '--output', output, '--prompt-id', 'pmpt_legacy'], {
    env: { OPENAI_API_KEY: 'sk-fake-not-used', OPENAI_BASE_URL: 'https://api.openai.com/v1' },
  });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /Stored prompt pmpt_legacy cannot be used with https:\/\/api\.openai\.com\/v1/);
  assert.match(r.stderr, /2026-11-30/);
  assert.match(r.stderr, /--prompt-file/);
  assert.match(r.stderr, /Nothing was sent/);
  assert.doesNotMatch(r.stderr, /sk-fake-not-used/);
});
