import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse, type Options } from 'csv-parse/sync';
import { CsvTokenizer, type CsvToken } from '../src/input/csv-tokenizer.js';

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tokenize(data: Buffer, chunkSizes?: () => number, maxRecordBytes = 1 << 20): CsvToken[] {
  const tokenizer = new CsvTokenizer(maxRecordBytes);
  const tokens: CsvToken[] = [];
  if (chunkSizes === undefined) tokens.push(...tokenizer.push(data));
  else {
    for (let at = 0; at < data.length;) {
      const size = chunkSizes();
      tokens.push(...tokenizer.push(data.subarray(at, at + size)));
      at += size;
    }
  }
  tokens.push(...tokenizer.end());
  return tokens;
}

const PIECES = ['a', 'Zé', '音', '🎵', ',', '"', '""', '\n', '\r\n', ' ', '#', 'x y', '\ufffd'];

function randomField(random: () => number): string {
  let field = '';
  const length = Math.floor(random() * 6);
  for (let i = 0; i < length; i++) field += PIECES[Math.floor(random() * PIECES.length)] ?? '';
  return field;
}

function encodeField(field: string): string {
  // Quote whenever RFC 4180 needs it, and for leading blanks or # (where this reader differs on purpose).
  return /[",\r\n]|^[ \t#]/.test(field) || field === '' ? `"${field.replaceAll('"', '""')}"` : field;
}

test('random RFC 4180 documents tokenize exactly like csv-parse, with physical line numbers', () => {
  const random = mulberry32(42);
  for (let doc = 0; doc < 200; doc++) {
    const records: string[][] = [];
    const expectedLines: number[] = [];
    let text = '';
    let line = 1;
    const count = 1 + Math.floor(random() * 12);
    for (let r = 0; r < count; r++) {
      const fields = Array.from({ length: 1 + Math.floor(random() * 4) }, () => randomField(random));
      const encoded = fields.map(encodeField).join(',');
      const ending = random() < 0.5 ? '\n' : '\r\n';
      records.push(fields);
      expectedLines.push(line);
      text += encoded + (r === count - 1 && random() < 0.3 ? '' : ending);
      line += 1 + (encoded.match(/\r\n|\n/g)?.length ?? 0);
    }
    const options: Options = { relax_column_count: true, record_delimiter: ['\r\n', '\n'] };
    const reference = parse(text, options);
    assert.deepEqual(reference, records, `csv-parse disagrees with the generator on ${JSON.stringify(text)}`);
    const tokens = tokenize(Buffer.from(text));
    assert.deepEqual(
      tokens.map((token) => (token.kind === 'row' ? token.fields : token.kind)),
      records,
      `document ${JSON.stringify(text)}`,
    );
    assert.deepEqual(
      tokens.map((token) => token.line),
      expectedLines,
    );
  }
});

test('the result does not depend on where the chunks are cut', () => {
  const text =
    '\ufeffartist_id,name\r\n# a,"b\r\nu1,"x\r\ny, ""z""",🎵\r\n\r\n  # c\nu2,Zé\ru5,"x"tail,"\r"\nu3,"open\nu4,D\r\n';
  const data = Buffer.from(text);
  const whole = tokenize(data);
  const random = mulberry32(7);
  for (let round = 0; round < 50; round++) {
    assert.deepEqual(
      tokenize(data, () => 1 + Math.floor(random() * 5)),
      whole,
    );
  }
  assert.deepEqual(whole, [
    { kind: 'row', line: 1, fields: ['artist_id', 'name'] },
    { kind: 'comment', line: 2 },
    { kind: 'row', line: 3, fields: ['u1', 'x\r\ny, "z"', '🎵'] },
    { kind: 'row', line: 5, fields: [''] },
    { kind: 'comment', line: 6 },
    { kind: 'row', line: 7, fields: ['u2', 'Zé'] },
    { kind: 'row', line: 8, fields: ['u5', 'xtail', '\r'] },
    { kind: 'bad', line: 10, problem: 'unterminated_quote' },
    { kind: 'row', line: 11, fields: ['u4', 'D'] },
  ]);
});

test('an unterminated quote at the end of a file is a bad token, then the next lines are read', () => {
  const tokens = tokenize(Buffer.from('u1,A\nu2,"open\nu3,C\n'));
  assert.deepEqual(tokens, [
    { kind: 'row', line: 1, fields: ['u1', 'A'] },
    { kind: 'bad', line: 2, problem: 'unterminated_quote' },
    { kind: 'row', line: 3, fields: ['u3', 'C'] },
  ]);
});

test('a record over the size limit is reported once and reading resumes after its first line', () => {
  const data = Buffer.from(`u1,A\nu2,"${'x'.repeat(300)}\nu3,C\n${'y'.repeat(400)}\nu4,D\n`);
  for (const chunk of [undefined, () => 16]) {
    assert.deepEqual(tokenize(data, chunk, 100), [
      { kind: 'row', line: 1, fields: ['u1', 'A'] },
      { kind: 'bad', line: 2, problem: 'too_large' },
      { kind: 'row', line: 3, fields: ['u3', 'C'] },
      { kind: 'bad', line: 4, problem: 'too_large' },
      { kind: 'row', line: 5, fields: ['u4', 'D'] },
    ]);
  }
});
