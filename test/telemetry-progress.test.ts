import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import { RunEmitter } from '../src/core/events.js';
import type { GateSnapshot } from '../src/core/gate.js';
import { createLogger, startProgress } from '../src/telemetry/index.js';
import { estimateRemaining, formatEta } from '../src/telemetry/eta.js';
import type { Artist, OutputRecord } from '../src/core/types.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const HOUR = 60 * MINUTE;

function harness(total: number) {
  const clock = new ManualClock(Date.parse('2026-12-01T10:00:00Z'));
  const events = new RunEmitter();
  const lines: string[] = [];
  const logger = createLogger({ clock, console: { writeLine: (l) => lines.push(l) } });
  const counts = { succeeded: 0, pausedMs: 0, pauseStart: undefined as number | undefined };
  let snapshot: GateSnapshot = {
    usedToday: 0,
    dailyLimit: undefined,
    pausedUntil: undefined,
    requestsRemaining: undefined,
    tokensRemaining: undefined,
  };
  let tick: () => void = () => undefined;
  const start = clock.now();
  const progress = startProgress({
    events,
    clock,
    logger,
    tty: false,
    stream: process.stderr,
    figures: () => ({
      startTime: start,
      succeeded: counts.succeeded,
      failed: 0,
      total,
      pausedMs: counts.pausedMs + (counts.pauseStart === undefined ? 0 : clock.now() - counts.pauseStart),
    }),
    snapshot: () => snapshot,
    every: (fn) => {
      tick = fn;
      return () => undefined;
    },
  });
  const finishOne = (): void => {
    counts.succeeded += 1;
    const artist = { id: String(counts.succeeded), name: 'A', data: '' } as unknown as Artist;
    events.emit('artist:done', {
      artist,
      worker: 1,
      index: counts.succeeded,
      total,
      record: {} as OutputRecord,
    });
  };
  /** Advances the clock second by second, ticking like the real timer. */
  const pass = (ms: number): void => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(1000);
      tick();
    }
  };
  return {
    clock,
    events,
    lines,
    progress,
    finishOne,
    pass,
    setSnapshot: (s: Partial<GateSnapshot>) => (snapshot = { ...snapshot, ...s }),
    pause: (ms: number) => {
      counts.pauseStart = clock.now();
      snapshot = { ...snapshot, pausedUntil: clock.now() + ms };
      events.emit('quota:paused', {
        reason: 'threshold',
        message: 'threshold',
        usedToday: 8,
        dailyLimit: 10,
        resumeAt: clock.now() + ms,
      });
    },
    resume: () => {
      const paused = clock.now() - (counts.pauseStart ?? clock.now());
      counts.pausedMs += paused;
      counts.pauseStart = undefined;
      snapshot = { ...snapshot, pausedUntil: undefined };
      events.emit('quota:resumed', { pausedMs: paused, reason: 'pause over' });
    },
  };
}

test('a 6-minute pause without a TTY prints no more than a handful of progress lines', () => {
  const h = harness(1000);
  for (let i = 0; i < 50; i++) {
    h.finishOne();
    h.pass(1000);
  }
  const before = h.lines.length;
  h.pause(6 * MINUTE);
  h.pass(6 * MINUTE);
  h.resume();
  const during = h.lines.slice(before).filter((l) => l.includes('Progress:'));
  h.progress.stop();
  // One line when the pause starts, at most one for the 5-minute interval, one on resume.
  assert.ok(during.length >= 2 && during.length <= 3, `printed ${during.length} lines:\n${during.join('\n')}`);
  assert.match(during[0] ?? '', /PAUSED until 10:\d\d:\d\dZ/);
});

test('a 24-hour pause without a TTY prints one progress line per 5 minutes at most', () => {
  const h = harness(100);
  h.finishOne();
  const before = h.lines.length;
  h.pause(DAY);
  h.pass(DAY);
  h.resume();
  const count = h.lines.slice(before).length;
  h.progress.stop();
  assert.ok(count <= 24 * 12 + 2, `printed ${count} lines`);
});

test('progress lines without a TTY come at each 10 % step, not for every artist', () => {
  const h = harness(100);
  for (let i = 0; i < 100; i++) h.finishOne();
  h.progress.stop();
  assert.equal(h.lines.filter((l) => l.includes('Progress:')).length, 10);
});

