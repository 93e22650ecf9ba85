/**
 * `--shard I/N` (docs/ledger.md#shards): parsing, the stable hash of the artist id, and the
 * input scan that keeps only one shard's artists.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../src/core/errors.js';
import { inShard, parseShard, planInput, readPlannedArtists, shardOf } from '../src/input/index.js';
import { artists, tempDir, writeCsv } from './support/cli.js';

test('--shard parses 1-based I/N and refuses 0/3, 4/3, 1/0, 1/1001, 2 and a/b with a usage error', () => {
  assert.deepEqual(parseShard('1/3'), { index: 1, count: 3 });
  assert.deepEqual(parseShard(' 3 / 3 '), { index: 3, count: 3 });
  assert.deepEqual(parseShard('1/1'), { index: 1, count: 1 });
  for (const bad of ['0/3', '4/3', '1/0', '1/1001', '2', 'a/b', '-1/3', '1.5/3', '']) {
    assert.throws(
      () => parseShard(bad),
      (e: unknown) => e instanceof UsageError && /1 <= I <= N/.test(e.message),
      bad,
    );
  }
});

test('the shard of an id is the first 8 bytes of its SHA-256 modulo N, plus one: pinned values never change', () => {
  // sha256("1") starts 6b86b273ff34fce1 = 7748076420210162913 (mod 3 = 1, mod 7 = 2).
  assert.equal(shardOf('1', 3), 2);
  assert.equal(shardOf('1', 7), 3);
  assert.equal(shardOf('abc', 3), 1);
  assert.equal(shardOf('artist-42', 7), 1);
  assert.equal(shardOf('anything', 1), 1);
});

test('300 ids fall into exactly one of 3 shards each, at least 70 per shard', () => {
  const ids = Array.from({ length: 300 }, (_, i) => String(1001 + i));
  const sizes = [1, 2, 3].map((index) => ids.filter(inShard({ index, count: 3 })).length);
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    300,
  );
  for (const size of sizes) assert.ok(size >= 70, `shard sizes ${sizes.join(', ')}`);
});

test('a sharded scan counts the other shards apart and the work pass yields only this shard, in file order', async () => {
  const dir = await tempDir();
  const path = await writeCsv(dir, 'in.csv', artists(60));
  const shard = { index: 2, count: 3 };
  const keep = inShard(shard);
  const { counts, plan } = await planInput(path, { include: keep, skipIds: new Set(['1001', '1002']) });
  const expected = artists(60)
    .map((r) => r.id)
    .filter((id) => id !== '1001' && id !== '1002' && keep(id));
  assert.equal(counts.valid, expected.length);
  assert.equal(counts.alreadyDone, 2);
  assert.equal(counts.otherShards, 58 - expected.length);
  const seen: string[] = [];
  for await (const artist of readPlannedArtists(plan, { include: keep })) seen.push(artist.id);
  assert.deepEqual(seen, expected);
});
