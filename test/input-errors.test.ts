import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InputError } from '../src/core/errors.js';
import { readArtists, scanInput } from '../src/input/index.js';

let dir: string;
let counter = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'input-errors-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csv(content: string | Buffer): Promise<string> {
  const path = join(dir, `f${++counter}.csv`);
  await writeFile(path, content);
  return path;
}

function inputError(pattern: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };
}

test('invalid UTF-8 is an InputError naming the file, the line and the byte', async () => {
  const path = await csv(Buffer.concat([Buffer.from('id,name\nu1,A\nu2,Caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
  await assert.rejects(
    scanInput(path),
    inputError(new RegExp(`${path}.*not valid UTF-8.*0xe9 on line 3 \\(byte offset 19\\)`)),
  );
});

test('invalid UTF-8 deep in a large file reports the right line', async () => {
  const rows = Array.from({ length: 50_000 }, (_, i) => `u${i},Name ${i}`).join('\n');
  const path = await csv(Buffer.concat([Buffer.from(`${rows}\nbad,`), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
  await assert.rejects(scanInput(path), inputError(/on line 50001 /));
});

test('a multi-byte character split across read chunks is valid', async () => {
  // 256 KiB chunks: put a 4-byte emoji across the first boundary.
  const prefix = `u1,${'a'.repeat(256 * 1024 - 5)}`;
  const path = await csv(`${prefix}🎵\nu2,B\n`);
  assert.deepEqual(await scanInput(path), { valid: 2, skipped: 0, errors: 0, duplicates: 0, alreadyDone: 0 });
});

test('a real U+FFFD character written in the file is accepted', async () => {
  const items = [];
  for await (const item of readArtists(await csv('u1,Caf\ufffd\n'))) items.push(item);
  assert.deepEqual(items, [{ type: 'artist', artist: { id: 'u1', name: 'Caf\ufffd', data: undefined, line: 1 } }]);
});

test('a file cut inside a multi-byte character is invalid', async () => {
  const path = await csv(Buffer.concat([Buffer.from('u1,Caf'), Buffer.from([0xc3])]));
  await assert.rejects(scanInput(path), inputError(/incomplete character/));
});

test('a UTF-16 file is rejected with a hint', async () => {
  const path = await csv(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('u1,A\n', 'utf16le')]));
  await assert.rejects(scanInput(path), inputError(/UTF-16/));
});

test('a missing file is an InputError naming the path', async () => {
  const path = join(dir, 'nope.csv');
  await assert.rejects(scanInput(path), inputError(new RegExp(`${path}: no such file`)));
});

test('a directory is an InputError naming the path', async () => {
  const path = join(dir, 'a-directory.csv');
  await mkdir(path);
  await assert.rejects(scanInput(path), inputError(new RegExp(`${path}: it is a directory`)));
});

test('an unreadable file is an InputError', { skip: process.getuid?.() === 0 }, async () => {
  const path = await csv('u1,A\n');
  const { chmod } = await import('node:fs/promises');
  await chmod(path, 0o000);
  await assert.rejects(scanInput(path), inputError(/permission denied/));
});

test('a header without a name column is an InputError (no row could be valid)', async () => {
  await assert.rejects(scanInput(await csv('artist_id,bio\nu1,x\n')), inputError(/line 1 has no artist name column/));
});

test('the obsolete artist_name,artist_data layout is an InputError about the missing id column', async () => {
  await assert.rejects(scanInput(await csv('artist_name,artist_data\nA,x\n')), inputError(/no artist id column/));
});
