import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../src/core/errors.js';
import { RunEmitter } from '../src/core/events.js';
import type { GateSnapshot } from '../src/core/gate.js';
import type { Artist, ErrorRecord, OutputRecord } from '../src/core/types.js';
import { createRunMetrics, startMetricsServer } from '../src/telemetry/metrics.js';

const a: Artist = { id: '1', name: 'One', data: undefined, line: 2 };
const usage = { input_tokens: 100, output_tokens: 250, total_tokens: 350 };
const record = { artist_id: '1', artist_name: 'One' } as OutputRecord;
const failure = { artist_id: '2', artist_name: 'Two', error_kind: 'bad_request' } as ErrorRecord;

type Snapshot = GateSnapshot & { inFlight: number };

function emitSome(events: RunEmitter): void {
  for (const ms of [400, 1500]) {
    events.emit('request:sent', { artist: a, worker: 1, attempt: 1 });
    events.emit('request:done', { artist: a, ok: true, status: 200, kind: undefined, durationMs: ms, usage });
    events.emit('artist:done', { artist: a, worker: 1, index: 1, total: 3, record });
  }
  events.emit('request:sent', { artist: a, worker: 2, attempt: 1 });
  events.emit('request:done', {
    artist: a,
    ok: false,
    status: 429,
    kind: 'rate_limit',
    durationMs: 30,
    usage: undefined,
  });
  events.emit('request:retry', {
    artist: a,
    worker: 2,
    attempt: 1,
    delayMs: 1000,
    kind: 'rate_limit',
    status: 429,
    code: 'rate_limit_exceeded',
    message: 'Rate limit',
  });
  events.emit('request:done', {
    artist: a,
    ok: false,
    status: undefined,
    kind: 'timeout',
    durationMs: 120_000,
    usage: undefined,
  });
  events.emit('artist:failed', { artist: a, worker: 2, index: 2, total: 3, record: failure });
  events.emit('quota:paused', { reason: 'threshold', message: 'x', usedToday: 40, dailyLimit: 50, resumeAt: 0 });
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return response.text();
}

