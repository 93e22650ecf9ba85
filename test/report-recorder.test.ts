import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import { RunEmitter, type RunSummary } from '../src/core/events.js';
import type { Artist, ErrorRecord, OutputRecord } from '../src/core/types.js';
import { createRunRecorder, type RunReport } from '../src/report/index.js';
import { ResourceSampler } from '../src/report/resources.js';
import { fixedResources } from './support/resources.js';

const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const usage = { input_tokens: 100, output_tokens: 200, total_tokens: 300 };

function artist(n: number): Artist {
  return { id: String(1000 + n), name: `Artist ${n}`, data: undefined, line: n + 1 };
}

function outputRecord(a: Artist): OutputRecord {
  return {
    artist_id: a.id,
    artist_name: a.name,
    request: { variables: { artist_name: a.name, artist_data: 'No additional data provided' } },
    response_text: 'x'.repeat(80),
    response_id: `resp_${a.id}`,
    created: 0,
    model: 'gpt-test',
    usage,
    attempts: 1,
    duration_ms: 2000,
    db_status: null,
    error: null,
  };
}

function errorRecord(a: Artist, kind: string): ErrorRecord {
  return {
    artist_id: a.id,
    artist_name: a.name,
    error_class: 'ProviderError',
    error_kind: kind,
    status: 500,
    code: null,
    message: 'boom',
    request_id: null,
    attempts: 2,
    time: new Date(T0).toISOString(),
  };
}

function summary(clock: ManualClock, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    startTime: T0,
    endTime: clock.now(),
    outcome: 'completed',
    exitCode: 0,
    total: 10,
    alreadyDone: 0,
    succeeded: 10,
    failed: 0,
    notAttempted: 0,
    inputSkipped: 0,
    inputErrors: 0,
    requests: 10,
    retries: 0,
    retriesByKind: {},
    rateLimited: {},
    pauses: 0,
    pausedMs: 0,
    inputTokens: 1000,
    outputTokens: 2000,
    requestTimeMs: 10_000,
    peakRssBytes: 0,
    outputPath: 'out.jsonl',
    ...overrides,
  };
}

function start(events: RunEmitter, clock: ManualClock, threshold = 0.2, dailyLimit: number | undefined = 50): void {
  events.emit('run:start', {
    time: clock.now(),
    inputPath: 'artists.csv',
    outputPath: 'out.jsonl',
    maxWorkers: 4,
    total: 10,
    alreadyDone: 0,
    promptLabel: 'template default',
  });
  events.emit('quota:init', { dailyLimit, threshold, monitoring: true, usedToday: 0 });
}

function request(
  events: RunEmitter,
  a: Artist,
  done: { ok: boolean; status?: number; kind?: string; ms: number },
): void {
  events.emit('request:sent', { artist: a, worker: 1, attempt: 1 });
  events.emit('request:done', {
    artist: a,
    ok: done.ok,
    status: done.status,
    kind: done.kind,
    durationMs: done.ms,
    usage: done.ok ? usage : undefined,
  });
}

function retry(events: RunEmitter, a: Artist, kind: string, status: number): void {
  events.emit('request:retry', {
    artist: a,
    worker: 1,
    attempt: 1,
    delayMs: 1000,
    kind,
    status,
    code: undefined,
    message: 'retrying',
  });
}

/**
 * Ten artists over 120 s with one 60 s threshold pause: 8 succeed at once, one after a 429, one
 * fails after two 500s. 12 requests, 19.1 s of request time, 2 700 tokens.
 */
