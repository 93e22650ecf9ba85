/**
 * Soak: the crash-loop guarantees. 500 artists, 16 workers, a daily limit; the CLI is killed
 * with SIGKILL `CYCLES` times at random moments mid-run and restarted with --resume, then run
 * to the end. Checks: exactly one output line per artist, and the simulator never saw more
 * requests than the daily limit. Too slow for the test suite; prints its figures.
 *
 *   npm run build && node --import tsx bench/soak-crash-loop.ts [cycles=30] [artists=500]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../src/simulator/index.js';

const BIN = fileURLToPath(new URL('../bin/artist-bio-gen', import.meta.url));
const CYCLES = Number(process.argv[2] ?? '30');
const ARTISTS = Number(process.argv[3] ?? '500');
const DAILY_LIMIT = ARTISTS * 2;

function runOnce(args: string[], env: NodeJS.ProcessEnv, killAfterLines: number | undefined): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let seen = 0;
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (/Processed artist/.test(line)) seen++;
        if (killAfterLines !== undefined && seen >= killAfterLines && child.exitCode === null) child.kill('SIGKILL');
      }
    });
    child.on('close', (code) => resolve(code));
  });
}

async function main(): Promise<void> {
  const sim = await startSimulator({ rpm: 100_000, tpm: 100_000_000, latencyMs: 40, latencyJitterMs: 40, seed: 11 });
  const dir = await mkdtemp(join(tmpdir(), 'abg-soak-'));
  const input = join(dir, 'artists.csv');
  const rows = Array.from(
    { length: ARTISTS },
    (_, i) => `${String(1001 + i)},Artist ${String(i + 1)},Genre ${String(i % 7)}`,
  );
  await writeFile(input, `artist_id,artist_name,artist_data\n${rows.join('\n')}\n`);
  const output = join(dir, 'out.jsonl');
  const env = { PATH: process.env['PATH'] ?? '', OPENAI_API_KEY: 'sk-soak', OPENAI_BASE_URL: sim.url };
  const base = ['--input', input, '--output', output, '--max-workers', '16', '--daily-limit', String(DAILY_LIMIT)];
  const started = Date.now();
  const perCycle = Math.max(1, Math.floor(ARTISTS / (CYCLES + 4)));
  let killed = 0;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const killAt = 1 + Math.floor(Math.random() * perCycle);
    const code = await runOnce(cycle === 0 ? base : [...base, '--resume'], env, killAt);
    if (code === null) killed++;
  }
  const finalCode = await runOnce([...base, '--resume'], env, undefined);
  const text = await readFile(output, 'utf8');
  const ids = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { artist_id: string }).artist_id);
  const unique = new Set(ids).size;
  const requests = sim.stats().requests;
  await sim.close();
  const ok = ids.length === ARTISTS && unique === ARTISTS && requests <= DAILY_LIMIT && finalCode === 0;
  console.log(
    JSON.stringify(
      {
        cycles: CYCLES,
        sigkilled: killed,
        artists: ARTISTS,
        workers: 16,
        lines: ids.length,
        uniqueIds: unique,
        requestsSeenBySimulator: requests,
        dailyLimit: DAILY_LIMIT,
        finalExitCode: finalCode,
        wallSeconds: Math.round((Date.now() - started) / 1000),
        ok,
      },
      null,
      2,
    ),
  );
  process.exitCode = ok ? 0 : 1;
}

await main();
