/**
 * The suite's own isolation: tests never share a key ledger with the user or with each other.
 * Every in-process run happens on the same manual-clock day and simulator ports are reused, so a
 * shared ledger would carry one test's count into another and change what it sees.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import { artists, tempDir } from './support/cli.js';
import { finishOnClock } from './support/in-process.js';
import { planEnv, planFiles, startPlan } from './support/plan.js';

test('the test process runs with a temporary HOME and state directory, never the user’s', () => {
  assert.match(homedir(), /abg-test-home-/);
  assert.ok(process.env['XDG_STATE_HOME']?.startsWith(homedir()), 'XDG_STATE_HOME lies inside the temporary HOME');
});

test('an in-process run keeps its key ledger under its own directory', async () => {
  const sim = await startSimulator({ seed: 1 });
  try {
    const files = await planFiles(await tempDir(), artists(3));
    const run = startPlan(files, ['--daily-limit', '10', '--max-workers', '1'], planEnv(sim.url));
    assert.equal(await finishOnClock(run), 0, run.stderr.text);
    assert.ok(existsSync(join(files.dir, '.state', 'artist-bio-gen', 'ledger.sqlite')), 'ledger in <cwd>/.state');
    assert.ok(
      !existsSync(join(homedir(), '.local', 'state', 'artist-bio-gen')),
      'nothing in the shared state directory',
    );
  } finally {
    await sim.close();
  }
});

test('waiting for a line the run never writes fails once the run has ended, instead of hanging', async () => {
  const sim = await startSimulator({ seed: 2 });
  try {
    const files = await planFiles(await tempDir(), artists(2));
    const run = startPlan(files, ['--max-workers', '1'], planEnv(sim.url));
    assert.equal(await finishOnClock(run), 0, run.stderr.text);
    await assert.rejects(run.stderr.line(/ PAUSED: /), /ended with exit code 0 without writing a line matching/);
  } finally {
    await sim.close();
  }
});
