import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { validateCommand } from '../src/cli/validate-command.js';
import { InputError, UsageError } from '../src/core/errors.js';
import { validateOutput, type ValidationResult } from '../src/report/index.js';

const BIO = 'A biography that is comfortably longer than fifty characters, as the plan asks.';
const dirs: string[] = [];

after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
// The command sets process.exitCode; the test runner must not inherit it.
afterEach(() => {
  process.exitCode = undefined;
});

function line(id: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    artist_id: id,
    artist_name: `Artist ${id}`,
    request: { variables: { artist_name: `Artist ${id}`, artist_data: 'No additional data provided' } },
    response_text: BIO,
    response_id: `resp_${id}`,
    created: 1_700_000_000,
    model: 'gpt-test',
    usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30 },
    attempts: 1,
    duration_ms: 1200,
    db_status: null,
    error: null,
    ...overrides,
  });
}

/** Writes each named file into a fresh temp dir and returns their paths by name. */
async function files<K extends string>(contents: Record<K, string>): Promise<Record<K, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'validate-'));
  dirs.push(dir);
  const paths = {} as Record<K, string>;
  for (const name of Object.keys(contents) as K[]) {
    paths[name] = join(dir, name);
    await writeFile(paths[name], contents[name]);
  }
  return paths;
}

async function runCommand(args: string[]): Promise<{ out: string; exitCode: number | string | undefined }> {
  let out = '';
  await validateCommand({ stdout: (text) => (out += text) }).parseAsync(args, { from: 'user' });
  return { out, exitCode: process.exitCode };
}

function kinds(result: ValidationResult): string[] {
  return result.issues.map((i) => `${i.line}:${i.kind}`);
}

test('a clean output passes and the command exits 0', async () => {
  const { out } = await files({ out: `${line('1')}\n${line('2')}\n${line('3')}\n` });
  const result = await validateOutput({ outputPath: out });
  assert.equal(result.ok, true);
  assert.equal(result.lines, 3);
  assert.equal(result.validRecords, 3);
  assert.equal(result.uniqueIds, 3);
  const run = await runCommand([out]);
  assert.equal(run.exitCode, 0);
  assert.match(run.out, /3 lines, 3 valid records, 3 unique artist ids/);
  assert.match(run.out, /Result: OK\n$/);
});

test('a duplicated artist id is reported on its second line and exits 1', async () => {
  const { out } = await files({ out: `${line('1')}\n${line('2')}\n${line('1')}\n` });
  const result = await validateOutput({ outputPath: out });
  assert.equal(result.ok, false);
  assert.deepEqual(kinds(result), ['3:duplicate']);
  assert.match(result.issues[0]?.message ?? '', /"1" already on line 1/);
  assert.equal(result.uniqueIds, 2);
  const run = await runCommand([out]);
  assert.equal(run.exitCode, 1);
  assert.match(run.out, /✗ 1 duplicate artist ids\n {4}line 3: artist_id "1" already on line 1/);
  assert.match(run.out, /Result: FAILED \(1 problem\)/);
});

test('a torn last line is found whether it is garbage or only lacks its newline', async () => {
  const partial = line('3').slice(0, 40);
  const { garbage, unterminated, terminatedGarbage } = await files({
    garbage: `${line('1')}\n${line('2')}\n${partial}`,
    unterminated: `${line('1')}\n${line('2')}`,
    terminatedGarbage: `${line('1')}\n${partial}\n`,
  });
  const a = await validateOutput({ outputPath: garbage });
  assert.deepEqual(kinds(a), ['3:torn_line']);
  assert.match(a.issues[0]?.message ?? '', /unterminated and not valid JSON/);
  const b = await validateOutput({ outputPath: unterminated });
  assert.deepEqual(kinds(b), ['2:torn_line']);
  assert.equal(b.uniqueIds, 1);
  const c = await validateOutput({ outputPath: terminatedGarbage });
  assert.deepEqual(kinds(c), ['2:torn_line']);
});

