import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { artistsToDo, scanRunInput } from '../src/cli/input-scan.js';
import { RunEmitter } from '../src/core/events.js';
import type { Artist } from '../src/core/types.js';
import { currentIdentity } from '../src/input/csv-rows.js';
import {
  planInput,
  readArtists,
  readPlannedArtists,
  type ReadArtistsOptions,
  type RowErrorItem,
  type ToDoPlan,
} from '../src/input/index.js';

let dir: string;
let counter = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'input-plan-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csv(content: string | Buffer): Promise<string> {
  const path = join(dir, `f${++counter}.csv`);
  await writeFile(path, content);
  return path;
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}

/** What a full second pass would give: the `artist` items of {@link readArtists}. */
async function fullPass(path: string, options: ReadArtistsOptions = {}): Promise<Artist[]> {
  const artists: Artist[] = [];
  for await (const item of readArtists(path, options)) if (item.type === 'artist') artists.push(item.artist);
  return artists;
}

/** Byte offset where physical line `line` (1-based, LF-separated) starts in `content`. */
function offsetOfLine(content: string | Buffer, line: number): number {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  let at = 0;
  for (let l = 1; l < line; l++) at = bytes.indexOf(0x0a, at) + 1;
  return at;
}

describe('the plan', () => {
  test('starts at the first row to do and lists runs of rows to do, not done, bad or duplicate ones', async () => {
    const content =
      'artist_id,artist_name\n' + // 1 header
      'd1,Done one\n' + // 2 already done
      'd2,Done two\n' + // 3 already done
      'n1,New one\n' + // 4 first to do
      'n2,New two\n' + // 5
      '# a comment\n' + // 6
      'n3,New three\n' + // 7
      'd3,Done three\n' + // 8
      'n1,Dup of line 4\n' + // 9 duplicate
      ',no id\n' + // 10 bad
      'n4,New four\n'; // 11
    const path = await csv(content);
    const errors: RowErrorItem[] = [];
    const { counts, plan, preview } = await planInput(path, {
      skipIds: new Set(['d1', 'd2', 'd3']),
      previewSize: 2,
      onRowError: (error) => errors.push(error),
    });
    assert.deepEqual(counts, { valid: 4, skipped: 2, errors: 2, duplicates: 1, alreadyDone: 3 });
    assert.deepEqual(plan.start, { offset: offsetOfLine(content, 4), line: 4 });
    assert.deepEqual([...plan.runs], [4, 5, 7, 7, 11, 11]);
    assert.deepEqual(plan.columns, { id: 0, name: 1, data: undefined });
    assert.deepEqual(
      preview.map((a) => a.id),
      ['n1', 'n2'],
    );
    assert.deepEqual(
      errors.map((e) => `${e.line} ${e.kind}`),
      ['9 duplicate_id', '10 missing_id'],
    );
    assert.match(errors[0]?.reason ?? '', /duplicate artist_id 'n1' \(first seen on line 4\)/);
  });

  test('a clean file is a single run, so a plan of a million rows stays a few bytes', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `u${i},Name ${i}`).join('\n');
    const { plan } = await planInput(await csv(`artist_id,artist_name\n${rows}\n`));
    assert.deepEqual([...plan.runs], [2, 2001]);
  });

  test('a file with nothing to do has no start and the work pass yields nothing', async () => {
    const path = await csv('u1,A\nu2,B\n');
    const { counts, plan } = await planInput(path, { skipIds: new Set(['u1', 'u2']) });
    assert.equal(counts.valid, 0);
    assert.equal(plan.start, undefined);
    assert.deepEqual(await collect(readPlannedArtists(plan)), []);
  });
});