function phaseTwoRun(): { events: RunEmitter; clock: ManualClock; report: RunReport } {
  const clock = new ManualClock(T0);
  const events = new RunEmitter();
  const recorder = createRunRecorder(events, {
    clock,
    config: { maxWorkers: 4, quotaThreshold: 0.2 },
    resources: fixedResources(),
  });
  start(events, clock);
  for (let n = 0; n < 8; n++) {
    request(events, artist(n), { ok: true, status: 200, ms: 2000 });
    events.emit('artist:done', {
      artist: artist(n),
      worker: 1,
      index: n + 1,
      total: 10,
      record: outputRecord(artist(n)),
    });
    clock.advance(3000);
  }
  events.emit('quota:warning', { percent: 20, usedToday: 10, dailyLimit: 50 });
  events.emit('quota:paused', {
    reason: 'threshold',
    message: 'Daily quota 20.0% used (limit: 50)',
    usedToday: 10,
    dailyLimit: 50,
    resumeAt: clock.now() + 60_000,
  });
  clock.advance(60_000);
  events.emit('quota:resumed', { pausedMs: 60_000, reason: 'Auto-resume time reached' });
  request(events, artist(8), { ok: false, status: 429, kind: 'rate_limit', ms: 100 });
  retry(events, artist(8), 'rate_limit', 429);
  request(events, artist(8), { ok: true, status: 200, ms: 2000 });
  events.emit('artist:done', { artist: artist(8), worker: 1, index: 9, total: 10, record: outputRecord(artist(8)) });
  request(events, artist(9), { ok: false, status: 500, kind: 'server', ms: 500 });
  retry(events, artist(9), 'server', 500);
  request(events, artist(9), { ok: false, status: 500, kind: 'server', ms: 500 });
  events.emit('artist:failed', {
    artist: artist(9),
    worker: 1,
    index: 10,
    total: 10,
    record: errorRecord(artist(9), 'server'),
  });
  clock.set(T0 + 120_000);
  const report = recorder.finish(
    summary(clock, {
      succeeded: 9,
      failed: 1,
      requests: 12,
      retries: 2,
      retriesByKind: { rate_limit: 1, server: 1 },
      rateLimited: { rate_limit: 1 },
      pauses: 1,
      pausedMs: 60_000,
      inputTokens: 900,
      outputTokens: 1800,
      requestTimeMs: 19_100,
      exitCode: 4,
    }),
    { outputBytes: 9 * 1024 },
  );
  return { events, clock, report };
}

test('performance metrics count pauses, their total duration and the wall time', () => {
  const { report } = phaseTwoRun();
  assert.equal(report.performance.startTime, '2026-01-15T10:00:00.000Z');
  assert.equal(report.performance.endTime, '2026-01-15T10:02:00.000Z');
  assert.equal(report.performance.durationMs, 120_000);
  assert.equal(report.performance.pauses, 1);
  assert.deepEqual(report.performance.pausesByReason, { threshold: 1 });
  assert.equal(report.performance.totalPauseMs, 60_000);
  assert.equal(report.performance.averagePerArtistMs, 12_000);
  assert.deepEqual(report.notes, []);
});

test('performance analysis derives requests/min, tokens/min and effective parallelism from the events', () => {
  const { analysis } = phaseTwoRun().report;
  assert.equal(analysis.requests, 12);
  assert.equal(analysis.requestsPerMinute, 6);
  assert.equal(analysis.requestsPerMinuteActive, 12);
  assert.equal(analysis.inputTokens, 900);
  assert.equal(analysis.outputTokens, 1800);
  assert.equal(analysis.tokensPerMinute, 1350);
  assert.ok(Math.abs((analysis.effectiveParallelism ?? 0) - 19_100 / 120_000) < 1e-9);
  assert.equal(analysis.maxWorkers, 4);
  assert.equal(analysis.retries, 2);
  assert.deepEqual(analysis.retriesByKind, { rate_limit: 1, server: 1 });
  assert.deepEqual(analysis.rateLimitedByKind, { rate_limit: 1 });
  assert.equal(analysis.latencyMs?.count, 12);
  assert.equal(analysis.latencyMs?.max, 2000);
  const p50 = analysis.latencyMs?.p50 ?? 0;
  assert.ok(p50 > 1950 && p50 <= 2000, `p50 ${p50}`);
});

test('the "Metrics to Record" checks carry plan targets and pass/fail verdicts', () => {
  const { report } = phaseTwoRun();
  const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
  assert.equal(byId['success_rate']?.status, 'fail');
  assert.equal(byId['success_rate']?.value, 90);
  assert.equal(byId['avg_time_per_artist']?.status, 'fail');
  // 120 s of wall time minus the 60 s pause, over 10 artists: pauses are not slowness.
  assert.equal(byId['avg_time_per_artist']?.actual, '6.00s');
  assert.equal(byId['total_duration']?.status, 'pass');
  assert.equal(byId['total_duration']?.value, 1);
  assert.equal(byId['memory_peak']?.status, 'pass');
  assert.equal(byId['error_rate']?.status, 'fail');
  assert.equal(byId['error_rate']?.value, 10);
  assert.equal(byId['pause_accuracy']?.status, 'pass');
  assert.equal(byId['pause_accuracy']?.value, 0);
  assert.equal(report.verdict, 'fail');
  assert.deepEqual(report.pauseAccuracy, {
    thresholdPercent: 20,
    entries: [
      { time: '2026-01-15T10:00:24.000Z', usedToday: 10, dailyLimit: 50, usagePercent: 20, deviationPoints: 0 },
    ],
  });
});

