import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { artists, BIN, tempDir, writeCsv } from './support/cli.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** Runs a command in a detached tmux session of the given size; returns the session's tmux command. */
async function inTmux(dir: string, command: string, columns: number): Promise<(...args: string[]) => string> {
  const conf = join(dir, 'tmux.conf');
  await writeFile(conf, 'set -g history-limit 100000\n');
  const socket = join(dir, 'tmux.sock');
  const tmux = (...args: string[]): string =>
    execFileSync('tmux', ['-S', socket, '-f', conf, ...args], { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 'run', '-x', String(columns), '-y', '30', command);
  return tmux;
}

test(
  'a 100-column terminal keeps every log line whole while the progress bar runs',
  { skip: hasTmux ? false : 'tmux is not installed (apt-get install tmux; .ci/run installs it)' },
  async () => {
    const dir = await tempDir();
    // Names long enough that every "Processed artist" line is wider than the terminal.
    const input = await writeCsv(
      dir,
      'artists.csv',
      artists(40, (i) => `Artist ${i} of the Very Long Name Orchestra and the Extended Ensemble of Many Words`),
    );
    const log = join(dir, 'run.log');
    const done = join(dir, 'done');
    const command =
      `${process.execPath} ${BIN} run --simulate --input ${input} --output ${join(dir, 'out.jsonl')} ` +
      `--max-workers 2 --log-file ${log}; touch ${done}; sleep 120`;
    const tmux = await inTmux(dir, command, 100);
    try {
      for (let i = 0; i < 600 && !existsSync(done); i++) await delay(100);
      assert.ok(existsSync(done), 'the run did not finish within 60 s');
      // -J joins lines the terminal wrapped, so a whole log line reads back as one line.
      const screen = tmux('capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', 'run');
      const shown = new Set(screen.split('\n').map((line) => line.trimEnd()));
      const lines = (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '');
      const long = lines.filter((line) => line.length > 100);
      assert.ok(long.length >= 40, `expected long log lines, got ${long.length}`);
      const cut = lines.filter((line) => !shown.has(line));
      assert.deepEqual(cut, [], `log lines missing or cut on the terminal:\n${cut.slice(0, 5).join('\n')}`);
      assert.match(screen, /40\/40/);
    } finally {
      tmux('kill-server');
    }
  },
);
