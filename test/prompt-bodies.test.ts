import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, UsageError } from '../src/core/errors.js';
import { createRequestBuilder, loadTemplate, parseTemplate } from '../src/prompt/index.js';
import type { PreparedRequest, RequestBuilder } from '../src/prompt/index.js';

const artist = { id: '7', name: 'Ali Farka Touré', data: 'Malian guitarist', line: 2 };

function builder(
  frontMatter: string,
  options: { model?: string; api?: 'responses' | 'chat'; webSearch?: boolean } = {},
) {
  const template = parseTemplate(`---\n${frontMatter}\n---\nBio of {{artist_name}}: {{artist_data}}`, 't.md');
  return createRequestBuilder(
    { kind: 'template', template, model: options.model, webSearch: options.webSearch },
    options.api ?? 'responses',
  );
}

const body = (b: RequestBuilder): Record<string, unknown> => ({ ...b.build(artist).body });

test('the shipped template targets gpt-6-luna with parameters it accepts and sends store: false', async () => {
  const b = createRequestBuilder({ kind: 'template', template: await loadTemplate() }, 'responses');
  const sent = body(b);
  assert.equal(sent.model, 'gpt-6-luna');
  assert.deepEqual(sent.reasoning, { effort: 'low' });
  assert.equal(sent.store, false);
  assert.equal(sent.temperature, undefined);
  assert.equal(sent.top_p, undefined);
  assert.deepEqual(b.notices, [], 'nothing had to be dropped');
});

test('GPT-6 at its default effort: temperature and top_p are dropped, with one notice naming both', () => {
  const b = builder('model: gpt-6-luna\ntemperature: 0.7\ntop_p: 0.9');
  const sent = body(b);
  assert.equal(sent.temperature, undefined);
  assert.equal(sent.top_p, undefined);
  assert.equal(sent.reasoning, undefined, 'no effort named: the API default applies');
  assert.equal(b.notices.length, 1);
  assert.match(b.notices[0] ?? '', /gpt-6-luna does not accept temperature or top_p at reasoning effort medium/);
});

test('GPT-6 at effort none keeps temperature and top_p; at effort low it drops them', () => {
  const none = builder('model: gpt-6-sol\nreasoning_effort: none\ntemperature: 0.4\ntop_p: 0.8');
  assert.deepEqual(
    { ...body(none), input: undefined, metadata: undefined },
    {
      model: 'gpt-6-sol',
      input: undefined,
      metadata: undefined,
      reasoning: { effort: 'none' },
      temperature: 0.4,
      top_p: 0.8,
      store: false,
    },
  );
  assert.deepEqual(none.notices, []);
  const low = builder('model: gpt-6-sol\nreasoning_effort: low\ntemperature: 0.4');
  assert.equal(body(low).temperature, undefined);
  assert.match(low.notices[0] ?? '', /at reasoning effort low/);
});

test('GPT-5 and o-series never take temperature; models without reasoning always do', () => {
  assert.equal(body(builder('model: gpt-5-mini\nreasoning_effort: minimal\ntemperature: 0.3')).temperature, undefined);
  assert.equal(body(builder('model: o4-mini\ntemperature: 0.3')).temperature, undefined);
  assert.equal(body(builder('model: gpt-5.4-mini\nreasoning_effort: none\ntemperature: 0.3')).temperature, 0.3);
  const old = builder('model: gpt-4o-mini\ntemperature: 0.7');
  assert.equal(body(old).temperature, 0.7);
  assert.deepEqual(old.notices, []);
  const oldWithEffort = builder('model: gpt-4.1-mini\nreasoning_effort: low');
  assert.equal(body(oldWithEffort).reasoning, undefined, 'a model without reasoning would refuse it');
  assert.match(oldWithEffort.notices[0] ?? '', /gpt-4.1-mini does not reason/);
  assert.equal(body(builder('temperature: 0.7', { model: 'my-fine-tune' })).temperature, 0.7, 'unknown: sent as asked');
});

test('verbosity, service tier, store and tools map to their Responses fields', () => {
  const b = builder(
    'model: gpt-6-luna\nverbosity: low\nservice_tier: flex\nstore: true\ntools: [{"type":"web_search","search_context_size":"low"}]',
  );
  const sent = body(b);
  assert.deepEqual(sent.text, { verbosity: 'low' });
  assert.equal(sent.service_tier, 'flex');
  assert.equal(sent.store, true);
  assert.deepEqual(sent.tools, [{ type: 'web_search', search_context_size: 'low' }]);
});