describe('the work pass', () => {
  test('yields exactly the rows a full pass would, with the same lines, and reports nothing again', async () => {
    const content =
      'u1,A\nu2,B\nu3,C\n' + // 1-3 done
      'u4,D,"x, ""y"""\n' + // 4 first to do
      'u2,Dup\n' + // 5 duplicate of a done id
      'u6,F\n' + // 6
      'u7,\n' + // 7 missing name
      '\n' + // 8 blank
      'u3,Dup of done\n' + // 9 duplicate
      'u8,H\n' + // 10
      'u5,"open\n' + // 11 unterminated quote: reading resumes on the next line
      'u9,I\n'; // 12
    const path = await csv(content);
    const skipIds = new Set(['u1', 'u2', 'u3']);
    const { plan } = await planInput(path, { skipIds });
    const planned = await collect(readPlannedArtists(plan, { skipIds }));
    assert.deepEqual(planned, await fullPass(path, { skipIds }));
    assert.deepEqual(
      planned.map((a) => `${a.line} ${a.id}`),
      ['4 u4', '6 u6', '10 u8', '12 u9'],
    );
    assert.equal(planned[0]?.data, 'x, "y"');
  });

  test('does not read the file before the first row to do', async () => {
    const done = 'd1,Done one\nd2,Done two\n';
    const todo = 'n1,New one\nn2,New two\n';
    const path = await csv(done + todo);
    const { plan } = await planInput(path, { skipIds: new Set(['d1', 'd2']) });
    // Same size, but what comes before the start offset is now bytes no reader would accept.
    await writeFile(path, Buffer.concat([Buffer.alloc(Buffer.byteLength(done), 0xff), Buffer.from(todo)]));
    const identity = await currentIdentity(path);
    assert.ok(identity);
    const stillPlanned: ToDoPlan = { ...plan, file: identity };
    assert.deepEqual(
      (await collect(readPlannedArtists(stillPlanned))).map((a) => a.id),
      ['n1', 'n2'],
    );
  });

  test('stops reading after the last row to do', async () => {
    const path = await csv('n1,A\nd1,B\n');
    const { plan } = await planInput(path, { skipIds: new Set(['d1']) });
    // Rows appended after the plan was made sit past its last run (the identity is refreshed
    // here to isolate that behaviour; a real change falls back, as tested below).
    appendFileSync(path, 'n2,C\n');
    const identity = await currentIdentity(path);
    assert.ok(identity);
    assert.deepEqual(
      (await collect(readPlannedArtists({ ...plan, file: identity }))).map((a) => a.id),
      ['n1'],
    );
  });

  test('CRLF endings and quoted multi-line rows before, at and after the start offset', async () => {
    const content =
      '\ufeffartist_id,artist_name,artist_data\r\n' + // 1 header after a BOM
      'd1,"Done\r\none","a\r\nb"\r\n' + // 2-4 done
      'd2,Done two,"x\r\n\r\ny"\r\n' + // 5-7 done
      '  n1,"New\r\none","He said ""hi""\r\nand left"\r\n' + // 8-10 first to do, leading blanks
      'd3,Done three\r\n' + // 11
      'n2,"Two\r\n",\r\n' + // 12-13
      'n3,Three\r'; // 14, lone CR at the end
    const path = await csv(content);
    const skipIds = new Set(['d1', 'd2', 'd3']);
    const { plan } = await planInput(path, { skipIds });
    assert.equal(plan.start?.line, 8);
    assert.equal(plan.start.offset, Buffer.from(content).indexOf('  n1,'));
    const planned = await collect(readPlannedArtists(plan, { skipIds }));
    assert.deepEqual(planned, await fullPass(path, { skipIds }));
    assert.deepEqual(planned, [
      { id: 'n1', name: 'New\r\none', data: 'He said "hi"\r\nand left', line: 8 },
      { id: 'n2', name: 'Two', data: undefined, line: 12 },
      { id: 'n3', name: 'Three', data: undefined, line: 14 },
    ]);
  });

  test('a first row to do right after a BOM, without a header, starts past the BOM', async () => {
    const content = '\ufeffn1,A\nn2,B\n';
    const path = await csv(content);
    const { plan } = await planInput(path);
    assert.deepEqual(plan.start, { offset: 3, line: 1 });
    assert.deepEqual(
      (await collect(readPlannedArtists(plan))).map((a) => `${a.line} ${a.id}|${a.name}`),
      ['1 n1|A', '2 n2|B'],
    );
  });

  test('carries the header mapping over: reordered columns, extra ones, a repeated header', async () => {
    const content =
      'genre,artist_data,Artist_Name,UUID\n' +
      'pop,bio 1,Done,d1\n' +
      'rock,bio 2,New,n1\n' +
      'genre,artist_data,artist_name,uuid\n' + // repeated header, skipped
      'jazz,,Other,n2\n';
    const path = await csv(content);
    const skipIds = new Set(['d1']);
    const { plan } = await planInput(path, { skipIds });
    assert.deepEqual(plan.columns, { id: 3, name: 2, data: 1 });
    assert.deepEqual(await collect(readPlannedArtists(plan, { skipIds })), [
      { id: 'n1', name: 'New', data: 'bio 2', line: 3 },
      { id: 'n2', name: 'Other', data: undefined, line: 5 },
    ]);
  });

  test('thousands of rows across many read chunks come out as a full pass gives them', async () => {
    const big = 'x'.repeat(300);
    const lines = Array.from({ length: 3000 }, (_, i) =>
      i % 7 === 0 ? `u${i},"Name\n${i}","${big}"` : `u${i},Name ${i},${big}`,
    );
    const path = await csv(`${lines.join('\r\n')}\r\n`);
    const skipIds = new Set(Array.from({ length: 2000 }, (_, i) => `u${i}`).filter((_, i) => i % 13 !== 0));
    const { plan, counts } = await planInput(path, { skipIds });
    const planned = await collect(readPlannedArtists(plan, { skipIds }));
    assert.equal(planned.length, counts.valid);
    assert.deepEqual(planned, await fullPass(path, { skipIds }));
  });
});

