import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, symlink, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { OutputRecord } from '../src/core/types.js';
import { compactSuperseded, serializeOutputRecord } from '../src/output/index.js';
import { buildResumeIndex } from '../src/output/resume-index.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'redo-stale-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function line(id: string, extra: Partial<OutputRecord> = {}): string {
  const record: OutputRecord = {
    artist_id: id,
    artist_name: `Artist ${id}`,
    request: { model: 'gpt-6-luna', variables: { artist_name: `Artist ${id}`, artist_data: '' } },
    response_text: `Bio ${id} "quoted" ,"prompt_fingerprint":"sha256:aaaa"`,
    response_id: `resp_${id}`,
    created: 1_700_000_000,
    model: 'gpt-6-luna',
    usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
    attempts: 1,
    duration_ms: 5,
    db_status: null,
    error: null,
    ...extra,
  };
  return serializeOutputRecord(record).bytes.toString('utf8').replace(/\n$/, '');
}

const A = 'sha256:aaaaaaaaaaaaaaaa';
const B = 'sha256:bbbbbbbbbbbbbbbb';

test('the latest line of each artist decides whether it is stale: other fingerprint, none, or one hidden in the bio text', async () => {
  const file = path.join(dir, 'index.jsonl');
  const lines = [
    line('1', { prompt_fingerprint: A }),
    line('2', { prompt_fingerprint: B }),
    line('3'),
    line('4', { prompt_fingerprint: A, db_status: 'pending' }),
    line('4', { prompt_fingerprint: B, db_status: 'inserted' }),
    line('5', { prompt_fingerprint: B }),
    line('5', { prompt_fingerprint: A }),
    line('6', { mode: 'flex', service_tier: 'flex' }),
    // Hand-written shape: read by the full parser.
    `{"error": null, "artist_id": "7", "response_text": "x", "prompt_fingerprint": "${B}"}`,
    `{"error": null, "artist_id": "8", "response_text": "x", "prompt_fingerprint": "${A}"}`,
  ];
  await writeFile(file, `${lines.join('\n')}\n`);
  const index = await buildResumeIndex(file, { currentFingerprint: B });
  assert.deepEqual([...index.staleIds].sort(), ['1', '3', '5', '6', '8']);
  assert.deepEqual([...index.doneIds].sort(), ['2', '4', '7']);
  const all = await buildResumeIndex(file);
  assert.equal(all.staleIds.size, 0, 'without a current fingerprint nothing is stale');
  assert.equal(all.doneIds.size, 8);
});

test('compaction keeps the last success per artist and every other line, in order, with the old file as .bak', async () => {
  const file = path.join(dir, 'compact.jsonl');
  const failure = '{"artist_id":"9","error":"APIError: old failure"}';
  const lines = [
    line('1', { prompt_fingerprint: A }),
    'not json at all',
    line('2', { prompt_fingerprint: A }),
    failure,
    line('1', { prompt_fingerprint: B }),
    line('3', { prompt_fingerprint: B }),
  ];
  const original = `${lines.join('\n')}\n`;
  await writeFile(file, original);
  const link = path.join(dir, 'link.jsonl');
  await symlink(file, link);
  const result = await compactSuperseded(link);
  assert.equal(result.removedLines, 1);
  assert.equal(result.backupPath, `${file}.bak`);
  assert.equal(await readFile(`${file}.bak`, 'utf8'), original);
  assert.equal(await readFile(file, 'utf8'), `${[lines[1], lines[2], failure, lines[4], lines[5]].join('\n')}\n`);
  assert.ok((await lstat(link)).isSymbolicLink(), 'a symlinked output stays a link to the rewritten file');
  assert.deepEqual(
    await compactSuperseded(file),
    { removedLines: 0, backupPath: undefined },
    'nothing to do: untouched',
  );
});
