import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompletionRate, jobProgress, type BatchPart } from '../src/batch/index.js';
import { ManualClock } from '../src/core/clock.js';
import { RunEmitter, type BatchStatus } from '../src/core/events.js';
import type { OutputRecord } from '../src/core/types.js';
import { billingLines, observeBilling } from '../src/report/billing.js';
import { formatUsd } from '../src/cost/index.js';
import { createLogger, startProgress } from '../src/telemetry/index.js';
import { trackDashboard } from '../src/dashboard/state.js';

const MINUTE = 60_000;

function part(name: string, ids: number, status: BatchPart['status'], batchId: string | null): BatchPart {
  return {
    name,
    customIds: Array.from({ length: ids }, (_, i) => `${name}-${i}`),
    attempt: 1,
    estimatedTokens: 0,
    inputFileId: null,
    batchId,
    batchIds: batchId === null ? [] : [batchId],
    status,
    refusals: 0,
    endStatus: null,
    succeeded: 0,
    failed: 0,
    resubmitted: 0,
  };
}

function seen(batchId: string, completed: number, failed: number, total: number): [string, BatchStatus] {
  return [batchId, { batchId, part: 'p', status: 'in_progress', completed, failed, total }];
}

test('job progress sums collected parts whole, batches in flight by their last counts, planned parts as nothing', () => {
  const parts = [part('a', 100, 'done', 'b1'), part('b', 100, 'submitted', 'b2'), part('c', 50, 'planned', null)];
  const figures = jobProgress(parts, new Map([seen('b2', 30, 5, 100)]));
  assert.deepEqual(figures, { partsTotal: 3, partsDone: 1, inFlight: 1, requestsTotal: 250, requestsFinished: 135 });
});

test('batch ETA follows the completion rate observed in this run, not what finished before it', () => {
  const rate = new CompletionRate();
  // A resumed job: 100 of 400 requests were finished before this run began.
  assert.equal(rate.etaMs(0, 100, 400), undefined, 'no rate from a single figure');
  assert.equal(rate.etaMs(MINUTE, 100, 400), undefined, 'no rate while nothing finished');
  // 50 requests in 2 minutes: 250 left take 10 minutes.
  assert.equal(rate.etaMs(2 * MINUTE, 150, 400), 10 * MINUTE);
  assert.equal(rate.etaMs(4 * MINUTE, 400, 400), 0);
});

test('the progress display prints one batch line per 10 % of the job, with batches in flight and the ETA', () => {
  const clock = new ManualClock(Date.parse('2026-12-01T10:00:00Z'));
  const events = new RunEmitter();
  const lines: string[] = [];
  const logger = createLogger({ clock, console: { writeLine: (l) => lines.push(l) } });
  const progress = startProgress({
    events,
    clock,
    logger,
    tty: false,
    stream: process.stderr,
    figures: () => ({ startTime: 0, succeeded: 0, failed: 0, total: 300, pausedMs: 0 }),
    snapshot: () => ({
      usedToday: 0,
      dailyLimit: undefined,
      pausedUntil: undefined,
      requestsRemaining: undefined,
      tokensRemaining: undefined,
    }),
    every: () => () => undefined,
  });
  const emit = (finished: number, etaMs: number | undefined): void =>
    events.emit('batch:progress', {
      partsTotal: 3,
      partsDone: Math.floor(finished / 100),
      inFlight: 3 - Math.floor(finished / 100),
      requestsTotal: 300,
      requestsFinished: finished,
      etaMs,
    });
  for (const finished of [0, 10, 20, 29, 31, 35, 150]) emit(finished, finished === 0 ? undefined : 5 * MINUTE);
  progress.stop();
  const batchLines = lines.filter((l) => l.includes('Batch progress:'));
  assert.equal(batchLines.length, 2, lines.join('\n'));
  assert.match(batchLines[0] ?? '', /Batch progress: 0\/3 batches done, 3 in flight · 31\/300 requests · ETA 5m/);
  assert.match(batchLines[1] ?? '', /1\/3 batches done, 2 in flight · 150\/300 requests/);
});

test('the billing section compares each answer with its standard price and lists batches by last status', () => {
  const events = new RunEmitter();
  const billing = observeBilling(events, {
    mode: 'batch',
    standardCostOf: (usage) => (usage.input_tokens + usage.output_tokens) / 1000,
  });
  const done = (id: string, cost: number): void =>
    events.emit('artist:done', {
      artist: { id, name: id, data: '', line: 1 },
      worker: 0,
      index: 1,
      total: undefined,
      record: {
        mode: 'batch',
        cost_usd: cost,
        model: 'm',
        usage: { input_tokens: 10, output_tokens: 10, total_tokens: 20 },
      } as OutputRecord,
    });
  events.emit('batch:submitted', { batchId: 'b1', part: 'part-0001', requests: 2, attempt: 1 });
  events.emit('batch:status', {
    batchId: 'b1',
    part: 'part-0001',
    status: 'in_progress',
    completed: 1,
    failed: 0,
    total: 2,
  });
  done('x', 0.01);
  done('y', 0.01);
  events.emit('batch:collected', {
    batchId: 'b1',
    part: 'part-0001',
    status: 'completed',
    written: 2,
    failed: 0,
    resubmitted: 0,
  });
  const report = billing.report();
  assert.equal(report.costUsd, 0.02);
  assert.equal(report.standardCostUsd, 0.04);
  assert.equal(report.savingUsd, 0.02);
  assert.equal(report.savingPercent, 50);
  assert.deepEqual(report.linesByTier, { batch: 2 });
  assert.deepEqual(report.batches, [
    {
      id: 'b1',
      part: 'part-0001',
      status: 'completed',
      requests: 2,
      completed: 1,
      failed: 0,
      written: 2,
      resubmitted: 0,
    },
  ]);
  assert.deepEqual(billingLines(report, formatUsd), [
    'Mode batch: 1 batch(es) (1 completed) · spend $0.0200 at batch prices · at standard prices $0.0400, saved $0.0200 (50 %)',
  ]);
  billing.unsubscribe();
});

test('the dashboard lists each batch of the run with its last status and counts', () => {
  const events = new RunEmitter();
  const clock = new ManualClock(0);
  const tracked = trackDashboard({
    events,
    clock,
    progress: () => ({ startTime: 0, done: 0, failed: 0, total: 10, etaText: 'n/a' }),
    quota: () => ({ usedToday: 0, dailyLimit: undefined, pausedUntil: undefined }),
    costUsd: () => null,
  });
  events.emit('batch:submitted', { batchId: 'b1', part: 'part-0001', requests: 10, attempt: 1 });
  events.emit('batch:submitted', { batchId: 'b2', part: 'part-0002', requests: 5, attempt: 1 });
  events.emit('batch:status', {
    batchId: 'b1',
    part: 'part-0001',
    status: 'in_progress',
    completed: 4,
    failed: 1,
    total: 10,
  });
  assert.deepEqual(tracked.state().batches, {
    'b1 (part-0001)': 'in_progress, 4 completed, 1 failed of 10',
    'b2 (part-0002)': 'submitted, 5 requests',
  });
  events.emit('batch:collected', {
    batchId: 'b1',
    part: 'part-0001',
    status: 'expired',
    written: 4,
    failed: 0,
    resubmitted: 6,
  });
  assert.equal(tracked.state().batches['b1 (part-0001)'], 'expired: 4 written, 0 failed, 6 resubmitted');
  tracked.stop();
});
