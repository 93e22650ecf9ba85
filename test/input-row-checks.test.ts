import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { detectHeader, isRepeatedHeader, POSITIONAL_COLUMNS, type ColumnMap } from '../src/input/columns.js';
import { CsvTokenizer, type CsvToken } from '../src/input/csv-tokenizer.js';
import { DONE, FirstSeenIndex, NEW } from '../src/input/id-index.js';
import { MAX_RECORD_BYTES, readArtists, type ReadItem } from '../src/input/index.js';

let dir: string;
let counter = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'input-row-checks-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csv(content: string): Promise<string> {
  const path = join(dir, `f${++counter}.csv`);
  await writeFile(path, content);
  return path;
}

async function readAll(path: string, skipIds?: ReadonlySet<string>): Promise<ReadItem[]> {
  const items: ReadItem[] = [];
  for await (const item of readArtists(path, skipIds ? { skipIds } : {})) items.push(item);
  return items;
}

async function read(content: string, skipIds?: ReadonlySet<string>): Promise<ReadItem[]> {
  return readAll(await csv(content), skipIds);
}

/**
 * The classification rules written the plain way, on decoded strings (as the reader did before it
 * judged rows from their bytes): the reader must agree with it on every document.
 */
function reference(tokens: CsvToken[], skipIds: ReadonlySet<string>, path: string): ReadItem[] {
  let columns: ColumnMap | undefined;
  const firstSeen = new Map<string, number>();
  const tooLarge = `row larger than ${MAX_RECORD_BYTES / 1024 / 1024} MiB (a quote left open?)`;
  return tokens.map((token): ReadItem => {
    const { line } = token;
    if (token.kind === 'comment') return { type: 'skip', line, reason: 'comment' };
    if (token.kind === 'bad') {
      return token.problem === 'unterminated_quote'
        ? { type: 'error', line, kind: 'unterminated_quote', reason: 'unterminated quoted field' }
        : { type: 'error', line, kind: 'too_large', reason: tooLarge };
    }
    const { fields } = token;
    if (fields.length === 1 && (fields[0] ?? '').trim() === '') return { type: 'skip', line, reason: 'blank' };
    if ((fields[0] ?? '').trim().startsWith('#')) return { type: 'skip', line, reason: 'comment' };
    if (columns === undefined) {
      const header = detectHeader(fields, path, line);
      columns = header ?? POSITIONAL_COLUMNS;
      if (header !== undefined) return { type: 'skip', line, reason: 'header' };
    } else if (isRepeatedHeader(fields[columns.id], fields[columns.name])) {
      return { type: 'skip', line, reason: 'header' };
    }
    const rawId = fields[columns.id];
    const rawName = fields[columns.name];
    if (rawId === undefined || rawName === undefined) {
      return { type: 'error', line, kind: 'too_few_columns', reason: 'too few columns (need artist_id,artist_name)' };
    }
    const id = rawId.trim();
    if (id === '') return { type: 'error', line, kind: 'missing_id', reason: 'missing artist id' };
    const name = rawName.trim();
    if (name === '') return { type: 'error', line, kind: 'missing_name', reason: 'missing artist name' };
    const first = firstSeen.get(id);
    if (first !== undefined) {
      const reason = `duplicate artist_id '${id}' (first seen on line ${first})`;
      return { type: 'error', line, kind: 'duplicate_id', reason };
    }
    firstSeen.set(id, line);
    const rawData = columns.data === undefined ? undefined : fields[columns.data]?.trim();
    const artist = { id, name, data: rawData === '' ? undefined : rawData, line };
    return skipIds.has(id) ? { type: 'already-done', line, artist } : { type: 'artist', artist };
  });
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UUID = '550e8400-e29b-41d4-a716-446655440000';
// Unicode whitespace that trim() removes (NBSP, ideographic space, BOM, line separator), one
// character it keeps (NEL), column names, a UUID in both cases, quotes and comment marks.
const PIECES = [
  'u1',
  'u2',
  'é',
  'a',
  '-',
  '7',
  ' ',
  '\t',
  '\u00a0',
  '\u3000',
  '\ufeff',
  '\u2028',
  '\u0085',
  '#',
  '"',
  'id',
  'ID',
  'artist_id',
  'name',
  'Name',
  'data',
  UUID,
  UUID.toUpperCase(),
];

function randomField(random: () => number): string {
  let field = '';
  const length = Math.floor(random() * 4);
  for (let i = 0; i < length; i++) field += PIECES[Math.floor(random() * PIECES.length)] ?? '';
  return field;
}

function encode(field: string, random: () => number): string {
  const quote = /[",\r\n]|^[ \t#]/.test(field) || random() < 0.2;
  return quote ? `"${field.replaceAll('"', '""')}"` : field;
}

function tokenize(content: string): CsvToken[] {
  const tokenizer = new CsvTokenizer(MAX_RECORD_BYTES);
  return [...tokenizer.push(Buffer.from(content)), ...tokenizer.end()];
}

describe('rows judged from their bytes', () => {
  test('random documents classify exactly as the string rules say (trims, headers, comments, ids)', async () => {
    const random = mulberry32(2024);
    for (let doc = 0; doc < 300; doc++) {
      const rows: string[] = [];
      for (let r = 0; r < 1 + Math.floor(random() * 10); r++) {
        const fields = Array.from({ length: 1 + Math.floor(random() * 4) }, () => randomField(random));
        rows.push(fields.map((f) => encode(f, random)).join(','));
      }
      if (random() < 0.3) rows.unshift(random() < 0.5 ? 'artist_id,name,data' : ' Name , ID ');
      const content = rows.join(random() < 0.5 ? '\n' : '\r\n');
      const skipIds = new Set(['u1', 'é', UUID, ' u2', 'a'].filter(() => random() < 0.5));
      const path = await csv(content);
      const label = JSON.stringify(content);
      let expected: ReadItem[];
      try {
        expected = reference(tokenize(content), skipIds, path);
      } catch (error) {
        await assert.rejects(readAll(path, skipIds), { message: (error as Error).message }, label);
        continue;
      }
      assert.deepEqual(await readAll(path, skipIds), expected, label);
    }
  });

  test('ids are trimmed of Unicode whitespace before the duplicate check', async () => {
    const items = await read('\u00a0u1\u3000,A\nu1,B\n"u1\ufeff",C\n');
    assert.deepEqual(
      items.map((item) => (item.type === 'error' ? item.reason : item.type)),
      ['artist', "duplicate artist_id 'u1' (first seen on line 1)", "duplicate artist_id 'u1' (first seen on line 1)"],
    );
  });

  test('a quoted id with doubled quotes is the same id as its unquoted spelling', async () => {
    const items = await read('"a""b",A\na"b,B\n');
    assert.equal(items[1]?.type, 'error');
    assert.match(items[1]?.type === 'error' ? items[1].reason : '', /duplicate artist_id 'a"b'/);
  });

  test('a repeated header is recognised through spaces and case, and an id with digits is not one', async () => {
    const items = await read('artist_id,artist_name\nu1,A\n  Artist_ID ,\tNAME\u00a0\nid7,name\n');
    assert.deepEqual(
      items.map((item) => (item.type === 'skip' ? item.reason : item.type)),
      ['header', 'artist', 'header', 'artist'],
    );
  });
});

describe('the id index', () => {
  test('finds every duplicate with its first line across shard growth, with no false match', () => {
    const index = new FirstSeenIndex();
    const uuid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
    const ids = Array.from({ length: 60_000 }, (_, n) => (n % 2 === 0 ? uuid(n) : `id-${n}`));
    ids.forEach((id, n) => {
      const bytes = Buffer.from(id);
      assert.equal(index.firstOrAdd(bytes, 0, bytes.length, n + 1), NEW, id);
    });
    ids.forEach((id, n) => {
      // Inside a larger buffer, to check that offsets are honoured.
      const bytes = Buffer.from(`xx${id}yy`);
      assert.equal(index.firstOrAdd(bytes, 2, bytes.length - 2, 999_999), n + 1, id);
    });
    const other = Buffer.from(uuid(1).toUpperCase());
    assert.equal(index.firstOrAdd(other, 0, other.length, 5), NEW);
  });

  test('done ids answer DONE once, then the line of that first row', () => {
    const index = new FirstSeenIndex();
    index.markDone(new Set([UUID, 'u1', 'Zé', 'bad\ud800']));
    const check = (id: string, line: number): number => {
      const bytes = Buffer.from(id);
      return index.firstOrAdd(bytes, 0, bytes.length, line);
    };
    assert.equal(check(UUID, 3), DONE);
    assert.equal(check(UUID, 4), 3);
    assert.equal(check('Zé', 5), DONE);
    assert.equal(check('u1', 6), DONE);
    assert.equal(check('u1', 7), 6);
    // A lone surrogate has no UTF-8 form: the U+FFFD a row could hold is another id.
    assert.equal(check('bad\ufffd', 8), NEW);
  });

  test('many done ids load without a resize and all of them are found', () => {
    const done = new Set(Array.from({ length: 20_000 }, (_, n) => `d${n}`));
    const index = new FirstSeenIndex();
    index.markDone(done);
    let line = 0;
    for (const id of done) {
      const bytes = Buffer.from(id);
      assert.equal(index.firstOrAdd(bytes, 0, bytes.length, ++line), DONE, id);
    }
    const fresh = Buffer.from('d20000');
    assert.equal(index.firstOrAdd(fresh, 0, fresh.length, ++line), NEW);
  });
});