describe('a file changed between the passes', () => {
  test('a different size: falls back to a full checked pass, and says why', async () => {
    const path = await csv('d1,A\nn1,B\n');
    const skipIds = new Set(['d1']);
    const { plan } = await planInput(path, { skipIds });
    await writeFile(path, 'n0,Inserted\nd1,A\nn1,B\nn1,Dup\n');
    const reasons: string[] = [];
    const artists = await collect(readPlannedArtists(plan, { skipIds, onFallback: (r) => reasons.push(r) }));
    assert.deepEqual(
      artists.map((a) => `${a.line} ${a.id}`),
      ['1 n0', '3 n1'],
    );
    assert.equal(reasons.length, 1);
    assert.match(reasons[0] ?? '', /changed since it was scanned/);
  });

  test('the same size with the modification time put back: still detected', async () => {
    const path = await csv('d1,A\nn1,B\n');
    // Whole seconds, so that the time can be put back exactly.
    const mtime = 1_700_000_000;
    await utimes(path, mtime, mtime);
    // File times tick coarsely; let the clock move on so the rewrite gets a new change time.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const { plan } = await planInput(path, { skipIds: new Set(['d1']) });
    await writeFile(path, 'n1,A\nd1,B\n');
    await utimes(path, mtime, mtime);
    const after = await stat(path);
    assert.deepEqual([after.size, after.mtimeMs], [plan.file?.size, plan.file?.mtimeMs]);
    let fellBack = false;
    const artists = await collect(
      readPlannedArtists(plan, { skipIds: new Set(['d1']), onFallback: () => (fellBack = true) }),
    );
    assert.ok(fellBack);
    assert.deepEqual(
      artists.map((a) => `${a.line} ${a.id}`),
      ['1 n1'],
    );
  });

  test('a file written to while it was scanned is never planned', async () => {
    const path = await csv('u1,A\n,bad\nu2,B\n');
    let appended = false;
    const { plan } = await planInput(path, {
      onRowError: () => {
        if (!appended) appendFileSync(path, 'u3,C\n');
        appended = true;
      },
    });
    assert.equal(plan.file, undefined);
    const reasons: string[] = [];
    const artists = await collect(readPlannedArtists(plan, { onFallback: (r) => reasons.push(r) }));
    assert.deepEqual(
      artists.map((a) => a.id),
      ['u1', 'u2', 'u3'],
    );
    assert.match(reasons[0] ?? '', /changed while it was being scanned/);
  });
});

describe('the CLI passes', () => {
  test('bad rows are reported once, by the scan; the work pass only yields artists', async () => {
    const path = await csv('artist_id,name\nd1,A\nn1,B\nn1,Dup\n,x\nn2,C\n');
    const events = new RunEmitter();
    const reported: number[] = [];
    events.on('input:row-error', (e) => reported.push(e.line));
    const scan = await scanRunInput(path, new Set(['d1']), events);
    assert.deepEqual(reported, [4, 5]);
    assert.equal(scan.valid, 2);
    const artists = await collect(artistsToDo(scan.plan, new Set(['d1']), events));
    assert.deepEqual(
      artists.map((a) => a.id),
      ['n1', 'n2'],
    );
    assert.deepEqual(reported, [4, 5]);
  });

  test('a file changed since the scan is read again with a warning', async () => {
    const path = await csv('d1,A\nn1,B\n');
    const events = new RunEmitter();
    const warnings: string[] = [];
    events.on('log', (e) => {
      if (e.level === 'warn') warnings.push(e.message);
    });
    const scan = await scanRunInput(path, new Set(['d1']), events);
    appendFileSync(path, 'n2,C\n');
    const artists = await collect(artistsToDo(scan.plan, new Set(['d1']), events));
    assert.deepEqual(
      artists.map((a) => a.id),
      ['n1', 'n2'],
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /changed since it was scanned: reading it again in full/);
  });
});
