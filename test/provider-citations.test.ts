import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripTrailingCitations } from '../src/provider/index.js';

const vectors: [string, string][] = [
  ['Sentence. ( [Link](https://example.com), https://x.test )', 'Sentence.'],
  [
    'A concise bio ending with references.\nSources: [site A](https://a.test), [site B](https://b.test)\n',
    'A concise bio ending with references.',
  ],
  ['Bio text.\nSources: https://a.test, https://b.test', 'Bio text.'],
  ['Bio text. — References: [a](https://a.test) | [b](https://b.test)', 'Bio text.'],
  ['Bio.  Sources: https://a.test', 'Bio.'],
  ['Bio text (https://a.test)', 'Bio text'],
  ['Bio. (https://a.test) (https://b.test)', 'Bio.'],
  ['Bio text.   \n', 'Bio text.'],
  [
    'Para one.\n\nPara two with Yo La Tengo. ([en.wikipedia.org](https://en.wikipedia.org/wiki/X), [b.com](https://b.com/y?utm_source=openai))',
    'Para one.\n\nPara two with Yo La Tengo.',
  ],
];

const unchanged = [
  'He cited [Wikipedia](https://en.wikipedia.org/wiki/Artist) for background, which was notable.',
  'An artist born (1990) in LA.',
  'Bio (see https://a.test).',
  'Bio text. Source: [x](https://x.test) trailing words',
  'A plain bio about resources and sourcing.',
];

test('trailing citation blocks are stripped', () => {
  for (const [input, expected] of vectors) assert.equal(stripTrailingCitations(input), expected, JSON.stringify(input));
});

test('links inside the prose are kept', () => {
  for (const input of unchanged) assert.equal(stripTrailingCitations(input), input);
});

test('stripping is idempotent', () => {
  for (const [input] of vectors) {
    const once = stripTrailingCitations(input);
    assert.equal(stripTrailingCitations(once), once);
  }
});
