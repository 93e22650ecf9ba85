import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens, linearCounter } from '../src/cost/tokens.js';

test('ordinary text is counted whole, exactly as the tokenizer counts it', async () => {
  const text = 'Nina Simone was an American singer, songwriter and pianist. '.repeat(50);
  assert.equal(await countTokens(text, 'gpt-6-luna'), countO200k(text));
});

test('a long run without spaces reaches the tokenizer in pieces of at most 256 characters', () => {
  const seen: number[] = [];
  const counter = linearCounter((text) => {
    seen.push(text.length);
    return countO200k(text);
  });
  const blob = 'x'.repeat(200 * 1024);
  const total = counter(`Bio of ${blob} end`);
  assert.ok(Math.max(...seen) <= 256 + ' end'.length + 'Bio of '.length, `largest piece ${Math.max(...seen)}`);
  assert.ok(seen.length >= 800, `pieces: ${seen.length}`);
  // 8 x's make one o200k token: the pieces add up to the same count as the whole would.
  assert.equal(total, countO200k('Bio of ') + (200 * 1024) / 8 + countO200k(' end'));
});
