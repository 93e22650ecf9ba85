import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';
import { mountLoopExt4 } from './support/loopfs.js';

// The output folder is a real small ext4 filesystem that the kernel turns read-only while the run
// is writing to it, as after a disk error (see test/support/loopfs.ts). Where mounting is refused,
// the test skips and says why.

let sim: SimulatorHandle;
before(async () => {
  // Slow enough that the run is still mid-way when the folder freezes after a few artists.
  sim = await startSimulator({ latencyMs: 60, seed: 13 });
});
after(() => sim.close());

const FROZEN_AFTER = 4;

test('an output folder the kernel turns read-only mid-run stops with exit 2 naming the write error, prints the summary, writes the report elsewhere, only warns about the lock, and keeps every line written before', async (t) => {
  const dir = await tempDir();
  const disk = join(dir, 'disk');
  await mkdir(disk);
  const fs = mountLoopExt4(disk, join(dir, 'disk.img'));
  if (typeof fs === 'string') return t.skip(fs);
  try {
    const input = await writeCsv(dir, 'a.csv', artists(40));
    const output = join(disk, 'out.jsonl');
    const report = join(dir, 'report.json');
    let processed = 0;
    let frozen: string | undefined;
    let failure: unknown;
    const r = await runCli(['--input', input, '--output', output, '--max-workers', '2', '--report', report], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url },
      onStderrLine: (line, child) => {
        if (!/Processed artist/.test(line) || frozen !== undefined || failure !== undefined) return;
        processed += 1;
        if (processed < FROZEN_AFTER) return;
        try {
          fs.freeze();
          // Read after the freeze: nothing can change the file any more.
          frozen = readFileSync(output, 'utf8');
        } catch (error) {
          failure = error;
          child.kill('SIGKILL');
        }
      },
    });
    assert.equal(failure, undefined);
    assert.ok(frozen !== undefined, `the folder was frozen mid-run: ${r.stderr}`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /ERROR: Cannot write to .*out\.jsonl: EROFS: .* \(the file system turned read-only\); every line written before is kept\. Once the file can be written again, continue with --resume/,
      'the write error is named, with the way on',
    );
    assert.doesNotMatch(r.stderr, /\n\s+at .*:\d+:\d+\)?\n/, 'no stack trace');
    assert.match(r.stderr, /Artists: \d+ succeeded/, 'the summary is printed');
    assert.match(
      r.stderr,
      /WARNING: Could not save the \w+( \w+)?: Cannot write quota state file .*out\.jsonl\.state\.json/,
    );
    assert.match(r.stderr, /WARNING: Could not release the output lock: EROFS: .*out\.jsonl\.lock/);

    assert.ok(existsSync(report), 'the report is written where the user asked');
    const written = JSON.parse(await readFile(report, 'utf8')) as {
      exitCode: number;
      stopReason: string | null;
      artists: { succeeded: number };
    };
    assert.equal(written.exitCode, 2);
    assert.match(written.stopReason ?? '', /EROFS/);

    assert.equal(await readFile(output, 'utf8'), frozen, 'the file is exactly as it was when frozen');
    assert.ok(frozen.endsWith('\n'), 'the last line is whole');
    const ids = frozen
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { artist_id: string }).artist_id);
    assert.ok(ids.length >= FROZEN_AFTER && ids.length < 40, `lines before the freeze: ${ids.length}`);
    assert.equal(new Set(ids).size, ids.length, 'no artist twice');
    assert.equal(written.artists.succeeded, ids.length, 'the report counts exactly the lines kept');
  } finally {
    fs.release();
  }
});
