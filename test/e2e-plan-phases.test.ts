/**
 * The user's acceptance plan (seed/small_batch_test_plan.md), phases 1 to 4, run as written
 * against the real CLI and an in-process simulator.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSimulator } from '../src/simulator/index.js';
import { artists, tempDir } from './support/cli.js';
import {
  assertOneLineEach,
  fastClock,
  linesMatching,
  logTime,
  longestGap,
  onFirst,
  pause,
  planEnv,
  planFiles,
  readBios,
  readState,
  resumeTime,
  runPlan,
  STORED_PROMPT,
} from './support/plan.js';

// The plan's own figures: "Parsed quota status: X/5000 requests, Y/4000000 tokens".
const PLAN_LIMITS = { rpm: 5000, tpm: 4_000_000 } as const;
const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR): \S/;
const NODE_WARNING = /\(node:\d+\) \w*Warning|MaxListenersExceeded/;

test('phase 1: 10 artists with 2 workers log the plan lines and write 10 valid unique lines', async () => {
  const sim = await startSimulator(PLAN_LIMITS);
  try {
    const rows = artists(10);
    const files = await planFiles(await tempDir(), rows, 'output/test_phase1.jsonl');
    const r = await runPlan(
      files,
      [
        ...STORED_PROMPT,
        '--max-workers',
        '2',
        '--quota-monitoring',
        '--quota-threshold',
        '0.8',
        '--daily-limit',
        '1000',
        '--verbose',
        '--quota-log-interval',
        '5',
      ],
      { env: planEnv(sim.url) },
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = await readBios(files.output);
    assertOneLineEach(
      lines,
      rows.map((row) => row.id),
    );
    for (const line of lines) assert.equal(line.request.prompt_id, 'pmpt_test');

    const log = r.stderr.split('\n').filter((line) => line !== '');
    for (const line of log) assert.match(line, LOG_LINE);
    assert.equal(
      linesMatching(r.stderr, / INFO: QuotaMonitor initialized: daily_limit=1000, threshold=0\.8$/).length,
      1,
    );
    const parsed = linesMatching(
      r.stderr,
      / DEBUG: Parsed quota status: \d+\/5000 requests, \d+\/4000000 tokens remaining$/,
    );
    assert.equal(parsed.length, 10, 'one parsed status per response');
    assert.equal(linesMatching(r.stderr, / INFO: \[W0[12]\] Processed artist 1\/10: "Artist \d+"$/).length, 1);
    const processed = linesMatching(r.stderr, / INFO: \[W\d\d\] Processed artist \d+\/10: "/);
    assert.deepEqual(
      processed.map((line) => Number(/artist (\d+)\//.exec(line)?.[1])),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    for (const line of processed) assert.match(line, /\[W0[12]\]/, 'only the two workers process artists');
    assert.deepEqual(
      linesMatching(r.stderr, / INFO: Quota metrics: /).map((line) => line.slice(line.indexOf('INFO:'))),
      [
        'INFO: Quota metrics: 5 requests used today (0.5% of daily limit)',
        'INFO: Quota metrics: 10 requests used today (1.0% of daily limit)',
      ],
    );
    assert.deepEqual(linesMatching(r.stderr, / ERROR: /), [], 'no errors');
    // The only warning is the stored-prompt deprecation notice.
    assert.deepEqual(
      linesMatching(r.stderr, / WARNING: /).filter((line) => !/stored prompt/.test(line)),
      [],
    );
    const stats = sim.stats();
    assert.equal(stats.requests, 10);
    assert.ok(stats.peakInFlight <= 2, `peak in flight ${stats.peakInFlight}`);
    assert.equal((await readState(files.state)).requestsToday, 10);
  } finally {
    await sim.close();
  }
});

test('phase 1 with the built-in template instead of a stored prompt gives the same result', async () => {
  const sim = await startSimulator(PLAN_LIMITS);
  try {
    const rows = artists(10);
    const files = await planFiles(await tempDir(), rows);
    const r = await runPlan(
      files,
      ['--max-workers', '2', '--quota-monitoring', '--quota-threshold', '0.8', '--daily-limit', '1000', '--verbose'],
      { env: planEnv(sim.url) },
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = await readBios(files.output);
    assertOneLineEach(
      lines,
      rows.map((row) => row.id),
    );
    for (const line of lines) {
      assert.equal(line.request.prompt_id, undefined);
      assert.equal(typeof line.request.model, 'string');
    }
    assert.match(r.stderr, / INFO: QuotaMonitor initialized: daily_limit=1000, threshold=0\.8\n/);
    assert.doesNotMatch(r.stderr, /stored prompt/i);
    assert.equal(sim.stats().requests, 10);
  } finally {
    await sim.close();
  }
});

test('phase 2: with limit 50 and threshold 0.2, exactly 10 requests go out, none during the pause, then all 30 finish', async () => {
  const scale = 360; // --pause-duration 0.1 = 6 tool minutes = 1 real second
  const pauseRealMs = (0.1 * 3_600_000) / scale;
  const sim = await startSimulator({});
  try {
    const rows = artists(30);
    const files = await planFiles(await tempDir(), rows, 'output/test_phase2.jsonl');
    let requestsSoonAfterPause: number | undefined;
    const checks: Promise<void>[] = [];
    const r = await runPlan(
      files,
      [
        ...STORED_PROMPT,
        '--max-workers',
        '4',
        '--quota-monitoring',
        '--quota-threshold',
        '0.2',
        '--daily-limit',
        '50',
        '--pause-duration',
        '0.1',
        '--verbose',
        '--request-timeout',
        '3600',
      ],
      {
        env: planEnv(sim.url, fastClock(scale)),
        onStderrLine: onFirst(/ PAUSED: /, () => {
          // Requests admitted before the pause may still be on their way; well before the pause
          // ends, the simulator must have seen exactly 10.
          checks.push(
            pause(pauseRealMs * 0.4).then(() => {
              requestsSoonAfterPause = sim.stats().requests;
            }),
          );
        }),
      },
    );
    await Promise.all(checks);
    assert.equal(r.code, 0, r.stderr);
    assertOneLineEach(
      await readBios(files.output),
      rows.map((row) => row.id),
    );
    assert.equal(requestsSoonAfterPause, 10, 'requests seen by the simulator during the pause');

    const paused = linesMatching(r.stderr, / WARNING: PAUSED: /);
    assert.equal(paused.length, 1, r.stderr);
    const pausedLine = paused[0] ?? '';
    assert.match(
      pausedLine,
      / WARNING: PAUSED: Daily quota 20\.0% used \(limit: 50\) - Will resume at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    );
    const pausedFor = resumeTime(pausedLine) - logTime(pausedLine);
    assert.ok(Math.abs(pausedFor - 360_000) <= 5_000, `pause of ${pausedFor} ms, expected 6 minutes`);
    const resumed = linesMatching(r.stderr, / INFO: RESUMED: Auto-resume time reached/);
    assert.equal(resumed.length, 1, r.stderr);
    assert.ok(logTime(resumed[0] ?? '') >= resumeTime(pausedLine), 'resumed no earlier than announced');
    assert.match(r.stderr, / WARNING: Quota usage at 20% \(10\/50 requests\)\n/);
    assert.match(r.stderr, / WARNING: Quota usage at 60% \(30\/50 requests\)\n/);
    assert.ok(r.stderr.indexOf('Quota usage at 20%') < r.stderr.indexOf('PAUSED: '), 'the warning comes first');

    const stats = sim.stats();
    assert.equal(stats.requests, 30);
    const gap = longestGap(stats.timeline);
    assert.equal(gap.before, 10, 'the quiet time falls after the 10th request');
    assert.ok(gap.gapMs >= pauseRealMs * 0.8, `quiet for ${gap.gapMs} ms, pause is ${pauseRealMs} ms`);

    const state = await readState(files.state);
    assert.equal(state.day, '2026-06-01');
    assert.equal(state.requestsToday, 30);
    assert.equal(state.thresholdPauseDay, '2026-06-01');
    assert.equal(state.pause, null);
  } finally {
    await sim.close();
  }
});

test('phase 3: 100 artists, 8 workers, limit 500 and --resume on a fresh output give 100 unique lines', async () => {
  const sim = await startSimulator({ ...PLAN_LIMITS, latencyMs: 15, latencyJitterMs: 10 });
  try {
    const rows = artists(100, (i) => (i % 4 === 0 ? `Beyoncé & "The ${i}s", Ltd.` : `Artist ${i}`));
    const files = await planFiles(await tempDir(), rows, 'output/test_phase3.jsonl');
    const r = await runPlan(
      files,
      [
        ...STORED_PROMPT,
        '--max-workers',
        '8',
        '--quota-monitoring',
        '--quota-threshold',
        '0.8',
        '--daily-limit',
        '500',
        '--verbose',
        '--resume',
      ],
      { env: planEnv(sim.url) },
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = await readBios(files.output);
    assertOneLineEach(
      lines,
      rows.map((row) => row.id),
    );
    const byId = new Map(rows.map((row) => [row.id, row.name]));
    for (const line of lines) assert.equal(line.artist_name, byId.get(line.artist_id));
    assert.equal(linesMatching(r.stderr, / INFO: \[W0[1-8]\] Processed artist \d+\/100: "/).length, 100);
    // Plan 3.2: progress is reported as the batch advances (every 10 % without a TTY).
    const progress = linesMatching(r.stderr, / INFO: Progress: \d+\/100 artists/);
    assert.ok(progress.length >= 10, `${progress.length} progress lines`);
    assert.match(progress.at(-1) ?? '', /Progress: 100\/100 artists \(100\.0%\)/);
    assert.deepEqual(
      linesMatching(r.stderr, / (ERROR|WARNING): /).filter((line) => !/stored prompt/.test(line)),
      [],
    );
    // "Memory usage remains stable": nothing may pile up per request (Node warns about leaks).
    assert.doesNotMatch(r.stderr, NODE_WARNING);
    assert.equal(sim.stats().requests, 100);
    assert.equal((await readState(files.state)).requestsToday, 100);
  } finally {
    await sim.close();
  }
});

test('phase 4.1: Ctrl+C at about 50 exits 130; --resume finishes all 100 without requesting a written artist again', async () => {
  const sim = await startSimulator({ ...PLAN_LIMITS, latencyMs: 25, latencyJitterMs: 20, seed: 5 });
  try {
    const rows = artists(100);
    const files = await planFiles(await tempDir(), rows, 'output/test_phase4.jsonl');
    const first = await runPlan(
      files,
      [...STORED_PROMPT, '--max-workers', '8', '--quota-monitoring', '--quota-threshold', '0.8', '--verbose'],
      {
        env: planEnv(sim.url),
        onStderrLine: onFirst(/ Processed artist 50\/100: /, (_line, child) => child.kill('SIGINT')),
      },
    );
    assert.equal(first.code, 130, first.stderr);
    assert.match(first.stderr, /--resume/);
    const firstLines = await readBios(files.output);
    assert.ok(firstLines.length >= 50 && firstLines.length < 100, `${firstLines.length} lines after Ctrl+C`);
    assert.equal(new Set(firstLines.map((line) => line.artist_id)).size, firstLines.length);
    const afterFirst = sim.stats();
    const stateAfterFirst = await readState(files.state);
    // Counted before sending; one admitted just as Ctrl+C arrived may be counted and not sent.
    assert.ok(
      stateAfterFirst.requestsToday >= afterFirst.requests && stateAfterFirst.requestsToday <= afterFirst.requests + 8,
      `state ${stateAfterFirst.requestsToday}, simulator ${afterFirst.requests}`,
    );

    // The plan's resume command, as written.
    const second = await runPlan(files, [...STORED_PROMPT, '--max-workers', '8', '--quota-monitoring', '--resume'], {
      env: planEnv(sim.url),
    });
    assert.equal(second.code, 0, second.stderr);
    assertOneLineEach(
      await readBios(files.output),
      rows.map((row) => row.id),
    );
    assert.match(second.stderr, new RegExp(` INFO: Resume: ${firstLines.length} artists already done`));
    assert.match(
      second.stderr,
      new RegExp(` INFO: Quota state restored: ${stateAfterFirst.requestsToday} requests already used today\\n`),
    );

    const total = sim.stats();
    for (const row of rows) assert.equal(total.successesPerArtist[row.id], 1, `successes of ${row.id}`);
    for (const line of firstLines) {
      assert.equal(
        total.requestsPerArtist[line.artist_id],
        afterFirst.requestsPerArtist[line.artist_id],
        `${line.artist_id} was written by the first run and must not be requested again`,
      );
    }
    const stateAfterSecond = await readState(files.state);
    assert.equal(
      stateAfterSecond.requestsToday,
      stateAfterFirst.requestsToday + (total.requests - afterFirst.requests),
    );
  } finally {
    await sim.close();
  }
});

test('phase 4.2: 20 workers against a 600 rpm key absorb the 429s; every artist succeeds and no retry is early', async () => {
  // 600 rpm rather than the plan's "very high concurrency" against a real key: low enough that 20
  // workers would overrun it, high enough to keep the test short. Every fifth artist carries a
  // scripted 429 on its first attempt, so rate limiting is certain to be exercised.
  const sim = await startSimulator({ rpm: 600, burstRequests: 5, tpm: 4_000_000, scriptedRetryAfterMs: 250 });
  try {
    const rows = artists(30, (i) => (i % 5 === 0 ? `Artist ${i} FAIL429x1` : `Artist ${i}`));
    const files = await planFiles(await tempDir(), rows);
    const r = await runPlan(files, [...STORED_PROMPT, '--max-workers', '20', '--quota-monitoring', '--verbose'], {
      env: planEnv(sim.url),
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = await readBios(files.output);
    assertOneLineEach(
      lines,
      rows.map((row) => row.id),
    );
    const stats = sim.stats();
    assert.ok(stats.rateLimited >= 6, `${stats.rateLimited} 429s`);
    assert.equal(stats.earlyRetries, 0, 'no request was sent before its retry-after');
    for (const row of rows) assert.equal(stats.successesPerArtist[row.id], 1);
    const hits = linesMatching(r.stderr, / WARNING: Rate limit hit \(429 rate_limit_exceeded\): retrying in \d+\.\ds/);
    assert.equal(hits.length, stats.rateLimited, 'one "Rate limit hit" line per 429');
    const retried = lines.filter((line) => line.attempts > 1).map((line) => line.artist_id);
    for (const row of rows.filter((_, k) => (k + 1) % 5 === 0)) assert.ok(retried.includes(row.id), row.id);
  } finally {
    await sim.close();
  }
});
