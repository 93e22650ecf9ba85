import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DbStatus, ErrorRecord, OutputRecord } from '../src/core/types.js';
import { openErrorSink, openJsonlSink, OutputWriteError } from '../src/output/index.js';

let dir: string;
let counter = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'output-sinks-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function file(name = 'out.jsonl'): string {
  return join(dir, `${++counter}-${name}`);
}

function record(id: string, overrides: Partial<OutputRecord> = {}): OutputRecord {
  return {
    artist_id: id,
    artist_name: `Name ${id}`,
    artist_data: 'data, "quoted"\nline 2',
    request: {
      prompt_id: 'pmpt_1',
      version: '2',
      model: 'gpt-x',
      variables: { artist_name: `Name ${id}`, artist_data: 'data' },
    },
    response_text: 'Björk is an Icelandic singer. 音楽 🎵',
    response_id: `resp_${id}`,
    created: 1_700_000_000,
    model: 'gpt-x-2025',
    usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30 },
    attempts: 1,
    duration_ms: 1234,
    db_status: null,
    error: null,
    ...overrides,
  };
}

async function lines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  assert.ok(text.endsWith('\n'), 'file must end with a newline');
  return text.slice(0, -1).split('\n');
}

test('JsonlSink writes one whole line per record with keys in the documented order', async () => {
  const path = file();
  const sink = openJsonlSink(path);
  sink.append(record('a'));
  const { artist_data: _dropped, ...withoutData } = record('b');
  sink.append(withoutData);
  sink.close();
  const [first, second] = (await lines(path)).map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(Object.keys(first ?? {}), [
    'artist_id',
    'artist_name',
    'artist_data',
    'request',
    'response_text',
    'response_id',
    'created',
    'model',
    'usage',
    'attempts',
    'duration_ms',
    'db_status',
    'error',
  ]);
  assert.deepEqual(Object.keys(first?.request ?? {}), ['prompt_id', 'version', 'model', 'variables']);
  assert.deepEqual(Object.keys(first?.usage ?? {}), ['input_tokens', 'output_tokens', 'total_tokens']);
  assert.equal(first?.response_text, 'Björk is an Icelandic singer. 音楽 🎵');
  assert.equal(first?.artist_data, 'data, "quoted"\nline 2');
  assert.equal(first?.error, null);
  assert.equal(first?.db_status, null);
  assert.equal('artist_data' in (second ?? {}), false);
  assert.equal(sink.bytesWritten, (await stat(path)).size);
});

test('only the three usage counters are written, whatever else the usage object holds', async () => {
  const path = file();
  const sink = openJsonlSink(path);
  const usage = { input_tokens: 1, output_tokens: 2, total_tokens: 3, input_tokens_details: { cached_tokens: 0 } };
  sink.append(record('a', { usage }));
  sink.close();
  const [line] = await lines(path);
  assert.match(line ?? '', /"usage":\{"input_tokens":1,"output_tokens":2,"total_tokens":3\},/);
});

test('appending to an existing file keeps its content and returns the right line offsets', async () => {
  const path = file();
  const first = openJsonlSink(path);
  first.append(record('a'));
  first.close();
  const size = (await stat(path)).size;
  const second = openJsonlSink(path);
  const handle = second.append(record('b', { db_status: 'pending' }));
  second.close();
  assert.equal(handle.lineStart, size);
  assert.deepEqual(
    (await lines(path)).map((line) => (JSON.parse(line) as OutputRecord).artist_id),
    ['a', 'b'],
  );
});

test('a pending db_status is padded so every status can be patched in place', async () => {
  const path = file();
  const sink = openJsonlSink(path);
  const handles = ['a', 'b', 'c', 'd', 'e'].map((id) => sink.append(record(id, { db_status: 'pending' })));
  const before = await readFile(path);
  assert.match(before.toString('utf8'), /"db_status":"pending" ,"error":null\}\n/);
  const statuses: DbStatus[] = ['inserted', 'updated', 'skipped', 'error', 'pending'];
  statuses.forEach((status, i) => sink.patchDbStatus(handles[i] ?? { lineStart: 0, statusOffset: undefined }, status));
  sink.close();
  const after = await readFile(path);
  assert.equal(after.length, before.length);
  const parsed = (await lines(path)).map((line) => JSON.parse(line) as OutputRecord);
  assert.deepEqual(
    parsed.map((r) => r.db_status),
    statuses,
  );
  assert.deepEqual(
    parsed.map((r) => r.response_text),
    parsed.map(() => 'Björk is an Icelandic singer. 音楽 🎵'),
  );
});

test('a line can be patched again, and a line read back from the file can be patched by offset', async () => {
  const path = file();
  const sink = openJsonlSink(path);
  sink.append(record('a'));
  const handle = sink.append(record('b', { db_status: 'error' }));
  sink.patchDbStatus(handle, 'pending');
  sink.patchDbStatus(handle, 'inserted');
  const text = (await readFile(path, 'utf8')).split('\n')[1] ?? '';
  const reread = sink.handleAt(handle.lineStart, text);
  assert.deepEqual(reread, handle);
  sink.patchDbStatus(handle, 'updated');
  sink.close();
  assert.equal((JSON.parse((await lines(path))[1] ?? '') as OutputRecord).db_status, 'updated');
});

test('patching refuses a line without a status slot or an offset that does not hold a status', async () => {
  const path = file();
  const sink = openJsonlSink(path);
  const nullHandle = sink.append(record('a'));
  const pending = sink.append(record('b', { db_status: 'pending' }));
  const before = await readFile(path);
  assert.throws(() => sink.patchDbStatus(nullHandle, 'inserted'), OutputWriteError);
  assert.throws(
    () => sink.patchDbStatus({ lineStart: 0, statusOffset: pending.lineStart + 3 }, 'inserted'),
    OutputWriteError,
  );
  assert.equal(sink.handleAt(nullHandle.lineStart, (await lines(path))[0] ?? ''), undefined);
  sink.close();
  assert.deepEqual(await readFile(path), before);
});

test('a closed sink refuses to write', () => {
  const sink = openJsonlSink(file());
  sink.close();
  sink.close();
  assert.throws(() => sink.append(record('a')), OutputWriteError);
});

test('opening a sink in a missing directory is an OutputWriteError naming the path', () => {
  const path = join(dir, 'missing', 'out.jsonl');
  assert.throws(
    () => openJsonlSink(path),
    (error: unknown) => {
      assert.ok(error instanceof OutputWriteError);
      assert.match(error.message, /missing\/out\.jsonl/);
      return true;
    },
  );
});

test('ErrorSink appends error records as whole lines in the record order', async () => {
  const path = file('out.errors.jsonl');
  const sink = openErrorSink(path);
  const failure: ErrorRecord = {
    artist_id: 'a',
    artist_name: 'Alpha',
    error_class: 'ProviderError',
    error_kind: 'bad_request',
    status: 400,
    code: 'invalid_request_error',
    message: 'Bad "input"\nsecond line',
    request_id: 'req_1',
    attempts: 1,
    time: '2026-01-01T00:00:00.000Z',
  };
  sink.append(failure);
  sink.append({ ...failure, artist_id: 'b', artist_data: 'x', status: null, code: null, request_id: null });
  sink.close();
  const [first, second] = (await lines(path)).map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(first, failure);
  assert.deepEqual(Object.keys(second ?? {}), [
    'artist_id',
    'artist_name',
    'artist_data',
    'error_class',
    'error_kind',
    'status',
    'code',
    'message',
    'request_id',
    'attempts',
    'time',
  ]);
  assert.equal(sink.bytesWritten, (await stat(path)).size);
});
