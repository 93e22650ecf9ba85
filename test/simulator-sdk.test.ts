import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startSimulator } from '../src/simulator/index.js';
import type { SimulatorHandle } from '../src/simulator/index.js';

let sim: SimulatorHandle;
let client: OpenAI;

before(async () => {
  sim = await startSimulator({
    rpm: 6000,
    tpm: 1_000_000,
    apiKeys: ['sk-test'],
    scriptedRetryAfterMs: 1500,
    sendRetryAfterMs: true,
  });
  client = new OpenAI({ baseURL: sim.url, apiKey: 'sk-test', maxRetries: 0 });
});
after(() => sim.close());

test('the SDK parses a stored-prompt response and output_text names the artist', async () => {
  const { data, response, request_id } = await client.responses
    .create({
      prompt: { id: 'pmpt_abc', version: '2', variables: { artist_name: 'Nina Simone', artist_data: 'Jazz pianist' } },
    })
    .withResponse();
  assert.equal(data.object, 'response');
  assert.match(data.id, /^resp_[0-9a-f]{48}$/);
  assert.equal(data.status, 'completed');
  assert.equal(data.model, 'gpt-4o-mini');
  assert.ok(data.output_text.includes('Nina Simone'));
  assert.ok(data.output_text.length > 50);
  assert.deepEqual(data.prompt, {
    id: 'pmpt_abc',
    version: '2',
    variables: { artist_name: 'Nina Simone', artist_data: 'Jazz pianist' },
  });
  assert.equal(data.error, null);
  assert.equal(data.incomplete_details, null);
  assert.equal(data.usage?.total_tokens, (data.usage?.input_tokens ?? 0) + (data.usage?.output_tokens ?? 0));
  assert.match(request_id ?? '', /^req_[0-9a-f]{32}$/);
  assert.equal(response.headers.get('openai-version'), '2020-10-01');
  assert.match(response.headers.get('openai-processing-ms') ?? '', /^\d+$/);
  assert.equal(response.headers.get('x-ratelimit-limit-requests'), '6000');
  assert.equal(response.headers.get('x-ratelimit-limit-tokens'), '1000000');
});

test('the SDK parses an inline response and the request fields are echoed', async () => {
  const data = await client.responses.create({
    model: 'gpt-5-nano',
    instructions: 'Write a short artist biography.',
    input: 'Artist name: Björk\nArtist data: Icelandic singer',
    max_output_tokens: 800,
  });
  assert.equal(data.model, 'gpt-5-nano');
  assert.equal(data.instructions, 'Write a short artist biography.');
  assert.equal(data.max_output_tokens, 800);
  assert.equal(data.prompt, null);
  assert.ok(data.output_text.includes('Björk'));
  assert.deepEqual(
    data.output.map((item) => item.type),
    ['reasoning', 'message'],
    'gpt-5-nano reasons before it answers',
  );
  const message = data.output[1];
  assert.ok(message?.type === 'message' && message.role === 'assistant' && message.status === 'completed');
  assert.ok((data.usage?.output_tokens_details.reasoning_tokens ?? 0) > 0);
});

test('the SDK parses a chat completion', async () => {
  const data = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You write artist bios.' },
      { role: 'user', content: 'Artist: Fela Kuti' },
    ],
  });
  assert.equal(data.object, 'chat.completion');
  assert.match(data.id, /^chatcmpl-/);
  assert.equal(data.choices[0]?.finish_reason, 'stop');
  assert.ok(data.choices[0]?.message.content?.includes('Fela Kuti'));
  assert.equal(data.usage?.total_tokens, (data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0));
});

test('the SDK lists models', async () => {
  const page = await client.models.list();
  assert.ok(page.data.some((model) => model.id === 'gpt-4o-mini'));
});

test('a rate-limit 429 surfaces as RateLimitError with code, type and retry headers', async () => {
  const limited = await client.responses
    .create({ model: 'gpt-4o-mini', input: 'Artist name: Y\nArtist data: FAIL429x1' })
    .then(
      () => assert.fail('expected a 429'),
      (e: unknown) => e,
    );
  assert.ok(limited instanceof OpenAI.RateLimitError);
  assert.equal(limited.status, 429);
  assert.equal(limited.code, 'rate_limit_exceeded');
  assert.equal(limited.type, 'requests');
  assert.equal(limited.headers.get('retry-after-ms'), '1500');
  assert.equal(limited.headers.get('retry-after'), '2');
  assert.match(limited.requestID ?? '', /^req_/);
  assert.match(limited.message, /Please try again in 1\.5s\./);
});

test('an unknown key surfaces as AuthenticationError without echoing the key', async () => {
  const key = 'sk-wrong-0123456789abcdef';
  const bad = new OpenAI({ baseURL: sim.url, apiKey: key, maxRetries: 0 });
  const error = await bad.responses.create({ model: 'gpt-4o-mini', input: 'Artist: Z' }).then(
    () => assert.fail('expected a 401'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof OpenAI.AuthenticationError);
  assert.equal(error.code, 'invalid_api_key');
  assert.equal(error.type, 'invalid_request_error');
  assert.ok(!error.message.includes(key), error.message);
  assert.ok(error.message.includes('sk-'), 'keeps a recognisable head');
});

test('a 500 surfaces as InternalServerError', async () => {
  const error = await client.responses
    .create({ model: 'gpt-4o-mini', input: 'Artist name: W\nArtist data: FAIL500x1' })
    .then(
      () => assert.fail('expected a 500'),
      (e: unknown) => e,
    );
  assert.ok(error instanceof OpenAI.InternalServerError);
  assert.equal(error.status, 500);
  assert.equal(error.type, 'server_error');
});

test('a request with neither model nor prompt surfaces as BadRequestError', async () => {
  const error = await client.responses.create({ input: 'Artist: Q' } as never).then(
    () => assert.fail('expected a 400'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof OpenAI.BadRequestError);
  assert.equal(error.code, 'missing_required_parameter');
  assert.equal(error.param, 'model');
});
