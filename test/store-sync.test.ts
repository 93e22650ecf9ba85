import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { dbCommand } from '../src/cli/db-command.js';
import { ConfigError, InputError, UsageError } from '../src/core/errors.js';
import type { DbStatus } from '../src/core/types.js';
import {
  exportSql,
  openBioStore,
  resyncFromJsonl,
  syncJsonlToDb,
  type ResyncResult,
  type SyncIssue,
} from '../src/store/index.js';

const PG_URL = process.env.PG_URL;
const noPg = PG_URL === undefined || PG_URL === '' ? 'PG_URL is not set (run scripts/ci-services.sh)' : false;

const U1 = '123e4567-e89b-12d3-a456-426614174000';
const U2 = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
const U3 = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

function line(id: string, text: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    artist_id: id,
    artist_name: `Artist ${id}`,
    request: { model: 'gpt-test', variables: { artist_name: `Artist ${id}`, artist_data: 'x' } },
    response_text: text,
    response_id: `resp_${id}`,
    created: 1_700_000_000,
    model: 'gpt-test',
    usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
    attempts: 1,
    duration_ms: 5,
    db_status: null,
    error: null,
    ...extra,
  });
}

/** The original Python tool's record shape: no usage/model, db_status as the string "null". */
const PYTHON_LINE =
  '{"artist_id": "1005", "artist_name": "P", "request": {"prompt_id": "pmpt_x", "variables": {"artist_name": "P", "artist_data": "No additional data provided"}}, "response_text": "Bio 5", "response_id": "resp_5", "created": 1700000000, "db_status": "null", "error": null}';

/** Lines 1..10: 5 valid records (one id twice), 1 blank, 3 invalid, 1 empty bio; no final newline. */
const MIXED = [
  line('1001', 'old A'),
  '',
  '{"artist_id": "x",',
  line('1002', 'B'),
  line('1003', '   '),
  line('1004', 'has error', { error: 'APIError: boom' }),
  JSON.stringify({ response_text: 'no id', error: null }),
  line('1001', 'new A'),
  PYTHON_LINE,
  line('1006', 'café 音楽 🎵, "quoted"\nsecond line'),
].join('\n');

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'store-sync-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  process.exitCode = undefined;
});

function readBios(file: string): Record<string, string> {
  const db = new Database(file, { readonly: true });
  const rows = db.prepare('SELECT artist_id, bio FROM artist_bios').all() as { artist_id: string; bio: string }[];
  db.close();
  return Object.fromEntries(rows.map((r) => [r.artist_id, r.bio]));
}

