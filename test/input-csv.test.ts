import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readArtists, scanInput, type ReadArtistsOptions, type ReadItem } from '../src/input/index.js';

let dir: string;
let counter = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'input-csv-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csv(content: string | Buffer): Promise<string> {
  const path = join(dir, `f${++counter}.csv`);
  await writeFile(path, content);
  return path;
}

async function read(content: string | Buffer, options?: ReadArtistsOptions): Promise<ReadItem[]> {
  const items: ReadItem[] = [];
  for await (const item of readArtists(await csv(content), options)) items.push(item);
  return items;
}

/** Compact view: `A line id|name|data`, `S line reason`, `E line reason`, `D line id`. */
async function summary(content: string | Buffer, options?: ReadArtistsOptions): Promise<string[]> {
  return (await read(content, options)).map((item) => {
    switch (item.type) {
      case 'artist':
        return `A ${item.artist.line} ${item.artist.id}|${item.artist.name}|${item.artist.data ?? '-'}`;
      case 'already-done':
        return `D ${item.line} ${item.artist.id}`;
      case 'skip':
        return `S ${item.line} ${item.reason}`;
      case 'error':
        return `E ${item.line} ${item.reason}`;
    }
  });
}

describe('columns', () => {
  test('positional rows without a header are artist_id,artist_name,artist_data', async () => {
    assert.deepEqual(await summary('u1,Alpha,rock\nu2,Beta\n'), ['A 1 u1|Alpha|rock', 'A 2 u2|Beta|-']);
  });

  test("the seed's sample works: header artist_id,name,data with numeric ids", async () => {
    const content =
      'artist_id,name,data\n' +
      '1001,"The Rolling Stones","British rock band formed in London in 1962..."\n' +
      '1002,"Beyoncé","American singer, songwriter, and actress..."\n';
    assert.deepEqual(await summary(content), [
      'S 1 header',
      'A 2 1001|The Rolling Stones|British rock band formed in London in 1962...',
      'A 3 1002|Beyoncé|American singer, songwriter, and actress...',
    ]);
  });

  test('header names are case-insensitive and trimmed (ID,Name)', async () => {
    assert.deepEqual(await summary(' ID , Name \nu1,Alpha\n'), ['S 1 header', 'A 2 u1|Alpha|-']);
  });

  test('columns may be reordered, extra columns ignored', async () => {
    const content = 'genre,artist_data,artist_name,uuid\npop,bio text,Alpha,u1\n';
    assert.deepEqual(await summary(content), ['S 1 header', 'A 2 u1|Alpha|bio text']);
  });

  test('artist_id wins over id when both columns exist', async () => {
    assert.deepEqual(await summary('id,artist_id,name\n7,u1,Alpha\n'), ['S 1 header', 'A 2 u1|Alpha|-']);
  });

  test('a repeated header later in the file (concatenated exports) is skipped', async () => {
    const content = 'artist_id,artist_name\nu1,A\nartist_id,artist_name\nu2,B\n';
    assert.deepEqual(await summary(content), ['S 1 header', 'A 2 u1|A|-', 'S 3 header', 'A 4 u2|B|-']);
  });

  test('fields are trimmed and empty data is undefined', async () => {
    const items = await read('  u1  ,  Taylor Swift\t,   \n');
    assert.deepEqual(items, [{ type: 'artist', artist: { id: 'u1', name: 'Taylor Swift', data: undefined, line: 1 } }]);
  });

  test('non-ASCII text is preserved', async () => {
    assert.deepEqual(await summary('u1,Björk,Sigur Rós 🎵 café 音楽\n'), ['A 1 u1|Björk|Sigur Rós 🎵 café 音楽']);
  });
});