test('ETA of a job bounded by its daily limit counts the days it needs', () => {
  const now = Date.parse('2026-12-01T14:00:00Z');
  const ms = estimateRemaining({
    now,
    done: 4000,
    total: 50_000,
    requests: 4000,
    activeMs: 4000 * 500,
    usedToday: 4000,
    dailyLimit: 5000,
    threshold: 0.8,
    pausedUntil: Date.parse('2026-12-02T00:00:00Z'),
  });
  assert.ok(ms !== undefined);
  // The 24 h threshold pause ends each day at 4,000 of 5,000: 46,000 requests from midnight are 11
  // full days (Dec 2-12) and 2,000 more on Dec 13, not the seconds a rate-only estimate would show.
  assert.equal(ms, 10 * HOUR + 11 * DAY + 2000 * 500);
  assert.equal(formatEta(ms), '≈ 11 days');
});

/** 100 artists done at 1 s each, 1,000 to go, 100 of a 1,000 daily limit used, at midnight UTC. */
const AT_MIDNIGHT = {
  now: Date.parse('2026-12-01T00:00:00Z'),
  done: 100,
  total: 1100,
  requests: 100,
  activeMs: 100_000,
  usedToday: 100,
  dailyLimit: 1000,
  pausedUntil: undefined,
};

test('ETA counts threshold × limit per day when the 24 h threshold pause runs to midnight', () => {
  // Dec 1: 400 more up to 500, pause to midnight; Dec 2: 500, pause; Dec 3: the last 100.
  const ms = estimateRemaining({ ...AT_MIDNIGHT, threshold: 0.5 });
  assert.equal(ms, 2 * DAY + 100_000);
});

test('ETA without quota monitoring counts the whole daily limit per day', () => {
  // Dec 1: 900 more up to 1,000; Dec 2: the last 100.
  const ms = estimateRemaining({ ...AT_MIDNIGHT, threshold: undefined });
  assert.equal(ms, DAY + 100_000);
});

test('ETA with a short threshold pause counts the pause and the rest of the limit the same day', () => {
  // Dec 1: 400 s to the threshold, a 1 h pause, 500 s to the limit; Dec 2: the last 100.
  const ms = estimateRemaining({ ...AT_MIDNIGHT, threshold: 0.5, pauseDurationMs: HOUR });
  assert.equal(ms, DAY + 100_000);
  const sameDay = estimateRemaining({ ...AT_MIDNIGHT, total: 1000, threshold: 0.5, pauseDurationMs: HOUR });
  assert.equal(sameDay, 400_000 + HOUR + 500_000);
});

test('ETA during a threshold pause that ends before midnight resumes with the rest of the day', () => {
  const now = AT_MIDNIGHT.now + 400_000;
  const ms = estimateRemaining({
    ...AT_MIDNIGHT,
    now,
    done: 500,
    requests: 500,
    activeMs: 500_000,
    usedToday: 500,
    threshold: 0.5,
    pauseDurationMs: HOUR,
    pausedUntil: now + HOUR,
  });
  // The pause's hour, 500 to the limit, then the last 100 on Dec 2.
  assert.equal(ms, DAY - 400_000 + 100_000);
});

test('ETA while paused includes the rest of the pause', () => {
  const now = Date.parse('2026-12-01T14:00:00Z');
  const ms = estimateRemaining({
    now,
    done: 10,
    total: 20,
    requests: 10,
    activeMs: 10_000,
    usedToday: 10,
    dailyLimit: undefined,
    threshold: undefined,
    pausedUntil: now + 9 * 60 * MINUTE + 44 * MINUTE,
  });
  assert.equal(formatEta(ms), '≈ 9h 44m');
});

test('ETA without limits is the remaining artists at the active rate', () => {
  const ms = estimateRemaining({
    now: 0,
    done: 10,
    total: 30,
    requests: 12,
    activeMs: 5000,
    usedToday: 12,
    dailyLimit: undefined,
    threshold: undefined,
    pausedUntil: undefined,
  });
  assert.equal(ms, 10_000);
  assert.equal(formatEta(ms), '10.0s');
});
