import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../src/core/errors.js';
import {
  costOf,
  countTokens,
  encodingFor,
  loadPriceTable,
  priceFor,
  SHIPPED_PRICES,
  worstCaseCost,
} from '../src/cost/index.js';

test('gpt-6-luna standard price is $0.10 input, $0.01 cached, $0.50 output per 1M tokens', () => {
  assert.deepEqual(priceFor('gpt-6-luna', 'standard'), { input: 0.1, cachedInput: 0.01, output: 0.5 });
});

test('flex and batch cost half of standard for every shipped model', () => {
  for (const model of Object.keys(SHIPPED_PRICES)) {
    const standard = priceFor(model, 'standard');
    assert.ok(standard, model);
    for (const tier of ['flex', 'batch'] as const) {
      const p = priceFor(model, tier);
      assert.ok(p, `${model} ${tier}`);
      assert.equal(p.input, standard.input / 2);
      assert.equal(p.cachedInput, standard.cachedInput / 2);
      assert.equal(p.output, standard.output / 2);
    }
  }
});

test('a dated snapshot is priced like its alias; an unknown model has no price', () => {
  assert.deepEqual(priceFor('gpt-4o-mini-2024-07-18', 'standard'), priceFor('gpt-4o-mini', 'standard'));
  assert.equal(priceFor('my-local-llama', 'standard'), undefined);
  assert.equal(priceFor('gpt-6-luna-2099', 'standard'), undefined);
});

test('costOf bills uncached input, cached input and output at their own rates', () => {
  const price = { input: 0.15, cachedInput: 0.075, output: 0.6 };
  // 1000 input (400 cached) + 500 output: 600×0.15 + 400×0.075 + 500×0.6 = 90 + 30 + 300 = 420 per 1M
  assert.equal(costOf({ input_tokens: 1000, output_tokens: 500, cached_input_tokens: 400 }, price), 0.00042);
  assert.equal(costOf({ input_tokens: 1000, output_tokens: 500 }, price), 0.00045);
  assert.equal(worstCaseCost(1000, 500, price), 0.00045);
});

test('a YAML price file replaces the shipped model and adds new ones; flat prices give half-price flex and batch', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prices-'));
  try {
    const file = join(dir, 'prices.yaml');
    await writeFile(
      file,
      'gpt-6-luna:\n  input: 1\n  cached_input: 0.5\n  output: 4\nlocal-model:\n  standard: { input: 0.2, output: 0.8 }\n',
    );
    const table = await loadPriceTable(file);
    assert.deepEqual(priceFor('gpt-6-luna', 'standard', table), { input: 1, cachedInput: 0.5, output: 4 });
    assert.deepEqual(priceFor('gpt-6-luna', 'batch', table), { input: 0.5, cachedInput: 0.25, output: 2 });
    assert.deepEqual(priceFor('local-model', 'standard', table), { input: 0.2, cachedInput: 0.2, output: 0.8 });
    assert.equal(priceFor('local-model', 'flex', table), undefined);
    assert.deepEqual(priceFor('gpt-4o-mini', 'standard', table), priceFor('gpt-4o-mini', 'standard'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a JSON price file with a negative or missing rate is refused with the model named', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prices-'));
  try {
    const file = join(dir, 'prices.json');
    await writeFile(file, JSON.stringify({ 'gpt-6-luna': { input: -1, output: 1 } }));
    await assert.rejects(
      loadPriceTable(file),
      (e: unknown) => e instanceof ConfigError && /gpt-6-luna/.test(e.message),
    );
    await writeFile(file, '{not json');
    await assert.rejects(loadPriceTable(file), ConfigError);
    await assert.rejects(loadPriceTable(join(dir, 'missing.json')), ConfigError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('token counts use o200k_base for current models and cl100k_base for gpt-4', async () => {
  assert.equal(encodingFor('gpt-6-luna'), 'o200k_base');
  assert.equal(encodingFor('gpt-4o-mini'), 'o200k_base');
  assert.equal(encodingFor('gpt-4'), 'cl100k_base');
  assert.equal(encodingFor('gpt-4-0613'), 'cl100k_base');
  const text = 'Write a short biography of Nina Simone, singer and pianist.';
  // Exact BPE counts, not characters ÷ 4 (which would say 15).
  assert.equal(await countTokens(text, 'gpt-6-luna'), 12);
  assert.equal(await countTokens(text, 'gpt-4'), 13);
});