describe('comments and blank lines', () => {
  test('lines whose first field starts with # are comments, also quoted or indented', async () => {
    const content = '# plain\n"# quoted",x\n   # indented\nu1,#A\n';
    assert.deepEqual(await summary(content), ['S 1 comment', 'S 2 comment', 'S 3 comment', 'A 4 u1|#A|-']);
  });

  test('a quote inside a comment line does not swallow the following lines', async () => {
    assert.deepEqual(await summary('# a,"b\nu1,A\nu2,B\n'), ['S 1 comment', 'A 2 u1|A|-', 'A 3 u2|B|-']);
  });

  test('a # on a continuation line of a quoted field is data, not a comment', async () => {
    assert.deepEqual(await summary('u1,A,"first\n# second"\nu2,B\n'), ['A 1 u1|A|first\n# second', 'A 3 u2|B|-']);
  });

  test('blank and whitespace-only lines are skipped with their line numbers', async () => {
    assert.deepEqual(await summary('\nu1,A\n   \n\t\nu2,B\n\n'), [
      'S 1 blank',
      'A 2 u1|A|-',
      'S 3 blank',
      'S 4 blank',
      'A 5 u2|B|-',
      'S 6 blank',
    ]);
  });

  test('the header may follow comments and blank lines', async () => {
    assert.deepEqual(await summary('# export\n\nartist_id,artist_name\nu1,A\n'), [
      'S 1 comment',
      'S 2 blank',
      'S 3 header',
      'A 4 u1|A|-',
    ]);
  });
});

describe('encoding and line endings', () => {
  test('a UTF-8 BOM is ignored, so the header is still recognised', async () => {
    assert.deepEqual(await summary('\ufeffartist_id,artist_name\nu1,A\n'), ['S 1 header', 'A 2 u1|A|-']);
  });

  test('CRLF line endings parse like LF and leave no CR in values', async () => {
    assert.deepEqual(await summary('artist_id,artist_name,artist_data\r\nu1,A,d\r\nu2,B\r\n'), [
      'S 1 header',
      'A 2 u1|A|d',
      'A 3 u2|B|-',
    ]);
  });

  test('a file mixing LF, CRLF and CR endings keeps every row apart', async () => {
    assert.deepEqual(await summary('u1,A\r\nu2,B\nu3,C\ru4,D'), [
      'A 1 u1|A|-',
      'A 2 u2|B|-',
      'A 3 u3|C|-',
      'A 4 u4|D|-',
    ]);
  });
});

describe('quoting', () => {
  test('quoted fields keep commas, doubled quotes and embedded newlines; line numbers stay physical', async () => {
    const content =
      'u1,"Earth, Wind & Fire","He said ""hi"""\n' + 'u2,B,"line1\r\nline2\nline3"\n' + 'u3,C,"{""x"": ""y""}"\n';
    assert.deepEqual(await summary(content), [
      'A 1 u1|Earth, Wind & Fire|He said "hi"',
      'A 2 u2|B|line1\r\nline2\nline3',
      'A 5 u3|C|{"x": "y"}',
    ]);
  });

  test('a quoted field after blanks is still quoted', async () => {
    assert.deepEqual(await summary('u1, "x, y",z\n'), ['A 1 u1|x, y|z']);
  });

  test('a quote inside an unquoted field is literal', async () => {
    assert.deepEqual(await summary('u1,Guns "N" Roses\n'), ['A 1 u1|Guns "N" Roses|-']);
  });

  test('an unterminated quote is one bad row and reading resumes on the next line', async () => {
    assert.deepEqual(await summary('u1,A\nu2,"open\nu3,C\n# c\n'), [
      'A 1 u1|A|-',
      'E 2 unterminated quoted field',
      'A 3 u3|C|-',
      'S 4 comment',
    ]);
  });

  test('a 200 KB field is read whole', async () => {
    const big = 'x'.repeat(200 * 1024);
    const items = await read(`u1,A,"${big}"\nu2,B,${big}\n`);
    assert.equal(items.length, 2);
    for (const item of items) {
      assert.equal(item.type, 'artist');
      assert.equal(item.type === 'artist' ? item.artist.data : undefined, big);
    }
  });
});

