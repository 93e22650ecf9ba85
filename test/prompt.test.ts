import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, UsageError } from '../src/core/errors.js';
import { createRequestBuilder, loadTemplate, NO_DATA_TEXT, parseTemplate } from '../src/prompt/index.js';

const artist = { id: '1001', name: 'Björk', data: 'Icelandic singer', line: 2 };

test('the built-in template loads and names model, instructions and output cap', async () => {
  const t = await loadTemplate();
  assert.ok(t.model);
  assert.ok(t.instructions && t.instructions.length > 50);
  assert.ok(t.maxOutputTokens && t.maxOutputTokens > 100);
  assert.match(t.body, /\{\{artist_name\}\}/);
});

test('a template request is {model, instructions, input, max_output_tokens} with variables filled', () => {
  const template = parseTemplate(
    '---\nmodel: m1\nmax_output_tokens: 300\ninstructions: |\n  Be brief.\n  No lists.\n---\nBio of {{artist_name}}: {{artist_data}}',
    't.md',
  );
  const req = createRequestBuilder({ kind: 'template', template }, 'responses').build(artist);
  assert.equal(req.api, 'responses');
  assert.deepEqual(
    {
      model: req.body.model,
      instructions: 'instructions' in req.body ? req.body.instructions : undefined,
      input: 'input' in req.body ? req.body.input : undefined,
    },
    { model: 'm1', instructions: 'Be brief.\nNo lists.', input: 'Bio of Björk: Icelandic singer' },
  );
  assert.equal('max_output_tokens' in req.body ? req.body.max_output_tokens : undefined, 300);
  assert.deepEqual(req.record, { model: 'm1', variables: { artist_name: 'Björk', artist_data: 'Icelandic singer' } });
});

test('--model overrides the template model and empty data becomes the placeholder text', () => {
  const template = parseTemplate('Write about {{artist_name}} ({{artist_data}})', 'x');
  const req = createRequestBuilder({ kind: 'template', template, model: 'gpt-x' }, 'responses').build({
    ...artist,
    data: undefined,
  });
  assert.equal(req.body.model, 'gpt-x');
  assert.equal('input' in req.body ? req.body.input : '', `Write about Björk (${NO_DATA_TEXT})`);
});

test('a stored prompt request is {prompt: {id, version, variables}} with no inline input', () => {
  const req = createRequestBuilder({ kind: 'stored', promptId: 'pmpt_1', promptVersion: '3' }, 'responses').build(
    artist,
  );
  assert.equal(req.api, 'responses');
  if (req.api !== 'responses') return;
  assert.deepEqual(req.body.prompt, {
    id: 'pmpt_1',
    version: '3',
    variables: { artist_name: 'Björk', artist_data: 'Icelandic singer' },
  });
  assert.equal(req.body.input, undefined);
  assert.deepEqual(req.record, {
    prompt_id: 'pmpt_1',
    version: '3',
    variables: { artist_name: 'Björk', artist_data: 'Icelandic singer' },
  });
});

test('chat mode sends system + user messages', () => {
  const template = parseTemplate('---\ninstructions: Be brief.\n---\nAbout {{artist_name}}', 'x');
  const req = createRequestBuilder({ kind: 'template', template }, 'chat').build(artist);
  assert.equal(req.api, 'chat');
  if (req.api !== 'chat') return;
  assert.deepEqual(req.body.messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'About Björk' },
  ]);
});

test('stored prompts cannot use the chat API', () => {
  assert.throws(() => createRequestBuilder({ kind: 'stored', promptId: 'p' }, 'chat'), UsageError);
});

test('templates without {{artist_name}}, with unknown placeholders or bad front matter are rejected', () => {
  assert.throws(() => parseTemplate('Hello world', 'a.md'), ConfigError);
  assert.throws(() => parseTemplate('{{artist_name}} {{genre}}', 'a.md'), /\{\{genre\}\}/);
  assert.throws(
    () => parseTemplate('---\ncolour: red\n---\n{{artist_name}}', 'a.md'),
    /unknown front-matter key "colour"/,
  );
  assert.throws(() => parseTemplate('---\nmax_output_tokens: lots\n---\n{{artist_name}}', 'a.md'), ConfigError);
});

test('a missing template file is a configuration error naming the path', async () => {
  await assert.rejects(
    loadTemplate('/nonexistent/t.md'),
    (e: unknown) => e instanceof ConfigError && /\/nonexistent\/t\.md/.test(e.message),
  );
});
