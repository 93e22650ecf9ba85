import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import type { SimulatorHandle } from '../src/simulator/index.js';

let sim: SimulatorHandle;

before(async () => {
  sim = await startSimulator({ apiKeys: ['sk-test', 'sk-other'] });
});
after(() => sim.close());

interface Json {
  status?: string;
  output?: { content: { text: string }[] }[];
  usage?: { input_tokens: number; output_tokens: number; total_tokens: number };
  incomplete_details?: { reason: string } | null;
  error?: { message: string; type: string; param: string | null; code: string | null };
}

async function send(
  path: string,
  body: unknown,
  init: { method?: string; key?: string | null; raw?: string } = {},
): Promise<{ status: number; headers: Headers; json: Json }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = init.key === undefined ? 'sk-test' : init.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const method = init.method ?? 'POST';
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    ...(method === 'GET' ? {} : { body: init.raw ?? JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Json };
}

const textOf = (json: Json): string => json.output?.[0]?.content[0]?.text ?? '';

test('the bio is deterministic, several sentences long, and names the artist', async () => {
  const body = {
    prompt: { id: 'p', variables: { artist_name: 'Mercedes Sosa', artist_data: 'Argentine folk singer' } },
  };
  const a = textOf((await send('/responses', body)).json);
  const b = textOf((await send('/responses', body)).json);
  assert.equal(a, b);
  assert.ok(a.length > 50);
  assert.ok(a.includes('Mercedes Sosa'));
  assert.ok(a.split('. ').length >= 4, a);
  const other = textOf(
    (
      await send('/responses', {
        prompt: { id: 'p', variables: { artist_name: 'Mercedes Sosa', artist_data: 'Nueva canción' } },
      })
    ).json,
  );
  assert.notEqual(other, a, 'different data gives different text');
});

test('the artist name comes from variables, then metadata, then an "Artist name:"/"Artist:" line', async () => {
  const cases: [unknown, string][] = [
    [
      { prompt: { id: 'p', variables: { artist_name: 'From Variables' } }, input: 'Artist: Not This' },
      'From Variables',
    ],
    [{ model: 'm', input: 'Artist: Not This', metadata: { artist_name: 'From Metadata' } }, 'From Metadata'],
    [{ model: 'm', input: 'Write a bio.\nArtist name: From Name Line\nArtist data: x' }, 'From Name Line'],
    [
      { model: 'm', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Artist: From Parts' }] }] },
      'From Parts',
    ],
    [{ model: 'm', input: 'Write something nice.' }, 'this artist'],
  ];
  for (const [body, name] of cases) {
    const text = textOf((await send('/responses', body)).json);
    assert.ok(text.includes(name), `${name}: ${text}`);
  }
});

test('token usage follows text length, and stored prompts carry a fixed overhead', async () => {
  const input = 'Artist name: Tok\n' + 'x'.repeat(183); // 200 chars → 50 tokens
  const inline = (await send('/responses', { model: 'm', input })).json;
  assert.equal(inline.usage?.input_tokens, 50);
  assert.equal(inline.usage?.output_tokens, Math.ceil(textOf(inline).length / 4));
  const withInstructions = (await send('/responses', { model: 'm', input, instructions: 'y'.repeat(40) })).json;
  assert.equal(withInstructions.usage?.input_tokens, 60);
  const stored = (await send('/responses', { prompt: { id: 'p', variables: { artist_name: 'Tok' } } })).json;
  assert.ok((stored.usage?.input_tokens ?? 0) > 100, 'the hidden template counts');
});

test('max_output_tokens caps the answer, which then is incomplete', async () => {
  const json = (await send('/responses', { model: 'm', input: 'Artist: Capped', max_output_tokens: 16 })).json;
  assert.equal(json.status, 'incomplete');
  assert.deepEqual(json.incomplete_details, { reason: 'max_output_tokens' });
  assert.equal(json.usage?.output_tokens, 16);
  assert.equal(textOf(json).length, 64);
});

test('chat completions honour max_tokens / max_completion_tokens', async () => {
  const res = await fetch(`${sim.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify({
      model: 'm',
      messages: [{ role: 'user', content: 'Artist: Short' }],
      max_completion_tokens: 10,
    }),
  });
  const json = (await res.json()) as { choices: { finish_reason: string }[]; usage: { completion_tokens: number } };
  assert.equal(json.choices[0]?.finish_reason, 'length');
  assert.equal(json.usage.completion_tokens, 10);
});

test('invalid bodies get OpenAI’s invalid_request_error', async () => {
  const missing = await send('/responses', { input: 'x' });
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.json.error, {
    message: "Missing required parameter: 'model'.",
    type: 'invalid_request_error',
    param: 'model',
    code: 'missing_required_parameter',
  });
  const notJson = await send('/responses', undefined, { raw: '{"model": ' });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.json.error?.type, 'invalid_request_error');
  const noMessages = await send('/chat/completions', { model: 'm' });
  assert.equal(noMessages.json.error?.param, 'messages');
  const tooFew = await send('/responses', { model: 'm', input: 'x', max_output_tokens: 5 });
  assert.equal(tooFew.status, 400);
  assert.equal(tooFew.json.error?.param, 'max_output_tokens');
});

test('a missing bearer token and an unknown key both get 401 with the key masked', async () => {
  const missing = await send('/responses', { model: 'm', input: 'x' }, { key: null });
  assert.equal(missing.status, 401);
  assert.equal(missing.json.error?.type, 'invalid_request_error');
  assert.match(missing.json.error?.message ?? '', /didn't provide an API key/);
  const key = 'sk-proj-abcdefghijklmnop1234';
  const wrong = await send('/responses', { model: 'm', input: 'x' }, { key });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error?.code, 'invalid_api_key');
  assert.ok(!(wrong.json.error?.message ?? '').includes(key));
  assert.ok((wrong.json.error?.message ?? '').includes('sk-*********************1234'));
  assert.match(wrong.headers.get('x-request-id') ?? '', /^req_/);
  const short = await send('/responses', { model: 'm', input: 'x' }, { key: 'abc' });
  assert.ok(!(short.json.error?.message ?? '').includes('abc'));
  assert.equal((await send('/models', undefined, { method: 'GET', key: 'sk-other' })).status, 200);
  assert.equal((await send('/models', undefined, { method: 'GET', key: null })).status, 401);
});

test('unknown paths and methods get a 404 with an OpenAI-style body', async () => {
  const unknown = await send('/embeddings', { model: 'm', input: 'x' });
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.json.error, {
    message: 'Invalid URL (POST /v1/embeddings)',
    type: 'invalid_request_error',
    param: null,
    code: null,
  });
  const wrongMethod = await send('/responses', undefined, { method: 'GET' });
  assert.equal(wrongMethod.status, 404);
  assert.equal(wrongMethod.headers.get('openai-version'), '2020-10-01');
});