test('garbage or blank lines before the end are invalid lines, not torn ones', async () => {
  const { out } = await files({ out: `${line('1')}\n{oops\n\n[1,2]\n${line('2')}\n` });
  const result = await validateOutput({ outputPath: out });
  assert.deepEqual(kinds(result), ['2:invalid_json', '3:blank_line', '4:not_object']);
  assert.equal(result.validRecords, 2);
});

test('a bio shorter than --min-length fails; the limit is configurable', async () => {
  const { out } = await files({ out: `${line('1')}\n${line('2', { response_text: '  Too short.  ' })}\n` });
  const strict = await validateOutput({ outputPath: out });
  assert.deepEqual(kinds(strict), ['2:too_short']);
  assert.match(strict.issues[0]?.message ?? '', /10 characters, fewer than 50/);
  const run = await runCommand([out, '--min-length', '10']);
  assert.equal(run.exitCode, 0);
  assert.match(run.out, /minimum bio length 10/);
});

test('missing fields, mistyped fields and a non-null error are each reported', async () => {
  const noResponseId = JSON.parse(line('2')) as Record<string, unknown>;
  delete noResponseId['response_id'];
  const noError = JSON.parse(line('4')) as Record<string, unknown>;
  delete noError['error'];
  const { out } = await files({
    out:
      [
        line('1'),
        JSON.stringify(noResponseId),
        line('3', { error: 'server error' }),
        JSON.stringify(noError),
        line('', { artist_name: 7 }),
      ].join('\n') + '\n',
  });
  const result = await validateOutput({ outputPath: out });
  assert.deepEqual(kinds(result), [
    '2:missing_field',
    '3:error_set',
    '4:missing_field',
    '5:missing_field',
    '5:missing_field',
  ]);
  assert.deepEqual(
    result.issues.map((i) => i.message),
    [
      'missing field "response_id"',
      'field "error" is not null: "server error"',
      'missing field "error" (expected null)',
      'field "artist_id" is empty',
      'field "artist_name" is a number, expected a string',
    ],
  );
  assert.equal(result.validRecords, 1);
  assert.deepEqual(result.issueCounts, { missing_field: 4, error_set: 1 });
});

test('with --input every valid input artist must be present; missing and extra ids are listed', async () => {
  const { out, csv } = await files({
    out: `${line('1001')}\n${line('1003')}\n${line('99')}\n`,
    csv: 'artist_id,artist_name,artist_data\n1001,One,x\n1002,Two,\n1003,Three,y\n,No Id,z\n1004,Four,\n',
  });
  const result = await validateOutput({ outputPath: out, inputPath: csv });
  assert.equal(result.ok, false);
  assert.deepEqual(result.issues, []);
  assert.deepEqual(result.input, { path: csv, artists: 4, rowErrors: 1, missing: ['1002', '1004'], extra: ['99'] });
  const run = await runCommand([out, '--input', csv]);
  assert.equal(run.exitCode, 1);
  assert.match(run.out, /Input .*: 4 valid artists \(1 bad rows ignored\)/);
  assert.match(run.out, /✗ 2 input artists missing from the output\n {4}1002, 1004\n/);
  assert.match(run.out, /✗ 1 output artists not in the input\n {4}99\n/);
  assert.match(run.out, /Result: FAILED \(3 problems\)/);
});

test('a complete output matches its input and exits 0', async () => {
  const { out, csv } = await files({
    out: `${line('1001')}\n${line('1002')}\n`,
    csv: '1001,One,\n1002,Two,\n',
  });
  const run = await runCommand([out, '--input', csv]);
  assert.equal(run.exitCode, 0);
  assert.match(run.out, /✓ every input artist is in the output/);
});