describe('bad rows', () => {
  test('too few columns, missing id and missing name are errors with their lines', async () => {
    assert.deepEqual(await summary('u1\n,Name\nu3,\nu4,  \n,,\nu6,F\n'), [
      'E 1 too few columns (need artist_id,artist_name)',
      'E 2 missing artist id',
      'E 3 missing artist name',
      'E 4 missing artist name',
      'E 5 missing artist id',
      'A 6 u6|F|-',
    ]);
  });

  test('with a header, a row shorter than the name column is too short', async () => {
    assert.deepEqual(await summary('artist_data,artist_id,artist_name\nbio,u1\n'), [
      'S 1 header',
      'E 2 too few columns (need artist_id,artist_name)',
    ]);
  });

  test('the first occurrence of an id wins; later ones are duplicates naming the first line', async () => {
    assert.deepEqual(await summary('artist_id,name\n1001,A\n1002,B\n1001,C\n'), [
      'S 1 header',
      'A 2 1001|A|-',
      'A 3 1002|B|-',
      "E 4 duplicate artist_id '1001' (first seen on line 2)",
    ]);
  });

  test('UUID ids are compared exactly: case differs means a different id', async () => {
    const lower = '550e8400-e29b-41d4-a716-446655440000';
    const items = await summary(`${lower},A\n${lower.toUpperCase()},B\n${lower},C\n`);
    assert.deepEqual(items, [
      `A 1 ${lower}|A|-`,
      `A 2 ${lower.toUpperCase()}|B|-`,
      `E 3 duplicate artist_id '${lower}' (first seen on line 1)`,
    ]);
  });

  test('duplicate detection holds across many UUID ids (the compact index grows correctly)', async () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);
    const content = [...ids, ...ids.slice(0, 3)].map((id, i) => `${id},N${i}`).join('\n');
    const scan = await scanInput(await csv(content));
    assert.deepEqual(scan, { valid: 5000, skipped: 0, errors: 3, duplicates: 3, alreadyDone: 0 });
  });
});

describe('degenerate files', () => {
  test('an empty file yields nothing', async () => {
    assert.deepEqual(await summary(''), []);
  });

  test('a header-only file yields only the header skip', async () => {
    assert.deepEqual(await summary('artist_id,artist_name,artist_data\n'), ['S 1 header']);
  });

  test('a last row without a trailing newline is read', async () => {
    assert.deepEqual(await summary('u1,A\nu2,B'), ['A 1 u1|A|-', 'A 2 u2|B|-']);
  });
});

describe('resume and counts', () => {
  test('skipIds rows come out as already-done, and a repeat of such an id is still a duplicate', async () => {
    const items = await summary('u1,A\nu2,B\nu1,C\nu3,D\n', { skipIds: new Set(['u1', 'u3']) });
    assert.deepEqual(items, ['D 1 u1', 'A 2 u2|B|-', "E 3 duplicate artist_id 'u1' (first seen on line 1)", 'D 4 u3']);
  });

  test('scanInput counts every class of row', async () => {
    const path = await csv('artist_id,name\n# c\n\nu1,A\nu2,B\nu1,dup\n,noid\nu3,C\n');
    assert.deepEqual(await scanInput(path, { skipIds: new Set(['u3']) }), {
      valid: 2,
      skipped: 3,
      errors: 2,
      duplicates: 1,
      alreadyDone: 1,
    });
  });

  test('abandoning the reader early closes the file', { skip: !existsSync('/proc/self/fd') }, async () => {
    const path = await csv('u1,A\nu2,B\nu3,C\n');
    const before = readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 20; i++) {
      for await (const item of readArtists(path)) {
        assert.equal(item.type, 'artist');
        break;
      }
    }
    assert.ok(readdirSync('/proc/self/fd').length < before + 5, 'file descriptors leaked');
  });
});
