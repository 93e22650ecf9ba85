import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';
import { startHostileServer } from './support/hostile-server.js';

// Runs as root in CI containers, where chmod cannot make a folder read-only: the damage is done by
// putting non-empty folders where the run must replace its state file and remove its lock, which
// fails for every user the way a read-only folder does. A real read-only folder is in
// test/e2e-hostile-readonly.test.ts; this test also runs where mounting is refused.
async function damage(path: string): Promise<void> {
  await rm(path, { force: true, recursive: true });
  await mkdir(join(path, 'blocker'), { recursive: true });
  await writeFile(join(path, 'blocker', 'x'), 'x');
}

test('state and lock files that can no longer be replaced or removed mid-run give warnings naming the write error, a summary and a report, never a stack trace', async () => {
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let seen = (): void => undefined;
  const firstRequest = new Promise<void>((resolve) => (seen = resolve));
  const server = await startHostileServer(() => {
    seen();
    return { kind: 'held', until: held };
  });
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', artists(6));
    const output = join(dir, 'out', 'bios.jsonl');
    const report = join(dir, 'report.json');
    const run = runCli(['--input', input, '--output', output, '--max-workers', '2', '--report', report], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
    });
    await firstRequest;
    await damage(`${output}.state.json`);
    await damage(`${output}.lock`);
    release();
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /WARNING: .*Cannot write quota state file .*EISDIR/);
    assert.doesNotMatch(r.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
    assert.match(r.stderr, /Artists: \d+ succeeded/);
    assert.match(r.stderr, /WARNING: Could not release the output lock: .*bios\.jsonl\.lock/);
    assert.ok(existsSync(report), 'the report is written');
    assert.match(await readFile(report, 'utf8'), /"succeeded": 6/);
  } finally {
    release();
    await server.close();
  }
});
