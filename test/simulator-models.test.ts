import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import type { SimulatorHandle } from '../src/simulator/index.js';

let sim: SimulatorHandle;

before(async () => {
  sim = await startSimulator({ rpm: 1000 });
});
after(() => sim.close());

interface Annotation {
  type: string;
  start_index: number;
  end_index: number;
  url: string;
  title: string;
}
interface Item {
  type: string;
  status?: string;
  action?: { query: string };
  content?: { text: string; annotations: Annotation[] }[];
}
interface Json {
  status?: string;
  output?: Item[];
  error?: { message: string; type: string; param: string | null; code: string | null } | null;
  incomplete_details?: { reason: string } | null;
  service_tier?: string;
  store?: boolean;
  reasoning?: { effort: string | null };
  choices?: { finish_reason: string }[];
  usage?: {
    input_tokens: number;
    output_tokens: number;
    input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
    output_tokens_details: { reasoning_tokens: number };
  };
  data?: { id: string }[];
}

async function post(body: Record<string, unknown>, path = '/responses'): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

const luna = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'gpt-6-luna',
  input: `Artist name: ${name}`,
  max_output_tokens: 2000,
  ...extra,
});

const message = (json: Json): Item | undefined => json.output?.find((item) => item.type === 'message');

test('gpt-6-luna refuses temperature at its default effort with OpenAI’s unsupported_parameter body', async () => {
  const refused = await post(luna('A', { temperature: 0.7 }));
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.json.error, {
    message: "Unsupported parameter: 'temperature' is not supported with this model.",
    type: 'invalid_request_error',
    param: 'temperature',
    code: 'unsupported_parameter',
  });
  const topP = await post(luna('A', { top_p: 0.9, reasoning: { effort: 'low' } }));
  assert.equal(topP.json.error?.param, 'top_p');
  const none = await post(luna('A', { temperature: 0.7, top_p: 0.9, reasoning: { effort: 'none' } }));
  assert.equal(none.status, 200, 'effort none takes sampling parameters');
});