describe('syncJsonlToDb', () => {
  test('validates, keeps the last line per artist, and counts every kind of line', async () => {
    const jsonl = path.join(dir, 'mixed.jsonl');
    await writeFile(jsonl, MIXED);
    const file = path.join(dir, 'mixed.sqlite');
    const store = await openBioStore({ sqlitePath: file, target: 'store', testMode: false });
    const issues: SyncIssue[] = [];
    const report = await syncJsonlToDb(jsonl, store, { batchSize: 2, onIssue: (i) => issues.push(i) });
    const again = await syncJsonlToDb(jsonl, store);
    await store.close();

    assert.equal(report.lines, 10);
    assert.equal(report.read, 9);
    assert.equal(report.records, 5);
    assert.equal(report.invalid, 3);
    assert.equal(report.emptyBios, 1);
    assert.equal(report.duplicates, 1);
    assert.equal(report.inserted, 4);
    assert.equal(report.written, 4);
    assert.equal(report.errors, 0);
    assert.equal(again.inserted, 0);
    assert.equal(again.updated, 4, 'a second sync replaces the same four rows');
    assert.deepEqual(
      issues.map((i) => [i.line, i.kind]),
      [
        [3, 'invalid'],
        [5, 'empty-bio'],
        [6, 'invalid'],
        [7, 'invalid'],
        [1, 'duplicate'],
      ],
    );
    assert.match(issues[4]?.message ?? '', /appears again on line 8/);
    assert.deepEqual(readBios(file), {
      '1001': 'new A',
      '1002': 'B',
      '1005': 'Bio 5',
      '1006': 'café 音楽 🎵, "quoted"\nsecond line',
    });
  });

  test('catalog ids follow the id column: any id for a text column, whole numbers for an integer one', async () => {
    const jsonl = path.join(dir, 'catalog.jsonl');
    await writeFile(jsonl, [line(U1, 'one'), line('1001', 'numeric'), line(U3, 'unknown')].join('\n') + '\n');
    const file = path.join(dir, 'catalog.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE artists (id TEXT PRIMARY KEY, bio TEXT, updated_at TEXT)');
    db.prepare('INSERT INTO artists (id) VALUES (?), (?)').run(U1, U2);
    db.close();
    const store = await openBioStore({ sqlitePath: file, target: 'catalog', testMode: false });
    const report = await syncJsonlToDb(jsonl, store);
    await store.close();
    assert.deepEqual([report.updated, report.skipped, report.invalid, report.errors], [1, 2, 0, 0]);

    const numeric = path.join(dir, 'numeric.sqlite');
    const ndb = new Database(numeric);
    ndb.exec('CREATE TABLE artists (id INTEGER PRIMARY KEY, bio TEXT, updated_at TEXT)');
    ndb.prepare('INSERT INTO artists (id) VALUES (1001)').run();
    ndb.close();
    const issues: SyncIssue[] = [];
    const nstore = await openBioStore({ sqlitePath: numeric, target: 'catalog', testMode: false });
    const nreport = await syncJsonlToDb(jsonl, nstore, { onIssue: (i) => issues.push(i) });
    await nstore.close();
    assert.deepEqual([nreport.updated, nreport.skipped, nreport.invalid, nreport.errors], [1, 0, 2, 0]);
    assert.ok(
      issues.some((i) => /is not a whole number .*integer/.test(i.message)),
      JSON.stringify(issues),
    );
  });

  test('a missing file is an InputError', async () => {
    const store = await openBioStore({ sqlitePath: path.join(dir, 'none.sqlite'), target: 'store', testMode: false });
    await assert.rejects(syncJsonlToDb(path.join(dir, 'absent.jsonl'), store), InputError);
    await store.close();
  });
});

describe('resyncFromJsonl', () => {
  test('writes only lines with the wanted db_status and reports their exact byte position', async () => {
    const jsonl = path.join(dir, 'resync.jsonl');
    const content =
      [
        line('r1', 'pending one', { db_status: 'pending' }),
        line('r2', 'already there', { db_status: 'inserted' }),
        line('r3', 'ünïcödé → error before', { db_status: 'error' }),
        line('r4', 'no database', { db_status: null }),
        line('r5', '  ', { db_status: 'pending' }),
        '{"torn": ',
      ].join('\n') +
      '\r\n' + // a CRLF line must not shift later offsets
      line('r6', 'crlf pending', { db_status: 'pending' }) +
      '\n';
    await writeFile(jsonl, content);
    const store = await openBioStore({ sqlitePath: path.join(dir, 'resync.sqlite'), target: 'store', testMode: false });
    const results: ResyncResult[] = [];
    const second: DbStatus[] = [];
    const summary = await resyncFromJsonl(jsonl, store, {
      statuses: ['pending', 'error'],
      batchSize: 2,
      onResult: (result, status) => {
        results.push(result);
        second.push(status);
      },
    });
    await store.close();
    assert.deepEqual(
      results.map((r) => [r.artistId, r.status]),
      [
        ['r1', 'inserted'],
        ['r3', 'inserted'],
        ['r5', 'error'],
        ['r6', 'inserted'],
      ],
    );
    assert.deepEqual(second, ['inserted', 'inserted', 'error', 'inserted']);
    assert.deepEqual(summary, { matched: 4, inserted: 3, updated: 0, skipped: 0, errors: 1 });
    const bytes = Buffer.from(content, 'utf8');
    for (const r of results) {
      const slice = bytes.subarray(r.lineStart, r.lineStart + Buffer.byteLength(r.lineText)).toString('utf8');
      assert.equal(slice, r.lineText);
      assert.ok(r.lineStart === 0 || bytes[r.lineStart - 1] === 0x0a, 'offset is at a line start');
      assert.equal((JSON.parse(r.lineText) as { artist_id: string }).artist_id, r.artistId);
    }
  });
});

