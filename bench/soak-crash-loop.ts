/**
 * Soak: the crash-loop guarantees. 500 artists, 16 workers, a daily limit; the CLI is killed
 * with SIGKILL `cycles` times at seeded random moments mid-run and restarted with --resume, then
 * run to the end. Checks: never a duplicate line, exactly one line per artist when the run
 * finishes, and neither the simulator nor the key ledger ever saw more requests than the daily limit.
 * Each SIGKILL costs up to `--max-workers` requests of the limit: those in flight were counted when
 * they were reserved, and their answers are lost. A limit below what
 * the crash loop needs must end in exit 5 (`--on-daily-limit exit`). Too slow for the test suite;
 * prints its figures (BENCHMARKS.md, "Crash-loop soak").
 *
 *   npm run build && node --import tsx bench/soak-crash-loop.ts [cycles=30] [artists=500] [limit=2×artists] [seed=1]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startSimulator } from '../src/simulator/index.js';

const BIN = fileURLToPath(new URL('../bin/artist-bio-gen', import.meta.url));
const CYCLES = Number(process.argv[2] ?? '30');
const ARTISTS = Number(process.argv[3] ?? '500');
const DAILY_LIMIT = Number(process.argv[4] ?? String(ARTISTS * 2));
const SEED = Number(process.argv[5] ?? '1');

/** mulberry32: the kill moments are the same for the same seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

async function outputIds(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { artist_id: string }).artist_id);
}

/** Today's request count in the key ledger (docs/ledger.md): what the daily limit is checked against. */
function ledgerRequests(stateHome: string): number {
  const path = join(stateHome, 'artist-bio-gen', 'ledger.sqlite');
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const row = db.prepare('SELECT sum(requests) AS n FROM key_ledger').get() as { n: number | null } | undefined;
    return row?.n ?? 0;
  } catch {
    return 0;
  } finally {
    db?.close();
  }
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
  const stateHome = join(dir, 'state');
  // A fresh key ledger per soak, so that no earlier run's count of today is inherited.
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    XDG_STATE_HOME: stateHome,
    OPENAI_API_KEY: 'sk-soak',
    OPENAI_BASE_URL: sim.url,
  };
  // No threshold pause (it would wait for hours); the hard limit exits 5 instead of waiting a day.
  const base = ['--input', input, '--output', output, '--max-workers', '16', '--daily-limit', String(DAILY_LIMIT)];
  base.push('--quota-threshold', '1', '--on-daily-limit', 'exit');
  const random = seeded(SEED);
  const started = Date.now();
  const perCycle = Math.max(1, Math.floor(ARTISTS / (CYCLES + 4)));
  let killed = 0;
  let limitStops = 0;
  let lostToKills = 0;
  let countedLostToKills = 0;
  let maxCountedLostPerKill = 0;
  let overLimitAt: number | undefined;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const killAt = 1 + Math.floor(random() * perCycle);
    const linesBefore = (await outputIds(output)).length;
    const requestsBefore = sim.stats().requests;
    const countedBefore = ledgerRequests(stateHome);
    const code = await runOnce(cycle === 0 ? base : [...base, '--resume'], env, killAt);
    const requests = sim.stats().requests;
    if (requests > DAILY_LIMIT) overLimitAt ??= cycle;
    if (code === null) {
      killed++;
      // Requests the killed process sent whose answers never reached the output.
      const written = (await outputIds(output)).length - linesBefore;
      lostToKills += requests - requestsBefore - written;
      // Requests the ledger counted for it: also those reserved that never reached the server.
      const counted = ledgerRequests(stateHome) - countedBefore - written;
      countedLostToKills += counted;
      maxCountedLostPerKill = Math.max(maxCountedLostPerKill, counted);
    }
    if (code === 5) {
      limitStops++;
      break;
    }
  }
  const finalCode = await runOnce([...base, '--resume'], env, undefined);
  const ids = await outputIds(output);
  const unique = new Set(ids).size;
  const requests = sim.stats().requests;
  const counted = ledgerRequests(stateHome);
  await sim.close();
  const finished = finalCode === 0 && ids.length === ARTISTS;
  const ok =
    unique === ids.length &&
    requests <= counted &&
    counted <= DAILY_LIMIT &&
    overLimitAt === undefined &&
    (finished || (finalCode === 5 && ids.length < ARTISTS));
  console.log(
    JSON.stringify(
      {
        cycles: CYCLES,
        seed: SEED,
        sigkilled: killed,
        stoppedByLimitInCycle: limitStops > 0,
        artists: ARTISTS,
        workers: 16,
        lines: ids.length,
        uniqueIds: unique,
        requestsSeenBySimulator: requests,
        requestsCountedByLedger: counted,
        requestsLostToKills: lostToKills,
        countedLostToKills,
        maxCountedLostPerKill,
        dailyLimit: DAILY_LIMIT,
        finalExitCode: finalCode,
        finished,
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