test('resources include CPU, memory samples and storage implied per 10K artists', () => {
  const { resources, artists } = phaseTwoRun().report;
  assert.equal(artists.succeeded, 9);
  assert.deepEqual(artists.failedByKind, { server: 1 });
  assert.equal(resources.outputBytes, 9 * 1024);
  assert.equal(resources.bytesPerArtist, 1024);
  assert.ok(Math.abs((resources.storagePer10kArtistsMb ?? 0) - 10_000 / 1024) < 1e-9);
  assert.equal(resources.rssPeakMb, 100);
  assert.equal(resources.rssAverageMb, 100);
  assert.equal(resources.cpuAveragePercent, 25);
  assert.equal(resources.memorySamples, 2);
});

test('quota events are listed with their times in order', () => {
  const { quotaEvents } = phaseTwoRun().report;
  assert.deepEqual(
    quotaEvents.map((e) => [e.type, e.time, e.reason]),
    [
      ['warning', '2026-01-15T10:00:24.000Z', null],
      ['paused', '2026-01-15T10:00:24.000Z', 'threshold'],
      ['resumed', '2026-01-15T10:01:24.000Z', 'Auto-resume time reached'],
    ],
  );
  assert.equal(quotaEvents[1]?.resumeAt, '2026-01-15T10:01:24.000Z');
  assert.equal(quotaEvents[2]?.pausedMs, 60_000);
});

test('the memory check fails when the peak resident memory reaches the plan target of 500 MB', () => {
  const verdict = (rssMb: number): string | undefined => {
    const clock = new ManualClock(T0);
    const events = new RunEmitter();
    const recorder = createRunRecorder(events, { clock, config: {}, resources: fixedResources(rssMb) });
    start(events, clock, 0.8, undefined);
    request(events, artist(0), { ok: true, status: 200, ms: 900 });
    clock.advance(1000);
    const report = recorder.finish(summary(clock, { total: 1, succeeded: 1, requests: 1 }));
    return report.checks.find((c) => c.id === 'memory_peak')?.status;
  };
  assert.equal(verdict(499), 'pass');
  assert.equal(verdict(500), 'fail');
});

test('a fast clean run passes every measurable check and marks pause accuracy n/a', () => {
  const clock = new ManualClock(T0);
  const events = new RunEmitter();
  const recorder = createRunRecorder(events, { clock, config: {}, resources: fixedResources() });
  start(events, clock, 0.8, undefined);
  for (let n = 0; n < 4; n++) {
    request(events, artist(n), { ok: true, status: 200, ms: 900 });
    events.emit('artist:done', {
      artist: artist(n),
      worker: 1,
      index: n + 1,
      total: 4,
      record: outputRecord(artist(n)),
    });
    clock.advance(1000);
  }
  const report = recorder.finish(
    summary(clock, { total: 4, succeeded: 4, requests: 4, inputTokens: 400, outputTokens: 800, requestTimeMs: 3600 }),
  );
  assert.deepEqual(
    report.checks.map((c) => [c.id, c.status]),
    [
      ['success_rate', 'pass'],
      ['avg_time_per_artist', 'pass'],
      ['total_duration', 'pass'],
      ['memory_peak', 'pass'],
      ['error_rate', 'pass'],
      ['pause_accuracy', 'n/a'],
    ],
  );
  assert.equal(report.verdict, 'pass');
  assert.equal(report.stopReason, null);
  assert.equal(report.resources.outputBytes, null);
});

test('a threshold pause far from the configured threshold fails pause accuracy', () => {
  const clock = new ManualClock(T0);
  const events = new RunEmitter();
  const recorder = createRunRecorder(events, { clock, config: {}, resources: fixedResources() });
  start(events, clock, 0.5, 10);
  events.emit('quota:paused', { reason: 'threshold', message: 'x', usedToday: 7, dailyLimit: 10, resumeAt: T0 + 1000 });
  clock.advance(1000);
  events.emit('quota:resumed', { pausedMs: 1000, reason: 'Auto-resume time reached' });
  const report = recorder.finish(summary(clock, { succeeded: 0, total: 0, requests: 0, pauses: 1, pausedMs: 1000 }));
  const accuracy = report.checks.find((c) => c.id === 'pause_accuracy');
  assert.equal(accuracy?.status, 'fail');
  assert.ok(Math.abs((accuracy?.value ?? 0) - 20) < 1e-9);
  assert.match(accuracy?.actual ?? '', /70\.0% at pause vs 50\.0%/);
});

