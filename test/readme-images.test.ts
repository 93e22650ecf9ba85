import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SHOTS, VIEWPORT, exampleInput, runArgs } from '../scripts/screenshots.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', 'not a PNG file');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('every picture the README shows is one the screenshot script writes, a small PNG of at most 1280×800', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const shown = [...readme.matchAll(/!\[[^\]]*\]\(docs\/img\/([^)]+)\)/g)].map((m) => m[1]);
  assert.deepEqual([...shown].sort(), [...SHOTS].sort());
  for (const name of SHOTS) {
    const path = join(ROOT, 'docs', 'img', name);
    const bytes = await readFile(path);
    const { width, height } = pngSize(bytes);
    assert.ok(width <= VIEWPORT.width && height <= VIEWPORT.height, `${name} is ${width}×${height}`);
    assert.ok((await stat(path)).size < 400_000, `${name} is larger than 400 KB`);
  }
});

test('the screenshot run pauses at the threshold with a dashboard and an HTML report', async () => {
  const input = await exampleInput(60);
  const rows = input.trimEnd().split('\n');
  assert.equal(rows.length, 61);
  assert.match(rows[0] ?? '', /^artist_id,artist_name,artist_data$/);
  const args = runArgs('in.csv', '/tmp/x');
  const value = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
  assert.equal(value('--quota-threshold'), '0.5');
  assert.ok(args.includes('--dashboard') && args.includes('--simulate'));
  assert.match(value('--report') ?? '', /\.html$/);
});
