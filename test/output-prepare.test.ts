import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { UsageError } from '../src/core/errors.js';
import type { OutputRecord } from '../src/core/types.js';
import { openJsonlSink, outputPaths, prepareOutput } from '../src/output/index.js';

let root: string;
let counter = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'output-prepare-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = join(root, String(++counter));
  await mkdir(dir);
  return dir;
}

function record(id: string, db: OutputRecord['db_status'] = null): OutputRecord {
  return {
    artist_id: id,
    artist_name: `Name ${id}`,
    request: { model: 'm', variables: { artist_name: `Name ${id}`, artist_data: 'No additional data provided' } },
    response_text: `Bio of ${id}`,
    response_id: `resp_${id}`,
    created: 1,
    model: 'm',
    usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
    attempts: 1,
    duration_ms: 5,
    db_status: db,
    error: null,
  };
}

function writeOutput(path: string, records: OutputRecord[]): void {
  const sink = openJsonlSink(path);
  for (const r of records) sink.append(r);
  sink.close();
}

function usageError(pattern: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof UsageError, `expected UsageError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };
}

test('outputPaths derives the errors and state files from the output path', () => {
  assert.deepEqual(outputPaths('out/bios.jsonl'), {
    output: 'out/bios.jsonl',
    errors: 'out/bios.errors.jsonl',
    state: 'out/bios.jsonl.state.json',
    lock: 'out/bios.jsonl.lock',
  });
  assert.equal(outputPaths('results').errors, 'results.errors.jsonl');
  assert.equal(outputPaths('/tmp/a.b.json').errors, '/tmp/a.b.errors.jsonl');
});

test('a new output needs nothing and reports an empty index', async () => {
  const path = join(await freshDir(), 'out.jsonl');
  const prepared = await prepareOutput(path, { resume: false, overwrite: false });
  assert.equal(prepared.mode, 'new');
  assert.equal(prepared.doneIds.size, 0);
});

test('a non-empty output without --resume or --overwrite is refused and left byte-identical', async () => {
  const dir = await freshDir();
  const path = join(dir, 'out.jsonl');
  writeOutput(path, [record('a'), record('b')]);
  await writeFile(join(dir, 'out.errors.jsonl'), '{"artist_id":"x"}\n');
  const before = await readFile(path);
  const size = before.length;
  await assert.rejects(
    prepareOutput(path, { resume: false, overwrite: false }),
    usageError(
      new RegExp(`${path} already has ${size} bytes; use --resume to continue it or --overwrite to start again`),
    ),
  );
  assert.deepEqual(await readFile(path), before);
  assert.equal((await stat(join(dir, 'out.errors.jsonl'))).size, 18);
});

test('--overwrite empties the output and the errors file', async () => {
  const dir = await freshDir();
  const path = join(dir, 'out.jsonl');
  writeOutput(path, [record('a')]);
  await writeFile(join(dir, 'out.errors.jsonl'), '{"artist_id":"x"}\n');
  const prepared = await prepareOutput(path, { resume: false, overwrite: true });
  assert.equal(prepared.mode, 'overwrite');
  assert.equal((await stat(path)).size, 0);
  assert.equal((await stat(join(dir, 'out.errors.jsonl'))).size, 0);
});

test('--resume and --overwrite together are a usage error', async () => {
  const path = join(await freshDir(), 'out.jsonl');
  await assert.rejects(prepareOutput(path, { resume: true, overwrite: true }), usageError(/cannot be used together/));
});

test("a missing parent directory is created, as the test plan's --output output/… expects", async () => {
  const dir = await freshDir();
  const missing = join(dir, 'nope', 'deeper', 'out.jsonl');
  const prepared = await prepareOutput(missing, { resume: false, overwrite: false });
  assert.equal(prepared.mode, 'new');
  assert.ok((await stat(join(dir, 'nope', 'deeper'))).isDirectory());
});

test('a non-directory parent, or a directory as output, is a usage error naming the path', async () => {
  const dir = await freshDir();
  await writeFile(join(dir, 'plain'), 'x');
  const underFile = join(dir, 'plain', 'out.jsonl');
  await assert.rejects(prepareOutput(underFile, { resume: false, overwrite: false }), usageError(/is not a directory/));
  await mkdir(join(dir, 'out.jsonl'));
  await assert.rejects(
    prepareOutput(join(dir, 'out.jsonl'), { resume: true, overwrite: false }),
    usageError(/out\.jsonl: it is a directory/),
  );
});

test('resume indexes successful ids, ignores error and invalid lines (a success without its bio is invalid), and lists db re-syncs', async () => {
  const dir = await freshDir();
  const path = join(dir, 'out.jsonl');
  writeOutput(path, [record('a'), record('b', 'pending'), record('c', 'inserted')]);
  const legacy = [
    '{"artist_id": "d", "artist_name": "D", "response_text": "", "db_status": "null", "error": "API call failed"}',
    'not json at all',
    '{"artist_name":"no id"}',
    '',
    '{"artist_id": "e", "artist_name": "E", "error": null, "db_status": "error"}',
    '[1,2]',
  ].join('\n');
  await writeFile(path, `${await readFile(path, 'utf8')}${legacy}\n`, 'utf8');
  writeOutput(path, [record('a'), record('f', 'error')]);
  await writeFile(join(dir, 'out.errors.jsonl'), '{"artist_id":"x"}\n');

  const prepared = await prepareOutput(path, { resume: true, overwrite: false });
  assert.equal(prepared.mode, 'resume');
  // "e" claims success but has no response_text: it is done again rather than skipped for good.
  assert.deepEqual([...prepared.doneIds].sort(), ['a', 'b', 'c', 'f']);
  assert.deepEqual(prepared.dbResync, { count: 2, ids: ['b', 'f'], lines: [2, 11] });
  assert.equal(prepared.linesRead, 10);
  assert.equal(prepared.failedLines, 1);
  assert.equal(prepared.invalidLines, 4);
  assert.deepEqual(prepared.invalidLineNumbers, [5, 6, 8, 9]);
  assert.equal(prepared.duplicateLines, 1);
  assert.deepEqual(prepared.duplicateLineNumbers, [10]);
  assert.equal(prepared.repairedBytes, 0);
  // The errors file holds the failures of the latest run only.
  assert.equal((await stat(join(dir, 'out.errors.jsonl'))).size, 0);
});

test('resume on a missing output starts from nothing', async () => {
  const path = join(await freshDir(), 'out.jsonl');
  const prepared = await prepareOutput(path, { resume: true, overwrite: false });
  assert.equal(prepared.doneIds.size, 0);
  assert.equal(prepared.linesRead, 0);
});

test('resume cuts a torn half line left without its newline', async () => {
  const path = join(await freshDir(), 'out.jsonl');
  writeOutput(path, [record('a'), record('b')]);
  const good = await readFile(path);
  const torn = '{"artist_id":"c","artist_name":"Name c","request":{"mo';
  await writeFile(path, Buffer.concat([good, Buffer.from(torn)]));
  const prepared = await prepareOutput(path, { resume: true, overwrite: false });
  assert.equal(prepared.repairedBytes, Buffer.byteLength(torn));
  assert.equal(prepared.repairedPreview, torn);
  assert.deepEqual(await readFile(path), good);
  assert.deepEqual([...prepared.doneIds], ['a', 'b']);
});

test('resume cuts a garbage last line even when it ends with a newline', async () => {
  const path = join(await freshDir(), 'out.jsonl');
  writeOutput(path, [record('a')]);
  const good = await readFile(path);
  await writeFile(path, Buffer.concat([good, Buffer.alloc(40), Buffer.from('\n')]));
  const prepared = await prepareOutput(path, { resume: true, overwrite: false });
  assert.equal(prepared.repairedBytes, 41);
  assert.deepEqual(await readFile(path), good);
  assert.equal(prepared.invalidLines, 0);
});

test('resume keeps a complete last record that only lacks its newline, and adds it', async () => {
  const path = join(await freshDir(), 'out.jsonl');
  writeOutput(path, [record('a'), record('b')]);
  const good = await readFile(path);
  await writeFile(path, good.subarray(0, good.length - 1));
  const prepared = await prepareOutput(path, { resume: true, overwrite: false });
  assert.equal(prepared.repairedBytes, 0);
  assert.equal(prepared.addedNewline, true);
  assert.deepEqual(await readFile(path), good);
  assert.deepEqual([...prepared.doneIds], ['a', 'b']);
});

test('appending after a repair yields only whole, valid lines', async () => {
  const path = join(await freshDir(), 'out.jsonl');
  writeOutput(path, [record('a')]);
  await writeFile(path, `${await readFile(path, 'utf8')}{"artist_id":"b","artist_na`);
  await prepareOutput(path, { resume: true, overwrite: false });
  writeOutput(path, [record('b')]);
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  assert.deepEqual(
    lines.map((line) => (JSON.parse(line) as OutputRecord).artist_id),
    ['a', 'b'],
  );
});

test('a file whose only line is torn is emptied, and its id is not done', async () => {
  const path = join(await freshDir(), 'out.jsonl');
  await writeFile(path, '{"artist_id":"a","art');
  const prepared = await prepareOutput(path, { resume: true, overwrite: false });
  assert.equal(prepared.repairedBytes, 21);
  assert.equal((await stat(path)).size, 0);
  assert.equal(prepared.doneIds.size, 0);
});

test('ids with escapes and non-ASCII text are indexed exactly', async () => {
  const path = join(await freshDir(), 'out.jsonl');
  const ids = ['Björk', 'quote"id', 'back\\slash', 'tab\tid', '音楽'];
  writeOutput(
    path,
    ids.map((id) => record(id)),
  );
  const prepared = await prepareOutput(path, { resume: true, overwrite: false });
  assert.deepEqual([...prepared.doneIds], ids);
});
