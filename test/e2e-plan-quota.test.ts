/**
 * The acceptance plan's phase 5 (configuration boundaries, environment variables) and the
 * quota stops the plan cares about: `insufficient_quota` and the UTC day roll-over at the hard limit.
 * Runs that pause are held in this process on a manual clock, which the test moves past the pause.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import { artists, tempDir } from './support/cli.js';
import {
  assertOneLineEach,
  linesMatching,
  logTime,
  pausedAndSettled,
  planEnv,
  planFiles,
  readBios,
  readState,
  resumeTime,
  runPlan,
  startPlan,
  STORED_PROMPT,
} from './support/plan.js';

const FAST = ['--pause-duration', '0.1'];

const idsOf = (rows: { id: string }[]): string[] => rows.map((row) => row.id);

test('threshold 0.1 pauses very early: after ceil(0.1 × 25) = 3 requests', async () => {
  const sim = await startSimulator({});
  try {
    const rows = artists(8);
    const files = await planFiles(await tempDir(), rows);
    const r = startPlan(
      files,
      [...STORED_PROMPT, '--max-workers', '4', '--quota-threshold', '0.1', '--daily-limit', '25', ...FAST],
      planEnv(sim.url),
    );
    const paused = await pausedAndSettled(r, 3);
    assert.equal(sim.stats().requests, 3, 'requests before the pause');
    r.clock.set(resumeTime(paused));
    assert.equal(await r.done, 0, r.stderr.text);
    assertOneLineEach(await readBios(files.output), idsOf(rows));
    assert.match(paused, / WARNING: PAUSED: Daily quota 12\.0% used \(limit: 25\) - Will resume at /);
    assert.equal(resumeTime(paused) - logTime(paused), 360_000);
    assert.equal(sim.stats().requests, 8);
  } finally {
    await sim.close();
  }
});

test('threshold 1.0 never pauses early; with --on-daily-limit exit the run stops with exit 5 at exactly the limit', async () => {
  const sim = await startSimulator({});
  try {
    const rows = artists(15);
    const files = await planFiles(await tempDir(), rows);
    const r = await runPlan(
      files,
      [
        ...STORED_PROMPT,
        '--max-workers',
        '4',
        '--quota-threshold',
        '1.0',
        '--daily-limit',
        '10',
        '--on-daily-limit',
        'exit',
      ],
      { env: planEnv(sim.url) },
    );
    assert.equal(r.code, 5, r.stderr);
    assert.doesNotMatch(r.stderr, /PAUSED/);
    assert.match(r.stderr, /Daily request limit reached: 10\/10 requests used today/);
    assert.match(r.stderr, /--resume/);
    assert.equal(sim.stats().requests, 10);
    assert.equal((await readBios(files.output)).length, 10);
    assert.equal((await readState(files.state)).requestsToday, 10);
  } finally {
    await sim.close();
  }
});

test('daily limit 10 with the default threshold pauses after 8 requests, then finishes at exactly 10', async () => {
  const sim = await startSimulator({});
  try {
    const rows = artists(10);
    const files = await planFiles(await tempDir(), rows);
    const r = startPlan(
      files,
      [...STORED_PROMPT, '--max-workers', '4', '--daily-limit', '10', ...FAST],
      planEnv(sim.url),
    );
    const paused = await pausedAndSettled(r, 8);
    assert.equal(sim.stats().requests, 8, 'requests before the pause');
    r.clock.set(resumeTime(paused));
    assert.equal(await r.done, 0, r.stderr.text);
    assertOneLineEach(await readBios(files.output), idsOf(rows));
    assert.match(r.stderr.text, / INFO: QuotaMonitor initialized: daily_limit=10, threshold=0\.8\n/);
    assert.match(paused, / WARNING: PAUSED: Daily quota 80\.0% used \(limit: 10\) - Will resume at /);
    assert.equal(sim.stats().requests, 10);
    assert.equal((await readState(files.state)).requestsToday, 10);
  } finally {
    await sim.close();
  }
});

test('no daily limit: no pause and no quota warning, whatever the threshold', async () => {
  const sim = await startSimulator({});
  try {
    const rows = artists(30);
    const files = await planFiles(await tempDir(), rows);
    const r = await runPlan(
      files,
      [...STORED_PROMPT, '--max-workers', '4', '--quota-threshold', '0.2', '--quota-log-interval', '10', ...FAST],
      { env: planEnv(sim.url) },
    );
    assert.equal(r.code, 0, r.stderr);
    assertOneLineEach(await readBios(files.output), idsOf(rows));
    assert.match(r.stderr, / INFO: QuotaMonitor initialized: daily_limit=None, threshold=0\.2\n/);
    assert.doesNotMatch(r.stderr, /PAUSED|Quota usage at/);
    assert.equal(linesMatching(r.stderr, / INFO: Quota metrics: (10|20|30) requests used today/).length, 3);
    assert.equal(sim.stats().requests, 30);
    assert.equal((await readState(files.state)).requestsToday, 30);
  } finally {
    await sim.close();
  }
});

test('max-workers 1 processes strictly one artist at a time', async () => {
  const sim = await startSimulator({ latencyMs: 20 });
  try {
    const rows = artists(8);
    const files = await planFiles(await tempDir(), rows);
    const r = await runPlan(files, [...STORED_PROMPT, '--max-workers', '1'], { env: planEnv(sim.url) });
    assert.equal(r.code, 0, r.stderr);
    assertOneLineEach(await readBios(files.output), idsOf(rows));
    assert.equal(sim.stats().peakInFlight, 1);
    for (const line of linesMatching(r.stderr, / Processed artist /)) assert.match(line, /\[W01\]/);
  } finally {
    await sim.close();
  }
});

test('max-workers 16 runs many requests at once, never more than 16, and finishes every artist', async () => {
  const sim = await startSimulator({ latencyMs: 80, latencyJitterMs: 20 });
  try {
    const rows = artists(64);
    const files = await planFiles(await tempDir(), rows);
    const r = await runPlan(files, [...STORED_PROMPT, '--max-workers', '16'], { env: planEnv(sim.url) });
    assert.equal(r.code, 0, r.stderr);
    assertOneLineEach(await readBios(files.output), idsOf(rows));
    const { peakInFlight, requests } = sim.stats();
    assert.ok(peakInFlight <= 16, `peak in flight ${peakInFlight}`);
    assert.ok(peakInFlight >= 8, `peak in flight ${peakInFlight}: the workers should overlap`);
    assert.equal(requests, 64);
  } finally {
    await sim.close();
  }
});

const PLAN_ENV = {
  QUOTA_MONITORING: 'true',
  QUOTA_THRESHOLD: '0.7',
  DAILY_REQUEST_LIMIT: '200',
  PAUSE_DURATION_HOURS: '0.5',
  QUOTA_LOG_INTERVAL: '10',
};

test('5.2: the quota environment variables are honoured', async () => {
  const sim = await startSimulator({});
  try {
    const rows = artists(20);
    const files = await planFiles(await tempDir(), rows, 'output/test_env_vars.jsonl');
    const r = await runPlan(files, [...STORED_PROMPT], { env: planEnv(sim.url, PLAN_ENV) });
    assert.equal(r.code, 0, r.stderr);
    assertOneLineEach(await readBios(files.output), idsOf(rows));
    assert.match(r.stderr, / INFO: QuotaMonitor initialized: daily_limit=200, threshold=0\.7\n/);
    assert.deepEqual(
      linesMatching(r.stderr, / INFO: Quota metrics: /).map((line) => line.slice(line.indexOf('Quota'))),
      [
        'Quota metrics: 10 requests used today (5.0% of daily limit)',
        'Quota metrics: 20 requests used today (10.0% of daily limit)',
      ],
    );

    // PAUSE_DURATION_HOURS shows in the pause it sets: stop at the first PAUSED line and read it.
    const paused = await planFiles(await tempDir(), artists(12));
    const p = startPlan(
      paused,
      [...STORED_PROMPT, '--max-workers', '2'],
      planEnv(sim.url, { ...PLAN_ENV, DAILY_REQUEST_LIMIT: '10', QUOTA_THRESHOLD: '0.5' }),
    );
    void p.stderr.line(/ PAUSED: /).then(() => p.signals.emit('SIGINT'));
    assert.equal(await p.done, 130, p.stderr.text);
    const line = p.stderr.matching(/ WARNING: PAUSED: Daily quota 50\.0% used \(limit: 10\)/)[0] ?? '';
    assert.equal(resumeTime(line) - logTime(line), 1_800_000, 'PAUSE_DURATION_HOURS=0.5 pauses for 30 minutes');
  } finally {
    await sim.close();
  }
});

test('5.2: command-line flags override the environment, and unset settings take their defaults', async () => {
  const sim = await startSimulator({});
  try {
    const files = await planFiles(await tempDir(), artists(30));
    const r = startPlan(
      files,
      [
        ...STORED_PROMPT,
        '--max-workers',
        '2',
        '--quota-threshold',
        '0.25',
        '--daily-limit',
        '40',
        '--pause-duration',
        '0.1',
        '--quota-log-interval',
        '4',
      ],
      planEnv(sim.url, PLAN_ENV),
    );
    void r.stderr.line(/ PAUSED: /).then(() => r.signals.emit('SIGINT'));
    assert.equal(await r.done, 130, r.stderr.text);
    assert.match(r.stderr.text, / INFO: QuotaMonitor initialized: daily_limit=40, threshold=0\.25\n/);
    const line = r.stderr.matching(/ WARNING: PAUSED: Daily quota 25\.0% used \(limit: 40\)/)[0] ?? '';
    assert.equal(resumeTime(line) - logTime(line), 360_000, '--pause-duration 0.1 pauses for 6 minutes');
    assert.match(r.stderr.text, / INFO: Quota metrics: 4 requests used today \(10\.0% of daily limit\)\n/);
    // Ctrl+C came right at the pause: the 10th request may or may not have left. One that did
    // not is cancelled and given back, so the count always matches what the provider received.
    const state = await readState(files.state);
    assert.ok(sim.stats().requests >= 9 && sim.stats().requests <= 10, `${sim.stats().requests} requests`);
    assert.equal(state.requestsToday, sim.stats().requests);
    assert.equal(state.pause?.reason, 'threshold');

    sim.reset();
    const defaults = await planFiles(await tempDir(), artists(20));
    const d = await runPlan(defaults, [...STORED_PROMPT], { env: planEnv(sim.url) });
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stderr, / INFO: QuotaMonitor initialized: daily_limit=None, threshold=0\.8\n/);
    // The default interval is 100 requests: 20 requests log no metrics line.
    assert.doesNotMatch(d.stderr, /Quota metrics/);
    assert.match(d.stderr, / INFO: Starting run: .*, auto concurrency \(up to 1024 in flight\), /);
  } finally {
    await sim.close();
  }
});

test('insufficient_quota after 25 requests: exit 5 naming --resume, every result kept, and --resume finishes the rest', async () => {
  const broke = await startSimulator({ insufficientQuotaAfter: 25, latencyMs: 10 });
  const healthy = await startSimulator({ latencyMs: 10 });
  try {
    const rows = artists(40);
    const files = await planFiles(await tempDir(), rows);
    const args = [...STORED_PROMPT, '--max-workers', '4'];
    const first = await runPlan(files, args, { env: planEnv(broke.url) });
    assert.equal(first.code, 5, first.stderr);
    assert.match(first.stderr, / ERROR: .*insufficient_quota|insufficient_quota.*\n.* ERROR: /);
    assert.match(first.stderr, /--resume/);
    const kept = await readBios(files.output);
    const succeeded = Object.entries(broke.stats().successesPerArtist);
    assert.equal(succeeded.length, 25);
    assert.deepEqual(kept.map((line) => line.artist_id).sort(), succeeded.map(([id]) => id).sort());
    // Stopped promptly: no more than the workers in flight were sent after the first refusal.
    assert.ok(broke.stats().requests <= 25 + 4, `${broke.stats().requests} requests`);

    const second = await runPlan(files, [...args, '--resume'], { env: planEnv(healthy.url) });
    assert.equal(second.code, 0, second.stderr);
    assertOneLineEach(await readBios(files.output), idsOf(rows));
    const done = new Set(kept.map((line) => line.artist_id));
    const again = healthy.stats();
    assert.equal(again.requests, 15);
    for (const row of rows) assert.equal(again.successesPerArtist[row.id], done.has(row.id) ? undefined : 1, row.id);
  } finally {
    await broke.close();
    await healthy.close();
  }
});

test('at the hard limit the run waits for the next UTC day, resumes on the new day and finishes', async () => {
  const sim = await startSimulator({});
  try {
    const rows = artists(15);
    const files = await planFiles(await tempDir(), rows);
    // 90 seconds before midnight; the clock stands still until the test moves it to the new day.
    const r = startPlan(
      files,
      ['--max-workers', '4', '--quota-threshold', '1.0', '--daily-limit', '10'],
      planEnv(sim.url),
      '2026-11-28T23:58:30Z',
    );
    const paused = await pausedAndSettled(r, 10);
    assert.equal(sim.stats().requests, 10, 'requests on the first day');
    assert.equal((await readState(files.state)).requestsToday, 10);
    r.clock.set(resumeTime(paused));
    assert.equal(await r.done, 0, r.stderr.text);
    const stderr = r.stderr.text;
    assertOneLineEach(await readBios(files.output), idsOf(rows));
    assert.match(
      stderr,
      / WARNING: PAUSED: Daily quota 100\.0% used \(limit: 10\) - Will resume at 2026-11-29T00:00:00\.000Z \[daily limit reached/,
    );
    assert.match(stderr, /Daily request limit reached \(10\/10 requests today\)\. Waiting for the next UTC day/);
    assert.match(stderr, / INFO: RESUMED: /);
    const midnight = Date.parse('2026-11-29T00:00:00Z');
    const processed = linesMatching(stderr, / Processed artist \d+\/15: /);
    assert.equal(processed.length, 15);
    assert.ok(
      processed.slice(0, 10).every((line) => logTime(line) < midnight),
      'ten done on the first day',
    );
    assert.ok(
      processed.slice(10).every((line) => logTime(line) >= midnight),
      'five done on the next day',
    );
    assert.equal(sim.stats().requests, 15);
    const state = await readState(files.state);
    assert.equal(state.day, '2026-11-29');
    assert.equal(state.requestsToday, 5);
  } finally {
    await sim.close();
  }
});