test('web_search: true or --web-search adds the web search tool once', () => {
  assert.deepEqual(body(builder('model: gpt-6-luna\nweb_search: true')).tools, [{ type: 'web_search' }]);
  assert.deepEqual(body(builder('model: gpt-6-luna', { webSearch: true })).tools, [{ type: 'web_search' }]);
  assert.deepEqual(body(builder('model: gpt-6-luna\ntools: web_search', { webSearch: true })).tools, [
    { type: 'web_search' },
  ]);
  assert.equal(body(builder('model: gpt-6-luna')).tools, undefined);
});

test('chat bodies carry reasoning_effort and verbosity at the top level; tools need the Responses API', () => {
  const chat = builder('model: gpt-6-luna\nreasoning_effort: high\nverbosity: high\ntemperature: 1', { api: 'chat' });
  const sent = body(chat);
  assert.equal(sent.reasoning_effort, 'high');
  assert.equal(sent.verbosity, 'high');
  assert.equal(sent.temperature, undefined);
  assert.equal(sent.store, false);
  assert.throws(() => builder('model: gpt-6-luna\nweb_search: true', { api: 'chat' }), UsageError);
});

test('the output cap is raised once: doubled, bounded by retry_max_output_tokens, never twice', () => {
  const b = builder('model: gpt-6-luna\nmax_output_tokens: 400\nretry_max_output_tokens: 600');
  const first = b.build(artist);
  const raised = b.raiseOutputCap(first);
  assert.ok(raised);
  assert.equal(raised.api === 'responses' ? raised.body.max_output_tokens : undefined, 600);
  assert.equal(
    first.api === 'responses' ? first.body.max_output_tokens : undefined,
    400,
    'the first request is unchanged',
  );
  assert.equal(b.raiseOutputCap(raised), undefined);
  const plain = builder('model: gpt-6-luna\nmax_output_tokens: 300');
  const doubled = plain.raiseOutputCap(plain.build(artist));
  assert.equal(
    doubled?.api === 'responses' ? doubled.body.max_output_tokens : undefined,
    600,
    'twice the cap by default',
  );
  const chat = builder('model: gpt-6-luna\nmax_output_tokens: 250', { api: 'chat' });
  const chatRaised: PreparedRequest | undefined = chat.raiseOutputCap(chat.build(artist));
  assert.equal(chatRaised?.api === 'chat' ? chatRaised.body.max_completion_tokens : undefined, 500);
  assert.equal(
    builder('model: gpt-6-luna').raiseOutputCap(first),
    undefined,
    'no cap in the template: nothing to raise',
  );
  assert.throws(() => builder('max_output_tokens: 400\nretry_max_output_tokens: 300'), ConfigError);
});

test('the fingerprint follows template text, model and parameters, never the artist', () => {
  const base = builder('model: gpt-6-luna\nreasoning_effort: low');
  assert.match(base.fingerprint, /^sha256:[0-9a-f]{16}$/);
  assert.equal(base.fingerprint, builder('model: gpt-6-luna\nreasoning_effort: low').fingerprint);
  const others = [
    builder('model: gpt-6-sol\nreasoning_effort: low'),
    builder('model: gpt-6-luna\nreasoning_effort: medium'),
    builder('model: gpt-6-luna\nreasoning_effort: low', { webSearch: true }),
    builder('model: gpt-6-luna\nreasoning_effort: low', { model: 'gpt-6-astra' }),
  ];
  for (const other of others) assert.notEqual(other.fingerprint, base.fingerprint);
  const reworded = createRequestBuilder(
    {
      kind: 'template',
      template: parseTemplate('---\nmodel: gpt-6-luna\nreasoning_effort: low\n---\nWrite about {{artist_name}}', 't'),
    },
    'responses',
  );
  assert.notEqual(reworded.fingerprint, base.fingerprint);
});

test('bad front-matter values name the key and the allowed values', () => {
  assert.throws(() => builder('reasoning_effort: extreme'), /reasoning_effort must be one of none, minimal, low/);
  assert.throws(() => builder('verbosity: chatty'), /verbosity must be one of low, medium, high/);
  assert.throws(() => builder('store: maybe'), /store must be true or false/);
  assert.throws(() => builder('tools: [1]'), /tools\[0\] must be an object/);
});
