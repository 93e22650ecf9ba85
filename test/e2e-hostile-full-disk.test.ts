import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';
import { mountTmpfs, remountTmpfs, unmountTmpfs } from './support/tmpfs.js';

// A full disk is made for real: a tiny tmpfs mounted inside the test's folder (see
// test/support/tmpfs.ts). Where mounting is refused, each test skips and says why.

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ latencyMs: 5, seed: 21 });
});
after(() => sim.close());

const FULL_DB_ARTISTS = 400;

const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url });

interface Line {
  artist_id: string;
  db_status: string | null;
}

/** Every line of the file parses (nothing torn) and no artist appears twice. */
async function wholeLines(path: string): Promise<Line[]> {
  const text = await readFile(path, 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'the output ends with a whole line');
  const lines = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
  assert.equal(new Set(lines.map((l) => l.artist_id)).size, lines.length, 'no artist twice');
  return lines;
}

test('a disk that fills while the JSONL is written stops the run with exit 2 "disk full", keeps every whole line, and --resume finishes once there is space', async (t) => {
  const dir = await tempDir();
  const disk = join(dir, 'disk');
  await mkdir(disk);
  const refused = mountTmpfs(disk, '64k');
  if (refused !== undefined) return t.skip(refused);
  try {
    const input = await writeCsv(dir, 'a.csv', artists(120));
    const output = join(disk, 'out.jsonl');
    const r = await runCli(['--input', input, '--output', output, '--max-workers', '4'], { env: env() });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /ERROR: disk full: cannot append to .*out\.jsonl \(ENOSPC: no space left on device/);
    assert.doesNotMatch(r.stderr, /\n\s+at .*:\d+:\d+\)?\n/, 'no stack trace');
    assert.match(r.stderr, /Artists: \d+ succeeded/, 'the summary is printed');
    const before = await readFile(output, 'utf8');
    const kept = await wholeLines(output);
    assert.ok(kept.length > 0 && kept.length < 120, `some lines fit: ${kept.length}`);

    remountTmpfs(disk, 'size=4m');
    const resumed = await runCli(['--input', input, '--output', output, '--resume', '--max-workers', '4'], {
      env: env(),
    });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok((await readFile(output, 'utf8')).startsWith(before), 'nothing written before is lost');
    assert.equal((await wholeLines(output)).length, 120);
  } finally {
    unmountTmpfs(disk);
  }
});

test('SQLITE_FULL stops the run with exit 2 "disk full" naming the database (not "cannot rollback"), the bios stay in the JSONL and --resume writes them to the database', async (t) => {
  const dir = await tempDir();
  const disk = join(dir, 'disk');
  await mkdir(disk);
  const refused = mountTmpfs(disk, '200k');
  if (refused !== undefined) return t.skip(refused);
  try {
    // About 80 bios fill the 200 kB disk. The run must still have many artists to go when the
    // database refuses a batch (a disk full found only by the last batch does not stop the run),
    // however fast the requests are answered: so 5 times that.
    const input = await writeCsv(dir, 'a.csv', artists(FULL_DB_ARTISTS));
    // The output is a symlink to a roomy folder, so only the database (next to the given
    // path) lives on the tiny disk.
    const real = join(dir, 'real.jsonl');
    await writeFile(real, '');
    const output = join(disk, 'out.jsonl');
    await symlink(real, output);
    const r = await runCli(['--input', input, '--output', output, '--enable-db', '--max-workers', '4'], {
      env: env(),
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /ERROR: disk full: cannot write to the database .*out\.sqlite \(.*SQLITE_FULL/);
    assert.doesNotMatch(r.stderr, /cannot rollback/);
    assert.doesNotMatch(r.stderr, /\n\s+at .*:\d+:\d+\)?\n/, 'no stack trace');
    const kept = await wholeLines(real);
    assert.ok(kept.length < FULL_DB_ARTISTS, `the run stopped early: ${kept.length} lines`);
    assert.ok(
      kept.some((l) => l.db_status === 'error' || l.db_status === 'pending'),
      'the bios the database refused are marked for a re-sync',
    );

    remountTmpfs(disk, 'size=8m');
    const resumed = await runCli(
      ['--input', input, '--output', output, '--enable-db', '--resume', '--max-workers', '4'],
      { env: env() },
    );
    assert.equal(resumed.code, 0, resumed.stderr);
    const lines = await wholeLines(real);
    assert.equal(lines.length, FULL_DB_ARTISTS);
    assert.deepEqual([...new Set(lines.map((l) => l.db_status))], ['inserted']);
    const db = new Database(join(disk, 'out.sqlite'), { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT count(*) AS n FROM artist_bios').get(), { n: FULL_DB_ARTISTS });
    } finally {
      db.close();
    }
  } finally {
    unmountTmpfs(disk);
  }
});