test('a reasoning effort is refused by a model without reasoning and checked against the model’s list', async () => {
  const old = await post({ model: 'gpt-4o-mini', input: 'Artist name: B', reasoning: { effort: 'low' } });
  assert.equal(old.status, 400);
  assert.equal(old.json.error?.code, 'unsupported_parameter');
  assert.equal(old.json.error?.param, 'reasoning.effort');
  const unknown = await post({ model: 'gpt-5-mini', input: 'Artist name: B', reasoning: { effort: 'max' } });
  assert.equal(unknown.json.error?.code, 'unsupported_value');
  const chat = await post(
    { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Artist name: B' }], reasoning_effort: 'low' },
    '/chat/completions',
  );
  assert.equal(chat.json.error?.param, 'reasoning_effort');
});

test('a cap below 16 gets the integer_below_min_value body', async () => {
  const small = await post(luna('C', { max_output_tokens: 10 }));
  assert.equal(small.status, 400);
  assert.deepEqual(small.json.error, {
    message: "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 10 instead.",
    type: 'invalid_request_error',
    param: 'max_output_tokens',
    code: 'integer_below_min_value',
  });
});

test('reasoning tokens come out of the output cap: a cap the reasoning fills is incomplete with no text', async () => {
  const starved = await post(luna('Dana', { max_output_tokens: 100 }));
  assert.equal(starved.json.status, 'incomplete');
  assert.deepEqual(starved.json.incomplete_details, { reason: 'max_output_tokens' });
  assert.deepEqual(
    starved.json.output?.map((item) => item.type),
    ['reasoning'],
  );
  assert.equal(starved.json.usage?.output_tokens, 100);
  assert.equal(starved.json.usage?.output_tokens_details.reasoning_tokens, 100);
  const roomy = await post(luna('Dana'));
  assert.equal(roomy.json.status, 'completed');
  assert.equal(roomy.json.reasoning?.effort, 'medium', 'the default effort');
  const reasoning = roomy.json.usage?.output_tokens_details.reasoning_tokens ?? 0;
  assert.ok(reasoning > 100, `medium effort spends ${reasoning} reasoning tokens`);
  const high = await post(luna('Dana', { reasoning: { effort: 'high' } }));
  assert.ok((high.json.usage?.output_tokens_details.reasoning_tokens ?? 0) > reasoning, 'more effort, more tokens');
  const none = await post(luna('Dana', { reasoning: { effort: 'none' } }));
  assert.equal(none.json.usage?.output_tokens_details.reasoning_tokens, 0);
  assert.deepEqual(
    none.json.output?.map((item) => item.type),
    ['message'],
  );
});

test('the web_search tool adds a search call and url_citation annotations whose indices cover the links', async () => {
  const plain = await post(luna('Erykah Badu'));
  const grounded = await post(luna('Erykah Badu', { tools: [{ type: 'web_search' }] }));
  assert.equal(grounded.json.status, 'completed');
  assert.deepEqual(
    grounded.json.output?.map((item) => item.type),
    ['reasoning', 'web_search_call', 'message'],
  );
  assert.match(grounded.json.output?.[1]?.action?.query ?? '', /Erykah Badu/);
  const part = message(grounded.json)?.content?.[0];
  const annotations = part?.annotations ?? [];
  assert.equal(annotations.length, 2);
  for (const a of annotations) {
    assert.equal(a.type, 'url_citation');
    assert.equal(
      part?.text.slice(a.start_index, a.end_index),
      `[${new URL(a.url).hostname.replace(/^www\./, '')}](${a.url})`,
    );
    assert.match(a.title, /Erykah Badu/);
  }
  assert.ok((grounded.json.usage?.input_tokens ?? 0) > (plain.json.usage?.input_tokens ?? 0), 'results are input');
});

test('service_tier and store are echoed and usage reports cache reads and writes', async () => {
  const flex = await post(luna('F', { service_tier: 'flex', store: false }));
  assert.equal(flex.json.service_tier, 'flex');
  assert.equal(flex.json.store, false);
  assert.equal((await post(luna('F', { service_tier: 'auto' }))).json.service_tier, 'default');
  assert.deepEqual(flex.json.usage?.input_tokens_details, { cached_tokens: 0, cache_write_tokens: 0 });
  const instructions = 'Write a careful catalog biography. '.repeat(150);
  const first = await post(luna('G', { instructions }));
  const second = await post(luna('H', { instructions }));
  const written = first.json.usage?.input_tokens_details.cache_write_tokens ?? 0;
  assert.ok(written >= 1024 && written % 128 === 0, `wrote ${written}`);
  assert.deepEqual(second.json.usage?.input_tokens_details, { cached_tokens: written, cache_write_tokens: 0 });
});

test('FAILEDx1 answers status failed with a server_error code once; FILTERED is incomplete for content_filter', async () => {
  const failed = await post(luna('I', { input: 'Artist name: I\nArtist data: FAILEDx1' }));
  assert.equal(failed.status, 200);
  assert.equal(failed.json.status, 'failed');
  assert.equal(failed.json.error?.code, 'server_error');
  assert.equal(message(failed.json), undefined);
  assert.equal((await post(luna('I', { input: 'Artist name: I\nArtist data: FAILEDx1' }))).json.status, 'completed');
  const filtered = await post(luna('J', { input: 'Artist name: J\nArtist data: FILTERED' }));
  assert.equal(filtered.json.status, 'incomplete');
  assert.deepEqual(filtered.json.incomplete_details, { reason: 'content_filter' });
  const chat = await post(
    { model: 'gpt-6-luna', messages: [{ role: 'user', content: 'Artist name: J\nArtist data: FILTERED' }] },
    '/chat/completions',
  );
  assert.equal(chat.json.choices?.[0]?.finish_reason, 'content_filter');
});

test('the model list names the current models', async () => {
  const res = await fetch(`${sim.url}/models`, { headers: { authorization: 'Bearer sk-test' } });
  const ids = ((await res.json()) as Json).data?.map((m) => m.id) ?? [];
  for (const id of ['gpt-6-luna', 'gpt-6-sol', 'gpt-6-astra']) assert.ok(ids.includes(id), id);
});
