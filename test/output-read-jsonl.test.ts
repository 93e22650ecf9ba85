import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InputError } from '../src/core/errors.js';
import { readJsonl, type JsonlEntry } from '../src/output/index.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'output-read-jsonl-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function entries(path: string): Promise<JsonlEntry[]> {
  const out: JsonlEntry[] = [];
  for await (const entry of readJsonl(path)) out.push(entry);
  return out;
}

test('readJsonl yields values and invalid lines with line numbers, byte offsets and text', async () => {
  const path = join(dir, 'mixed.jsonl');
  await writeFile(path, '{"a":"é"}\n\nnot json\n[1]\n{"torn":');
  const result = await entries(path);
  assert.deepEqual(
    result.map((e) => ({ line: e.line, offset: e.offset, terminated: e.terminated, ok: 'value' in e })),
    [
      { line: 1, offset: 0, terminated: true, ok: true },
      { line: 3, offset: 12, terminated: true, ok: false },
      { line: 4, offset: 21, terminated: true, ok: true },
      { line: 5, offset: 25, terminated: false, ok: false },
    ],
  );
  const [first, second] = result;
  assert.deepEqual(first && 'value' in first ? first.value : undefined, { a: 'é' });
  assert.equal(second?.text, 'not json');
  assert.ok(second && 'error' in second && second.error.length > 0);
});

test('readJsonl streams lines longer than its read buffer and many lines across reads', async () => {
  const path = join(dir, 'long.jsonl');
  const long = JSON.stringify({ text: 'x'.repeat(3 * 1024 * 1024) });
  const many = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ i, pad: 'y'.repeat(50) }));
  await writeFile(path, `${long}\n${many.join('\n')}\n`);
  let count = 0;
  let last: JsonlEntry | undefined;
  for await (const entry of readJsonl(path)) {
    assert.ok('value' in entry, `line ${entry.line} should parse`);
    count++;
    last = entry;
  }
  assert.equal(count, 30_001);
  assert.equal(last?.line, 30_001);
  assert.deepEqual(last && 'value' in last ? last.value : undefined, { i: 29_999, pad: 'y'.repeat(50) });
});

test('readJsonl of a missing file is an InputError naming it', async () => {
  const path = join(dir, 'missing.jsonl');
  await assert.rejects(entries(path), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.match(error.message, /missing\.jsonl: no such file/);
    return true;
  });
});