function valueOf(text: string, series: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${series} `));
  return found === undefined ? undefined : Number(found.slice(series.length + 1));
}

test('/metrics exposes run counters, gate gauges and the latency histogram after events', async () => {
  const events = new RunEmitter();
  let snap: Snapshot = {
    usedToday: 12,
    dailyLimit: 50,
    pausedUntil: undefined,
    requestsRemaining: 4990,
    tokensRemaining: undefined,
    inFlight: 3,
  };
  const server = await startMetricsServer({ port: 0, events, snapshot: () => snap });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    emitSome(events);
    let text = await scrape(server.url);
    const expected: Record<string, number> = {
      artist_bio_gen_artists_done_total: 2,
      'artist_bio_gen_artists_failed_total{kind="bad_request"}': 1,
      artist_bio_gen_requests_sent_total: 3,
      'artist_bio_gen_requests_total{status="200",result="ok"}': 2,
      'artist_bio_gen_requests_total{status="429",result="error"}': 1,
      'artist_bio_gen_requests_total{status="none",result="error"}': 1,
      'artist_bio_gen_rate_limited_total{kind="rate_limit"}': 1,
      'artist_bio_gen_retries_total{kind="rate_limit"}': 1,
      'artist_bio_gen_pauses_total{reason="threshold"}': 1,
      'artist_bio_gen_tokens_total{type="input"}': 200,
      'artist_bio_gen_tokens_total{type="output"}': 500,
      'artist_bio_gen_request_duration_seconds_count{result="ok"}': 2,
      'artist_bio_gen_request_duration_seconds_sum{result="ok"}': 1.9,
      'artist_bio_gen_request_duration_seconds_bucket{le="0.5",result="ok"}': 1,
      'artist_bio_gen_request_duration_seconds_bucket{le="2",result="ok"}': 2,
      artist_bio_gen_in_flight_requests: 3,
      artist_bio_gen_paused: 0,
      artist_bio_gen_daily_requests_used: 12,
      artist_bio_gen_daily_requests_limit: 50,
      artist_bio_gen_daily_requests_remaining: 38,
      artist_bio_gen_window_requests_remaining: 4990,
    };
    for (const [series, value] of Object.entries(expected)) {
      assert.equal(valueOf(text, series), value, series);
    }
    assert.ok((valueOf(text, 'artist_bio_gen_resident_memory_bytes') ?? 0) > 1024 * 1024);
    // Unknown values are absent, not zero.
    assert.equal(valueOf(text, 'artist_bio_gen_window_tokens_remaining'), undefined);
    assert.equal(valueOf(text, 'artist_bio_gen_paused_until_seconds'), undefined);

    snap = { ...snap, pausedUntil: 1_800_000_000_000, dailyLimit: undefined, tokensRemaining: 12_345, inFlight: 0 };
    text = await scrape(server.url);
    assert.equal(valueOf(text, 'artist_bio_gen_paused'), 1);
    assert.equal(valueOf(text, 'artist_bio_gen_paused_until_seconds'), 1_800_000_000);
    assert.equal(valueOf(text, 'artist_bio_gen_daily_requests_remaining'), undefined);
    assert.equal(valueOf(text, 'artist_bio_gen_window_tokens_remaining'), 12_345);
    assert.equal(valueOf(text, 'artist_bio_gen_in_flight_requests'), 0);
  } finally {
    await server.close();
  }
});

test('other paths answer 404 and other methods 405', async () => {
  const events = new RunEmitter();
  const snapshot = (): Snapshot => ({
    usedToday: 0,
    dailyLimit: undefined,
    pausedUntil: undefined,
    requestsRemaining: undefined,
    tokensRemaining: undefined,
    inFlight: 0,
  });
  const server = await startMetricsServer({ port: 0, events, snapshot });
  try {
    assert.equal((await fetch(server.url.replace('/metrics', '/'))).status, 404);
    assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});

test('each server has its own registry and stops counting after close', async () => {
  const snapshot = (): Snapshot => ({
    usedToday: 0,
    dailyLimit: undefined,
    pausedUntil: undefined,
    requestsRemaining: undefined,
    tokensRemaining: undefined,
    inFlight: 0,
  });
  const first = new RunEmitter();
  const second = new RunEmitter();
  const one = await startMetricsServer({ port: 0, events: first, snapshot });
  const two = await startMetricsServer({ port: 0, events: second, snapshot });
  try {
    emitSome(first);
    assert.equal(valueOf(await scrape(one.url), 'artist_bio_gen_artists_done_total'), 2);
    assert.equal(valueOf(await scrape(two.url), 'artist_bio_gen_artists_done_total'), 0);
  } finally {
    await one.close();
    await one.close();
    await two.close();
  }
  await assert.rejects(fetch(one.url));
});

test('detached metrics ignore later events', async () => {
  const events = new RunEmitter();
  const { registry, detach } = createRunMetrics(events, () => ({
    usedToday: 0,
    dailyLimit: undefined,
    pausedUntil: undefined,
    requestsRemaining: undefined,
    tokensRemaining: undefined,
    inFlight: 0,
  }));
  emitSome(events);
  detach();
  emitSome(events);
  const text = await registry.metrics();
  assert.equal(valueOf(text, 'artist_bio_gen_artists_done_total'), 2);
  assert.equal(valueOf(text, 'artist_bio_gen_requests_sent_total'), 3);
});

test('a port already in use rejects with a UsageError', async () => {
  const snapshot = (): Snapshot => ({
    usedToday: 0,
    dailyLimit: undefined,
    pausedUntil: undefined,
    requestsRemaining: undefined,
    tokensRemaining: undefined,
    inFlight: 0,
  });
  const taken = await startMetricsServer({ port: 0, events: new RunEmitter(), snapshot });
  try {
    const port = Number(new URL(taken.url).port);
    await assert.rejects(startMetricsServer({ port, events: new RunEmitter(), snapshot }), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      return true;
    });
  } finally {
    await taken.close();
  }
});
