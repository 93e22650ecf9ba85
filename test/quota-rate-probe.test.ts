/**
 * With no rate-limit headers, `--max-workers auto` grows the in-flight window only while more
 * requests in flight bring more answers per second (docs/pacing.md#concurrency). The servers
 * here are models on a clock of plain numbers: each request's latency is fixed when it is sent.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnswerRateProbe, type ProbeVerdict } from '../src/quota/rate-probe.js';
import { InFlightLimit } from '../src/quota/index.js';

/** Latency in ms of a request sent while `inFlight` others are in flight (itself included). */
type Server = (inFlight: number) => number;

/** A server that answers `perMs` requests per ms at most, and needs `baseMs` at least. */
function busyServer(perMs: number, baseMs: number): Server {
  return (inFlight) => Math.max(baseMs, inFlight / perMs);
}

/** A server with a fixed latency and no limit on how many it serves at once. */
function slowServer(latencyMs: number): Server {
  return () => latencyMs;
}

interface Drive {
  now: number;
  /** Completion times of the requests in flight, with the latency each was given. */
  inFlight: { at: number; latencyMs: number }[];
}

/** Sends up to the limit (and at most 1,024: the workers), then takes the earliest answer; `answers` times. */
function drive(limit: InFlightLimit, server: Server, answers: number, state: Drive = { now: 0, inFlight: [] }): Drive {
  for (let i = 0; i < answers; i++) {
    while (state.inFlight.length < Math.min(1024, limit.limit(undefined))) {
      const latencyMs = server(state.inFlight.length + 1);
      state.inFlight.push({ at: state.now + latencyMs, latencyMs });
    }
    state.inFlight.sort((a, b) => a.at - b.at);
    const next = state.inFlight.shift();
    assert.ok(next !== undefined);
    const inFlight = state.inFlight.length + 1;
    state.now = next.at;
    limit.answered({ latencyMs: next.latencyMs, ok: true, now: state.now, inFlight });
  }
  return state;
}

describe('auto concurrency without known limits (manual clock)', () => {
  test('a busy fast server holds the window near where the answer rate stopped rising, not at the cap', () => {
    // 2 answers per ms at most, 20 ms at least: 40 in flight already reach the top rate.
    const limit = new InFlightLimit({ mode: 'auto' });
    drive(limit, busyServer(2, 20), 20_000);
    const held = limit.limit(undefined);
    assert.ok(held >= 64 && held <= 160, `held at ${held}`);
  });

  test('a slow server with room for all lets the window double up to the cap', () => {
    const limit = new InFlightLimit({ mode: 'auto' });
    drive(limit, slowServer(8000), 3000);
    assert.equal(limit.limit(undefined), 1024);
  });

  test('a held window grows again once latency rises and more in flight pays off', () => {
    const limit = new InFlightLimit({ mode: 'auto' });
    const state = drive(limit, busyServer(2, 20), 20_000);
    const held = limit.limit(undefined);
    drive(limit, slowServer(4000), 3000, state);
    assert.ok(limit.limit(undefined) >= 4 * held, `held at ${held}, then ${limit.limit(undefined)}`);
  });

  test('a fixed worker count is never held below its workers', () => {
    const limit = new InFlightLimit({ mode: 200 });
    drive(limit, busyServer(2, 20), 5000);
    assert.equal(limit.limit(undefined), Number.POSITIVE_INFINITY);
  });
});

describe('answer rate probe', () => {
  test('two rounds without a 10 % gain hold the window at twice the best round, at least 64', () => {
    const probe = new AnswerRateProbe();
    let now = 0;
    // One round per call: `size` answers over `ms`, with the window full all along.
    const round = (size: number, ms: number, window: number) => {
      let verdict: ProbeVerdict = { kind: 'none' };
      for (let i = 1; i <= size; i++) verdict = probe.answered(now + (ms * i) / size, size, window);
      now += ms;
      return verdict;
    };
    probe.answered(now, 64, 64); // the first answer opens the first round
    assert.deepEqual(round(64, 64, 128), { kind: 'grow' }, '1 per ms');
    assert.deepEqual(round(128, 64, 256), { kind: 'grow' }, '2 per ms: a gain');
    assert.deepEqual(round(256, 250, 512), { kind: 'grow' }, '~1 per ms: a first miss');
    assert.deepEqual(round(512, 500, 1024), { kind: 'settle', window: 256 }, 'a second miss: 2 × 128');
    assert.equal(probe.held, true);
  });

  test('rounds in which the window was not full say nothing, however slow', () => {
    const probe = new AnswerRateProbe();
    probe.answered(0, 64, 64);
    let verdict: ProbeVerdict = { kind: 'none' };
    for (let r = 0; r < 5; r++) {
      for (let i = 1; i <= 64; i++) verdict = probe.answered(r * 10_000 + i * 100, 10, 64);
      assert.deepEqual(verdict, { kind: 'none' }, `round ${r}: 10 of 64 in flight`);
    }
    assert.equal(probe.held, false);
  });
});