describe('exportSql', () => {
  test('writes a CSV with one row per valid artist and a script that loads it by absolute path', async () => {
    const jsonl = path.join(dir, 'export.jsonl');
    await writeFile(
      jsonl,
      [
        line(U1, 'old'),
        line('', 'no id'),
        line(U2, 'He said "hi", then\nleft; café', { sources: [{ url: 'https://e.org/x', title: 'X "y"' }] }),
        line(U1, 'new one'),
        line(U3, 'a line with\n\\.\nthe end-of-data marker $bio$'),
      ].join('\n'),
    );
    const outDir = path.join(dir, "it's out");
    const issues: SyncIssue[] = [];
    const result = await exportSql(jsonl, {
      outDir,
      testMode: true,
      clock: { now: () => Date.UTC(2026, 0, 5, 14, 30, 22), sleep: () => Promise.resolve() },
      onIssue: (i) => issues.push(i),
    });
    assert.equal(result.rows, 3);
    assert.equal(result.sqlPath, path.join(outDir, 'bio_update_20260105_143022.sql'));
    assert.equal(result.csvPath, path.join(outDir, 'bio_update_20260105_143022.csv'));
    assert.deepEqual(issues.map((i) => i.kind).sort(), ['duplicate', 'invalid']);
    const csv = await readFile(result.csvPath, 'utf8');
    assert.equal(
      csv,
      `id,bio,sources\n${U2},"He said ""hi"", then\nleft; café","[{""url"":""https://e.org/x"",""title"":""X \\""y\\""""}]"\n` +
        `${U1},"new one",\n`,
    );
    const script = await readFile(result.sqlPath, 'utf8');
    assert.ok(
      script.includes(`\\copy bio_import (id, bio, sources) FROM '${result.csvPath.replaceAll("'", "''")}' WITH`),
    );
    assert.match(script, /UPDATE "test_artists" AS t/);
    // The bio with a "\." line travels as a dollar-quoted literal whose tag is not in the text.
    assert.ok(script.includes(`('${U3}', $bio1$a line with\n\\.\nthe end-of-data marker $bio$$bio1$, NULL)`));
    assert.match(script, /^BEGIN;$/m);
    assert.match(script, /^COMMIT;$/m);
    // A second export in the same second does not overwrite the first pair.
    const next = await exportSql(jsonl, {
      outDir,
      clock: { now: () => Date.UTC(2026, 0, 5, 14, 30, 22), sleep: () => Promise.resolve() },
    });
    assert.equal(path.basename(next.sqlPath), 'bio_update_20260105_143022_2.sql');
    assert.match(await readFile(next.sqlPath, 'utf8'), /UPDATE "artists" AS t/);
    assert.equal((await readdir(outDir)).filter((f) => f.includes('.tmp-')).length, 0);
  });

  test('refuses a table name that is not an identifier and a file without any valid bio', async () => {
    const jsonl = path.join(dir, 'bad.jsonl');
    await writeFile(jsonl, line('', 'no id only'));
    await assert.rejects(exportSql(jsonl, { outDir: dir, table: 'artists; DROP TABLE x' }), UsageError);
    await assert.rejects(exportSql(jsonl, { outDir: path.join(dir, 'never') }), InputError);
  });

  describe('applied with psql', { skip: noPg }, () => {
    const schema = `store_sync_${process.pid}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    before(async () => {
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.query(
        `CREATE TABLE ${schema}.artists (id uuid PRIMARY KEY, name text NOT NULL, bio text, updated_at timestamptz DEFAULT '2000-01-01')`,
      );
      await admin.query(`INSERT INTO ${schema}.artists (id, name) VALUES ($1, 'One'), ($2, 'Two')`, [U1, U2]);
    });
    after(async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    });

    test('the script runs from any working directory and updates exactly the matching rows', async () => {
      const jsonl = path.join(dir, 'apply.jsonl');
      const tricky = 'Quotes "x", commas, a line with\n\\.\nand ünïcödé';
      const csvBio = 'two, "quoted"\r\nsecond line; café 音楽';
      await writeFile(jsonl, [line(U1, tricky), line(U2, csvBio), line(U3, 'no such row')].join('\n') + '\n');
      const { sqlPath } = await exportSql(jsonl, { outDir: path.join(dir, "apply dir's"), table: `${schema}.artists` });
      const run = spawnSync('psql', [PG_URL ?? '', '-X', '-f', sqlPath], { cwd: '/', encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /rows_in_file \| rows_updated \| ids_not_found/);
      assert.match(run.stdout, /\s3 \|\s+2 \|\s+1\s*\n/);
      assert.ok(run.stdout.includes(U3), 'the unknown id is listed');
      const { rows } = await admin.query<{ id: string; bio: string; updated_at: Date }>(
        `SELECT id, bio, updated_at FROM ${schema}.artists ORDER BY id`,
      );
      assert.deepEqual(
        rows.map((r) => [r.id, r.bio]),
        [
          [U1, tricky],
          [U2, csvBio],
        ],
      );
      assert.ok(rows.every((r) => r.updated_at.getUTCFullYear() > 2000));
    });

    test('the script casts the ids to an integer id column, and stops before any change when one does not fit', async () => {
      await admin.query(`CREATE TABLE ${schema}.numbered (id integer PRIMARY KEY, bio text, updated_at timestamptz)`);
      await admin.query(`INSERT INTO ${schema}.numbered (id) VALUES (1001), (1002)`);
      const jsonl = path.join(dir, 'numbered.jsonl');
      await writeFile(jsonl, [line('1001', 'one'), line('1002', 'two'), line('1003', 'three')].join('\n') + '\n');
      const { sqlPath } = await exportSql(jsonl, { outDir: path.join(dir, 'numbered'), table: `${schema}.numbered` });
      const run = spawnSync('psql', [PG_URL ?? '', '-X', '-f', sqlPath], { cwd: '/', encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /\s3 \|\s+2 \|\s+1\s*\n/);

      const bad = path.join(dir, 'numbered-bad.jsonl');
      await writeFile(bad, [line('1001', 'changed'), line('abc', 'not a number')].join('\n') + '\n');
      const second = await exportSql(bad, { outDir: path.join(dir, 'numbered-bad'), table: `${schema}.numbered` });
      const failed = spawnSync('psql', [PG_URL ?? '', '-X', '-f', second.sqlPath], { cwd: '/', encoding: 'utf8' });
      assert.notEqual(failed.status, 0);
      assert.match(failed.stderr, /invalid input syntax for type integer: "abc"/);
      const { rows } = await admin.query<{ id: number; bio: string }>(
        `SELECT id, bio FROM ${schema}.numbered ORDER BY id`,
      );
      assert.deepEqual(
        rows.map((r) => [r.id, r.bio]),
        [
          [1001, 'one'],
          [1002, 'two'],
        ],
      );
    });

    test('sources reach a catalog table that has a sources column, and only the grounded rows get them', async () => {
      await admin.query(
        `CREATE TABLE ${schema}.grounded (id uuid PRIMARY KEY, bio text, sources jsonb, updated_at timestamptz)`,
      );
      await admin.query(`INSERT INTO ${schema}.grounded (id) VALUES ($1), ($2), ($3)`, [U1, U2, U3]);
      const pages = [{ url: 'https://e.org/a', title: `Page 'A', "quoted" $bio$` }];
      const jsonl = path.join(dir, 'grounded.jsonl');
      await writeFile(
        jsonl,
        [
          line(U1, 'grounded', { sources: pages }),
          line(U2, 'plain'),
          line(U3, 'marker line\n\\.\nend', { sources: pages }),
        ].join('\n') + '\n',
      );
      const { sqlPath } = await exportSql(jsonl, { outDir: path.join(dir, 'grounded'), table: `${schema}.grounded` });
      const run = spawnSync('psql', [PG_URL ?? '', '-X', '-f', sqlPath], { cwd: '/', encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const { rows } = await admin.query<{ id: string; sources: unknown }>(
        `SELECT id, sources FROM ${schema}.grounded ORDER BY id`,
      );
      assert.deepEqual(
        rows.map((r) => [r.id, r.sources]),
        [
          [U1, pages],
          [U2, null],
          [U3, pages],
        ],
      );
    });
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('db command', () => {
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ out: string; err: string }> => {
    let out = '';
    let err = '';
    const command = dbCommand({ stdout: (t) => (out += t), stderr: (t) => (err += t), env });
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
    await command.parseAsync(args, { from: 'user' });
    return { out, err };
  };

  test('db sync prints the summary and the line problems, and exits 0', async () => {
    const jsonl = path.join(dir, 'cli.jsonl');
    await writeFile(jsonl, MIXED);
    const file = path.join(dir, 'cli.sqlite');
    const { out, err } = await run(['sync', jsonl, '--sqlite', file, '--batch-size', '2']);
    assert.equal(process.exitCode, 0);
    assert.match(out, /Lines read: +9/);
    assert.match(out, /Written: +4 \(inserted 4, updated 0\)/);
    assert.match(out, /Invalid lines: +3/);
    assert.match(out, /Duplicate lines: +1/);
    assert.match(out, /Empty bios: +1/);
    assert.match(out, /Write errors: +0/);
    assert.match(err, /^Line 3: not valid JSON/m);
    assert.match(err, /^Line 5: bio is empty/m);
    assert.equal(Object.keys(readBios(file)).length, 4);
  });

  test('db sync exits 1 when the database rejects some records, and writes the rest', async () => {
    const jsonl = path.join(dir, 'reject.jsonl');
    await writeFile(jsonl, [line('ok-1', 'a'), line('bad', 'b'), line('ok-2', 'c')].join('\n'));
    const file = path.join(dir, 'reject.sqlite');
    (await openBioStore({ sqlitePath: file, target: 'store', testMode: false })).close();
    const db = new Database(file);
    db.exec(`CREATE TRIGGER no_bad BEFORE INSERT ON artist_bios WHEN NEW.artist_id = 'bad'
             BEGIN SELECT RAISE(ABORT, 'rejected by trigger'); END`);
    db.close();
    const { out, err } = await run(['sync', jsonl, '--sqlite', file, '--json']);
    assert.equal(process.exitCode, 1);
    const report = JSON.parse(out) as { inserted: number; errors: number };
    assert.equal(report.inserted, 2);
    assert.equal(report.errors, 1);
    assert.match(err, /Line 2: database write failed \(artist bad\)/);
    assert.match(err, /SQLITE_CONSTRAINT_TRIGGER/);
  });

  test('db sync without a database, or with two, is a usage error', async () => {
    const jsonl = path.join(dir, 'cli.jsonl');
    await assert.rejects(
      run(['sync', jsonl]),
      (e: unknown) => e instanceof UsageError && /--db-url URL/.test(e.message),
    );
    await assert.rejects(run(['sync', jsonl, '--sqlite', 'a.sqlite', '--db-url', 'postgres://h/db']), UsageError);
    await assert.rejects(run(['sync', jsonl, '--sqlite', 'a.sqlite', '--batch-size', '0']), UsageError);
  });

  test('db sync reads DATABASE_URL and never prints its password', async () => {
    const port = await closedPort();
    const jsonl = path.join(dir, 'cli.jsonl');
    const env = { DATABASE_URL: `postgres://bios:Sup3r-Secret@127.0.0.1:${port}/catalog` };
    const error = await run(['sync', jsonl], env).then(
      () => assert.fail('should not connect'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /postgres:\/\/bios:\*\*\*@127\.0\.0\.1/);
    assert.ok(!error.message.includes('Sup3r-Secret'));
  });

  test('--sqlite wins over a DATABASE_URL in the environment', async () => {
    const jsonl = path.join(dir, 'cli.jsonl');
    const file = path.join(dir, 'cli-env.sqlite');
    await run(['sync', jsonl, '--sqlite', file], { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/x' });
    assert.equal(process.exitCode, 0);
    assert.equal(Object.keys(readBios(file)).length, 4);
  });

  test('db export-sql prints where the pair is and how to apply it', async () => {
    const jsonl = path.join(dir, 'cli-export.jsonl');
    await writeFile(jsonl, [line(U1, 'one'), line('', 'x')].join('\n'));
    const outDir = path.join(dir, 'cli-sql');
    const { out, err } = await run(['export-sql', jsonl, '--out-dir', outDir, '--test-mode']);
    assert.equal(process.exitCode, 0);
    assert.match(out, /Exported 1 bio\(s\)/);
    assert.match(out, /Apply with: +psql "\$DATABASE_URL" -X -f ".*bio_update_\d{8}_\d{6}\.sql"/);
    assert.match(err, /Line 2: missing artist_id/);
    assert.equal((await readdir(outDir)).length, 2);
  });

  test('help lists both subcommands with examples', () => {
    const help = dbCommand().helpInformation();
    assert.match(help, /sync/);
    assert.match(help, /export-sql/);
    const syncHelp = dbCommand().commands.find((c) => c.name() === 'sync');
    let text = '';
    syncHelp?.configureOutput({ writeOut: (t) => (text += t) });
    syncHelp?.outputHelp();
    assert.match(text, /--db-target <target>/);
    assert.match(text, /Examples:/);
  });
});