test('human output caps long lists while --json gives them in full', async () => {
  const ids = Array.from({ length: 30 }, (_, i) => String(2000 + i));
  const { out, csv } = await files({
    out: `${line('2000')}\n`,
    csv: `artist_id,artist_name\n${ids.map((id) => `${id},N${id}`).join('\n')}\n`,
  });
  const human = await runCommand([out, '--input', csv]);
  assert.match(human.out, /2001, 2002, .*2010, … and 19 more \(use --json for the full list\)/);
  const json = await runCommand([out, '--input', csv, '--json']);
  assert.equal(json.exitCode, 1);
  const parsed = JSON.parse(json.out) as ValidationResult;
  assert.equal(parsed.input?.missing.length, 29);
  assert.equal(parsed.ok, false);
});

test('an empty output file is not a clean output', async () => {
  const { out } = await files({ out: '' });
  const result = await validateOutput({ outputPath: out });
  assert.deepEqual(kinds(result), ['0:empty_file']);
});

test('a missing output file rejects with InputError', async () => {
  await assert.rejects(runCommand([join(tmpdir(), 'no-such-dir-xyz', 'out.jsonl')]), InputError);
});

test('a bad --min-length rejects with a UsageError naming the flag', async () => {
  const { out } = await files({ out: `${line('1')}\n` });
  await assert.rejects(runCommand([out, '--min-length', '-3']), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /--min-length "-3"/);
    return true;
  });
});

test('--help explains the checks and shows an example', () => {
  const help = validateCommand().helpInformation();
  assert.match(help, /Usage: validate \[options\] <output>/);
  assert.match(help, /--min-length <n>/);
  let after = '';
  const cmd = validateCommand();
  cmd.configureOutput({ writeOut: (s) => (after += s) });
  cmd.exitOverride();
  assert.throws(() => cmd.parse(['--help'], { from: 'user' }));
  assert.match(after, /\$ artist-bio-gen validate out\.jsonl --input artists\.csv/);
});

test('mixed prompt fingerprints are a warning with the count per fingerprint, not a failure', async () => {
  const A = 'sha256:aaaaaaaaaaaaaaaa';
  const B = 'sha256:bbbbbbbbbbbbbbbb';
  const paths = await files({
    'out.jsonl':
      [
        line('1', { prompt_fingerprint: A }),
        line('2', { prompt_fingerprint: B }),
        line('3', { prompt_fingerprint: A }),
        line('4'),
        line('5', { prompt_fingerprint: B, error: 'APIError: failed' }),
      ].join('\n') + '\n',
  });
  const out = paths['out.jsonl'];
  const result = await validateOutput({ outputPath: out });
  assert.deepEqual(result.promptFingerprints, { [A]: 2, [B]: 1, none: 1 }, 'failure lines are not counted');
  const { out: text, exitCode } = await runCommand([out]);
  assert.match(text, /! warning: bios written by 3 different prompts/);
  assert.match(text, new RegExp(`${A}: 2\\n.*${B}: 1\\n.*none: 1\\n.*--resume --redo-stale`, 's'));
  assert.equal(exitCode, 1, 'the error line fails the file; the mix alone would not');
});

test('an output written by one prompt gives no fingerprint warning', async () => {
  const A = 'sha256:aaaaaaaaaaaaaaaa';
  const paths = await files({
    'one.jsonl': [line('1', { prompt_fingerprint: A }), line('2', { prompt_fingerprint: A })].join('\n') + '\n',
  });
  const { out, exitCode } = await runCommand([paths['one.jsonl']]);
  assert.equal(exitCode, 0, out);
  assert.doesNotMatch(out, /warning/);
  const mixed = await files({ 'mix.jsonl': [line('1', { prompt_fingerprint: A }), line('2')].join('\n') + '\n' });
  const second = await runCommand([mixed['mix.jsonl']]);
  assert.equal(second.exitCode, 0, 'a mix alone still passes');
  assert.match(second.out, /2 different prompts/);
});