test('an interrupted run during a pause still gets a report that says so, counting the open pause', () => {
  const clock = new ManualClock(T0);
  const events = new RunEmitter();
  const recorder = createRunRecorder(events, { clock, config: {}, resources: fixedResources() });
  start(events, clock);
  request(events, artist(0), { ok: true, status: 200, ms: 1000 });
  events.emit('artist:done', { artist: artist(0), worker: 1, index: 1, total: 10, record: outputRecord(artist(0)) });
  events.emit('quota:paused', {
    reason: 'daily_limit',
    message: 'Daily quota 100.0% used (limit: 1)',
    usedToday: 1,
    dailyLimit: 1,
    resumeAt: T0 + 3_600_000,
  });
  clock.advance(30_000);
  events.emit('run:stopping', { reason: 'SIGINT', message: 'Interrupted by Ctrl+C', inFlight: 0 });
  const report = recorder.finish(
    summary(clock, { outcome: 'interrupted', exitCode: 130, succeeded: 1, notAttempted: 9, requests: 1, pauses: 1 }),
  );
  assert.equal(report.outcome, 'interrupted');
  assert.equal(report.exitCode, 130);
  assert.equal(report.stopReason, 'SIGINT: Interrupted by Ctrl+C');
  assert.equal(report.verdict, 'fail');
  assert.equal(report.performance.totalPauseMs, 30_000);
  // An interruption on purpose makes the success rate meaningless: n/a, not a failure.
  const success = report.checks.find((c) => c.id === 'success_rate');
  assert.equal(success?.actual, 'n/a (1/10, stopped early)');
  assert.equal(success?.status, 'n/a');
  assert.equal(report.checks.find((c) => c.id === 'total_duration')?.status, 'n/a');
  assert.equal(report.checks.find((c) => c.id === 'pause_accuracy')?.status, 'n/a');
});

test('figures fall back to the run summary when the recorder missed the run start', () => {
  const clock = new ManualClock(T0);
  const events = new RunEmitter();
  const recorder = createRunRecorder(events, { clock, config: {}, resources: fixedResources() });
  clock.advance(60_000);
  const report = recorder.finish(summary(clock, { requests: 30, pauses: 2, pausedMs: 5000, retries: 3 }));
  assert.equal(report.analysis.requests, 30);
  assert.equal(report.analysis.requestsPerMinute, 30);
  assert.equal(report.performance.pauses, 2);
  assert.equal(report.performance.totalPauseMs, 5000);
  assert.equal(report.analysis.retries, 3);
  assert.equal(report.notes.length, 1);
});

test('a disagreement between events and summary is written as a note', () => {
  const clock = new ManualClock(T0);
  const events = new RunEmitter();
  const recorder = createRunRecorder(events, { clock, config: {}, resources: fixedResources() });
  start(events, clock);
  request(events, artist(0), { ok: true, status: 200, ms: 1000 });
  events.emit('artist:done', { artist: artist(0), worker: 1, index: 1, total: 1, record: outputRecord(artist(0)) });
  clock.advance(1000);
  const report = recorder.finish(
    summary(clock, { total: 1, succeeded: 1, requests: 2, inputTokens: 100, outputTokens: 200 }),
  );
  assert.equal(report.analysis.requests, 1);
  assert.deepEqual(report.notes, ['Requests sent: events show 1, the run summary says 2.']);
});

test('after stop() the recorder ignores later events', () => {
  const clock = new ManualClock(T0);
  const events = new RunEmitter();
  const recorder = createRunRecorder(events, { clock, config: {}, resources: fixedResources() });
  start(events, clock);
  recorder.stop();
  request(events, artist(0), { ok: true, status: 200, ms: 1000 });
  clock.advance(1000);
  const report = recorder.finish(summary(clock, { requests: 0, inputTokens: 0, outputTokens: 0 }));
  assert.equal(report.analysis.requests, 0);
  assert.equal(report.analysis.latencyMs, null);
});

test('memory is sampled on the configured real-time interval until finish', async () => {
  const sampler = new ResourceSampler(10);
  // Timers run late on a busy machine: wait for the samples instead of counting them in a window.
  while (sampler.samples < 4) await delay(10);
  const figures = sampler.stop();
  assert.ok(
    figures.samples >= 5,
    `one sample at creation, three or more from the timer, one at stop: ${figures.samples}`,
  );
  await delay(60);
  assert.equal(sampler.samples, figures.samples, 'no sample after stop');
  assert.equal(sampler.stop().samples, figures.samples, 'stop returns the same figures again');
});

test('the recorder samples memory at creation and at finish, and not after', async () => {
  const clock = new ManualClock(T0);
  const recorder = createRunRecorder(new RunEmitter(), { clock, config: {}, sampleIntervalMs: 3_600_000 });
  const report = recorder.finish(summary(clock));
  assert.equal(report.resources.memorySamples, 2);
  await delay(30);
  assert.equal(recorder.finish(summary(clock)).resources.memorySamples, 2);
});
