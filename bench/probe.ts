/**
 * `node --import tsx bench/probe.ts <8|9s|9|10|11|12> [extra CLI flags…]`: runs only our CLI in
 * one of the scenarios 8–12 and prints where its time went: start-up, the simulator's arrivals per
 * second and per status, the first 3 s in 100 ms bins, when the 429s arrived, and the first and
 * last arrival. A diagnostic aid for BENCHMARKS.md.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { countFileLines, startOurs } from './lib/clients.js';
import { writeArtistsCsv } from './lib/fixtures.js';
import { startSimulatorProcess, type SimulatorFlags } from './lib/simulator.js';

const LATENCY = { latencyMs: 300, latencyJitterMs: 150 };
const SETUPS: Record<string, { artists: number; simulator: SimulatorFlags; flags?: string[] }> = {
  '8': { artists: 400, simulator: { rpm: 1200, perSecond: true, ...LATENCY } },
  '9s': { artists: 300, simulator: { rpm: 600, ...LATENCY } },
  '9': { artists: 1000, simulator: { rpm: 600, ...LATENCY } },
  '10': { artists: 500, simulator: { rpm: 3000, latencyMs: 8000, latencyJitterMs: 4000 } },
  '11': { artists: 250, simulator: { rpm: 100_000, tpm: 300_000, perSecond: true, ...LATENCY } },
  '12': { artists: 5000, simulator: { rpm: 10_000_000, latencyMs: 30_000 }, flags: ['--max-in-flight', '5000'] },
};

const [name = '8', ...extra] = process.argv.slice(2);
const setup = SETUPS[name];
if (setup === undefined) throw new Error(`no setup ${name}`);
const dir = await mkdtemp(path.join(tmpdir(), 'probe-'));
const input = path.join(dir, 'artists.csv');
await writeArtistsCsv(input, setup.artists);
const cwd = path.join(dir, 'ours');
await mkdir(cwd);
const simulator = await startSimulatorProcess(setup.simulator);
try {
  const started = Date.now();
  const run = startOurs(
    ['run', '--input', input, '--output', path.join(cwd, 'out.jsonl'), '--quiet', ...(setup.flags ?? []), ...extra],
    simulator.url,
    { cwd, timeoutMs: 300_000 },
  );
  const measured = await run.done;
  const stats = await simulator.stats();
  const arrivals = stats.timeline.map((e) => e.t).sort((a, b) => a - b);
  const first = arrivals[0] ?? started;
  // The first 3 s after the first arrival in 100 ms bins, and where the 429s arrived (ms after
  // the first arrival), to tell a start-up burst from a later wave.
  const early = new Array<number>(30).fill(0);
  for (const t of arrivals) {
    const bin = Math.floor((t - first) / 100);
    if (bin < early.length) early[bin] = (early[bin] ?? 0) + 1;
  }
  const limited = stats.timeline.filter((e) => e.status === 429).map((e) => e.t - first);
  const last = arrivals.at(-1) ?? started;
  const seconds = Object.entries(stats.perSecond)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([s, n]) => `${Number(s) - Math.floor(started / 1000)}:${n}`);
  const out = {
    wallMs: Math.round(measured.wallMs),
    rssMb: measured.peakRssMb,
    cpuS: measured.cpuSeconds,
    done: await countFileLines(path.join(cwd, 'out.jsonl')),
    requests: stats.requests,
    rateLimited: stats.rateLimited,
    tokens: stats.tokens,
    peakInFlight: stats.peakInFlight,
    firstArrivalMs: first - started,
    lastArrivalMs: last - started,
    perSecond: seconds.join(' '),
    early100ms: early.join(' '),
    limitedAtMs: limited.sort((a, b) => a - b).join(' '),
    loadavg: (await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
  process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
  if (measured.code !== 0) process.stderr.write(measured.stderr.slice(-2000));
} finally {
  await simulator.stop();
}
