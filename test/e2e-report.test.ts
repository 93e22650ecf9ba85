import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';
import { startRun } from './support/in-process.js';
import { steppingClock } from './support/sim-clock.js';
import { MIDDAY, pausedAndSettled, resumeTime } from './support/plan.js';

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ latencyMs: 15, latencyJitterMs: 10, seed: 9 });
});
after(() => sim.close());
beforeEach(() => sim.reset());

const SECRET_KEY = 'sk-report-secret-4242';

interface ReportJson {
  outcome: string;
  exitCode: number;
  artists: { succeeded: number; failed: number; notAttempted: number };
  analysis: {
    requests: number;
    retries: number;
    retriesByKind: Record<string, number>;
    rateLimitedByKind: Record<string, number>;
  };
  performance: { pauses: number; totalPauseMs: number };
  checks: { id: string; status: string }[];
}

test('--report .json figures match what the simulator saw, and the report holds no secret', async () => {
  const dir = await tempDir();
  const rows = artists(30, (i) => (i === 3 ? 'Slow FAIL500x2' : i === 5 ? 'Busy FAIL429x1' : `Artist ${i}`));
  const input = await writeCsv(dir, 'a.csv', rows);
  const report = join(dir, 'run.json');
  const r = await runCli(
    ['--input', input, '--output', join(dir, 'o.jsonl'), '--max-workers', '4', '--report', report],
    { env: { OPENAI_API_KEY: SECRET_KEY, OPENAI_BASE_URL: sim.url } },
  );
  assert.equal(r.code, 0, r.stderr);
  const text = await readFile(report, 'utf8');
  assert.doesNotMatch(text, new RegExp(SECRET_KEY));
  const json = JSON.parse(text) as ReportJson;
  const stats = sim.stats();
  assert.equal(json.outcome, 'completed');
  assert.equal(json.artists.succeeded, 30);
  assert.equal(json.analysis.requests, stats.requests);
  assert.equal(json.analysis.rateLimitedByKind['rate_limit'] ?? 0, stats.rateLimited);
  assert.equal(json.analysis.retries, stats.requests - 30);
  assert.equal(json.analysis.retriesByKind['server'], 2);
  assert.ok(json.checks.some((c) => c.id === 'success_rate' && c.status === 'pass'));
});

test('--report .md reads as the filled-in test plan, pauses included, for a quota-paused run', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(12));
  const report = join(dir, 'run.md');
  // Held in this process on a manual clock, moved past the pause once it has begun.
  const r = startRun(
    [
      '--input',
      input,
      '--output',
      join(dir, 'o.jsonl'),
      '--max-workers',
      '4',
      '--daily-limit',
      '20',
      '--quota-threshold',
      '0.25',
      '--pause-duration',
      '0.05',
      '--report',
      report,
    ],
    { env: { OPENAI_API_KEY: SECRET_KEY, OPENAI_BASE_URL: sim.url }, cwd: dir, start: MIDDAY },
  );
  const paused = await pausedAndSettled(r, 5);
  r.clock.set(resumeTime(paused));
  assert.equal(await r.done, 0, r.stderr.text);
  const md = await readFile(report, 'utf8');
  for (const section of [
    'Metrics to Record',
    'Performance Metrics to Track',
    'Performance Analysis',
    'Resource utilization',
  ]) {
    assert.match(md, new RegExp(section));
  }
  assert.match(md, /Number of pauses triggered: 1\b/);
  assert.match(md, /\| Pause Accuracy \| ±5% of threshold \| [^|]*25\.0%[^|]*\| ✅ \|/);
  assert.doesNotMatch(md, new RegExp(SECRET_KEY));
  assert.match(paused, /PAUSED: Daily quota 25\.0% used \(limit: 20\)/);
});

test('an interrupted run still writes its report, saying so', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(60));
  const report = join(dir, 'run.json');
  let sent = false;
  const r = await runCli(
    ['--input', input, '--output', join(dir, 'o.jsonl'), '--max-workers', '2', '--report', report],
    {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url },
      onStderrLine: (line, child) => {
        if (!sent && /Processed artist 5\//.test(line)) {
          sent = true;
          child.kill('SIGTERM');
        }
      },
    },
  );
  assert.equal(r.code, 143, r.stderr);
  const json = JSON.parse(await readFile(report, 'utf8')) as ReportJson;
  assert.equal(json.outcome, 'interrupted');
  assert.equal(json.exitCode, 143);
  assert.ok(json.artists.notAttempted > 0);
});

test('a report that cannot be written is an error line, the summary says so, and the exit code stays 0', async () => {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'a.csv', artists(3));
  // A path under a regular file: no folder can be made there.
  const blocker = join(dir, 'not-a-folder');
  await writeFile(blocker, 'x');
  const report = join(blocker, 'run.md');
  const r = await runCli(['--input', input, '--output', join(dir, 'o.jsonl'), '--report', report], {
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sim.url },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Could not write the run report .*not-a-folder/);
  assert.match(r.stderr, /Output: .*o\.jsonl · report: not written \(see the error above\)/);
  assert.doesNotMatch(r.stderr, /report: .*run\.md\n/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('/metrics can be scraped with a real HTTP request while the run lasts', async () => {
  const dir = await tempDir();
  // The simulator answers on a clock the test holds while it scrapes: the figures are mid-run.
  const time = steppingClock(150);
  const slow = await startSimulator({ latencyMs: 150, seed: 2, clock: time.clock });
  try {
    const input = await writeCsv(dir, 'a.csv', artists(40));
    let scraped = '';
    let scraping: Promise<void> | undefined;
    let url: string | undefined;
    const r = await runCli(
      [
        '--input',
        input,
        '--output',
        join(dir, 'o.jsonl'),
        '--max-workers',
        '2',
        '--metrics-port',
        '0',
        '--daily-limit',
        '1000',
      ],
      {
        env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: slow.url },
        onStderrLine: (line) => {
          const m = /Prometheus metrics at (http:\/\/\S+)/.exec(line);
          if (m?.[1]) url = m[1];
          if (url !== undefined && !scraping && /Processed artist 5\//.test(line)) {
            time.hold();
            const from = url;
            scraping = (async () => {
              scraped = await (
                await fetch(from.endsWith('/metrics') ? from : `${from.replace(/\/$/, '')}/metrics`)
              ).text();
            })().finally(() => time.release());
          }
        },
      },
    );
    await scraping;
    assert.equal(r.code, 0, r.stderr);
    assert.match(scraped, /artist_bio_gen_/);
    const done = /^artist_bio_gen_artists_done_total\S* (\d+)/m.exec(scraped);
    assert.ok(done && Number(done[1]) > 0 && Number(done[1]) < 40, `artists done mid-run: ${done?.[1]}`);
    assert.match(scraped, /^artist_bio_gen_daily_requests_remaining \d+/m);
    assert.match(scraped, /^artist_bio_gen_in_flight_requests \d+/m);
  } finally {
    time.stop();
    await slow.close();
  }
});
