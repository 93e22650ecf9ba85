/**
 * Wraps the dispatch gate with what a run does when the model API cannot be reached at all
 * (connection refused, reset, DNS failure). See docs/hostile-servers.md#unreachable-api.
 *
 * - Before any answer: a few connection failures in a row stop the run (exit 3) with a message
 *   naming the URL, instead of failing every artist.
 * - After answers: the first connection failure starts an outage. Dispatch pauses; one request
 *   at a time probes the API with a growing delay, and the failed attempts of the outage do not
 *   use up any artist's retries. The first answer ends the outage and every worker resumes.
 *   An outage longer than the give-up time stops the run (exit 3, resumable).
 */
import type { Clock } from '../core/clock.js';
import { ProviderUnreachableError, type ProviderError } from '../core/errors.js';
import type { RunEmitter } from '../core/events.js';
import type { AttemptDecision, AttemptInfo, DispatchGate, GateOutcome, GateSnapshot, Permit } from '../core/gate.js';
import { backoffCeiling, type BackoffOptions } from './backoff.js';

/** Options of {@link withReachability}. */
export interface ReachabilityOptions {
  clock: Clock;
  events: RunEmitter;
  /** The API base URL, named in messages. */
  url: string;
  /** Longest outage before the run stops, in ms. @default 900000 (15 min) */
  giveUpMs?: number;
  /** Connection failures in a row, before any answer, that stop the run. @default 3 */
  failuresBeforeFirstAnswer?: number;
  /** Delay between probes during an outage. @default base 1 s, cap 30 s */
  probeBackoff?: BackoffOptions;
}

const PROBE_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 30_000 };
/** Delay of a retry before the first answer (connection failures cost nothing). */
const EARLY_RETRY_MS = 200;

/** The dispatch gate with outage handling on top; see the module comment. */
export function withReachability(inner: DispatchGate, options: ReachabilityOptions): DispatchGate {
  const { clock, events, url } = options;
  const giveUpMs = options.giveUpMs ?? 900_000;
  const threshold = options.failuresBeforeFirstAnswer ?? 3;
  const probeBackoff = options.probeBackoff ?? PROBE_BACKOFF;

  let answers = 0;
  let consecutive = 0;
  let outageSince: number | undefined;
  let probes = 0;
  let nextProbeAt = 0;
  let probeInFlight = false;
  let stopError: ProviderUnreachableError | undefined;
  let wakers: (() => void)[] = [];

  const wakeAll = (): void => {
    const list = wakers;
    wakers = [];
    for (const wake of list) wake();
  };

  const endOutage = (): void => {
    if (outageSince === undefined) return;
    const since = outageSince;
    outageSince = undefined;
    probes = 0;
    events.emit('provider:reachable', { url, since, downMs: clock.now() - since });
    wakeAll();
  };

  const giveUp = (message: string): ProviderUnreachableError => {
    stopError ??= new ProviderUnreachableError(message, url);
    wakeAll();
    return stopError;
  };

  const checkGiveUp = (): ProviderUnreachableError | undefined => {
    if (stopError) return stopError;
    if (outageSince === undefined || clock.now() - outageSince < giveUpMs) return undefined;
    return giveUp(
      `The model API at ${url} has been unreachable since ${new Date(outageSince).toISOString()} ` +
        `(${String(Math.round(giveUpMs / 1000))} s, --unreachable-give-up). Run again with --resume once it is back.`,
    );
  };

  const wait = async (signal: AbortSignal): Promise<void> => {
    const local = new AbortController();
    const until = Math.min(nextProbeAt, (outageSince ?? clock.now()) + giveUpMs);
    const woken = new Promise<void>((resolve) => wakers.push(resolve));
    const sleep = clock.sleep(Math.max(0, until - clock.now()), AbortSignal.any([signal, local.signal]));
    try {
      await Promise.race([sleep, woken]);
    } catch (error) {
      if (signal.aborted) throw error;
    } finally {
      local.abort();
      await sleep.catch(() => undefined);
    }
  };

  return {
    async acquire(signal) {
      let probe = false;
      for (;;) {
        const stop = checkGiveUp();
        if (stop) throw stop;
        if (outageSince === undefined) break;
        if (!probeInFlight && clock.now() >= nextProbeAt) {
          probe = true;
          probeInFlight = true;
          break;
        }
        await wait(signal);
      }
      let permit: Permit;
      try {
        permit = await inner.acquire(signal);
      } catch (error) {
        if (probe) probeInFlight = false;
        throw error;
      }
      const probeDone = (): void => {
        if (!probe) return;
        probe = false;
        probeInFlight = false;
        if (outageSince !== undefined) {
          probes++;
          nextProbeAt = clock.now() + backoffCeiling(probes, probeBackoff);
        }
        wakeAll();
      };
      let settled: AttemptDecision | undefined;
      return {
        settle(outcome, attempt) {
          if (settled) return settled;
          settled = decideAfter(outcome, attempt);
          return settled;
        },
        cancel() {
          if (settled) return;
          settled = { action: 'done' };
          // A probe that was never sent proves nothing: the next worker may probe at once.
          if (probe) {
            probe = false;
            probeInFlight = false;
            wakeAll();
          }
          permit.cancel();
        },
      };

      function decideAfter(outcome: GateOutcome, attempt: AttemptInfo | undefined): AttemptDecision {
        const error = 'error' in outcome ? outcome.error : undefined;
        if (outcome.ok) {
          answers++;
          consecutive = 0;
          endOutage();
        } else if (error && error.kind !== 'network') {
          // The server answered, even if with an error: it is reachable.
          endOutage();
        }
        probeDone();
        const decision = permit.settle(outcome, attempt);
        if (error === undefined) return decision;
        if (error.kind !== 'network') {
          consecutive = 0;
          return decision;
        }
        return networkDecision(error);
      }
    },

    snapshot(): GateSnapshot {
      const base = inner.snapshot();
      return outageSince === undefined ? base : { ...base, pausedUntil: Math.max(nextProbeAt, clock.now()) };
    },

    close() {
      wakeAll();
      return inner.close();
    },
  };

  // A failed connection is the outage's, not the artist's: it decides instead of the inner gate.
  function networkDecision(error: ProviderError): AttemptDecision {
    consecutive++;
    if (answers === 0) {
      if (consecutive >= threshold) {
        return {
          action: 'stop',
          error: giveUp(
            `Cannot reach the model API at ${url}: ${error.message} (${String(consecutive)} connection failures ` +
              'in a row and no answer yet). Check --base-url / OPENAI_BASE_URL and the network; nothing was written.',
          ),
        };
      }
      return { action: 'retry', delayMs: EARLY_RETRY_MS };
    }
    if (outageSince === undefined) {
      outageSince = clock.now();
      probes = 0;
      nextProbeAt = clock.now() + backoffCeiling(1, probeBackoff);
      events.emit('provider:unreachable', { url, since: outageSince, message: error.message, giveUpMs });
      wakeAll();
    }
    const stop = checkGiveUp();
    if (stop) return { action: 'stop', error: stop };
    // The outage, not the artist, failed: the retry waits in acquire() and costs no retry.
    return { action: 'retry', delayMs: 0 };
  }
}
