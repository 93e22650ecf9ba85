import { setMaxListeners } from 'node:events';
import type { Clock } from '../core/clock.js';
import { AuthStopError, ProviderError, QuotaStopError, ShutdownError } from '../core/errors.js';
import type { RunEmitter } from '../core/events.js';
import type { DispatchGate, Permit } from '../core/gate.js';
import type { Artist, DbStatus, TokenUsage } from '../core/types.js';
import type { RequestBuilder } from '../prompt/index.js';
import type { ModelProvider } from '../provider/index.js';
import type { Tier } from '../cost/index.js';
import { flexBilledTier, flexRetry, markFlexRecord, type FlexOptions } from './flex-policy.js';
import { failureRecord, successRecord } from './records.js';
import type { ResultSink } from './result-sink.js';

/** Why dispatching stopped before the input ran out. */
export type StopReason = 'SIGINT' | 'SIGTERM' | 'quota' | 'auth';

/** Options of a {@link Runner}. */
export interface RunnerOptions {
  /**
   * Concurrent requests: a fixed number of workers, or `auto`, where `maxInFlight` workers wait
   * at the gate and the gate decides how many are in flight (docs/pacing.md#concurrency).
   * @default 'auto'
   */
  maxWorkers: number | 'auto';
  /** Workers of `auto` mode: the most requests ever in flight. @default 1024 */
  maxInFlight?: number | undefined;
  /** Retries per artist after the first attempt. @default 5 */
  maxRetries: number;
  /** Per-request timeout in ms. */
  requestTimeoutMs: number;
  /** Artists to do, for `i/N` progress; undefined when unknown. */
  total: number | undefined;
  /** `db_status` written with each success (`pending` with a database, else null). */
  initialDbStatus: DbStatus | null;
  /** How long in-flight requests may take to finish after the first stop signal. @default 30000 */
  drainTimeoutMs?: number;
  /** Flex mode: ask for `service_tier: "flex"` and handle its refusals (docs/flex.md). @default undefined (standard) */
  flex?: FlexOptions | undefined;
}

/** Everything the runner needs, injected. */
export interface RunnerDeps {
  provider: ModelProvider;
  builder: RequestBuilder;
  gate: DispatchGate;
  sink: ResultSink;
  events: RunEmitter;
  clock: Clock;
  /**
   * Prices a response's usage for the output line's `cost_usd` (null = model without a known
   * price). Without it, lines carry no `cost_usd`.
   */
  costOf?: (usage: TokenUsage, model: string, tier?: Tier) => number | null;
}

/** What a finished run did. */
export interface RunOutcome {
  succeeded: number;
  failed: number;
  /** Set when dispatching stopped early. */
  stopReason: StopReason | undefined;
  /** The quota or auth error that stopped the run. */
  stopError: QuotaStopError | AuthStopError | undefined;
}

type ArtistResult = 'done' | 'failed' | 'unfinished';

/**
 * Pulls artists lazily from an async iterable and runs them through bounded workers: gate →
 * provider → sink, with retries decided by the gate. Emits typed events; formats nothing.
 * `stop()` once stops dispatching and lets in-flight requests finish; twice aborts them.
 */
export class Runner {
  readonly #deps: RunnerDeps;
  readonly #options: RunnerOptions;
  readonly #dispatch = new AbortController();
  readonly #hard = new AbortController();
  #stopReason: StopReason | undefined;
  #stopError: QuotaStopError | AuthStopError | undefined;
  #completed = 0;
  #succeeded = 0;
  #failed = 0;
  #inFlight = 0;
  #drainTimer: NodeJS.Timeout | undefined;
  readonly #workers: number;

  constructor(deps: RunnerDeps, options: RunnerOptions) {
    const workers = options.maxWorkers === 'auto' ? (options.maxInFlight ?? 1024) : options.maxWorkers;
    if (!(Number.isInteger(workers) && workers >= 1)) {
      throw new TypeError(
        `Expected \`maxWorkers\` to be 'auto' or an integer from 1 and up (and \`maxInFlight\` too), got \`${String(workers)}\``,
      );
    }
    this.#workers = workers;
    this.#deps = deps;
    this.#options = options;
    // Every in-flight request and every waiting worker listens on these; hundreds may at once.
    setMaxListeners(0, this.#dispatch.signal, this.#hard.signal);
  }

  /** Requests currently waiting for an answer. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** True once dispatching has been stopped. */
  get stopping(): boolean {
    return this.#dispatch.signal.aborted;
  }

  /**
   * Stops dispatching (first call) or aborts in-flight requests (second call, or after the
   * drain timeout).
   */
  stop(reason: StopReason, error?: QuotaStopError | AuthStopError): void {
    if (this.#dispatch.signal.aborted) {
      if (reason === 'SIGINT' || reason === 'SIGTERM') this.#abortInFlight();
      return;
    }
    this.#stopReason = reason;
    this.#stopError = error;
    this.#deps.events.emit('run:stopping', {
      reason,
      message: error?.message ?? `Received ${reason}`,
      inFlight: this.#inFlight,
    });
    this.#dispatch.abort(new ShutdownError());
    this.#drainTimer = setTimeout(() => this.#abortInFlight(), this.#options.drainTimeoutMs ?? 30_000);
    this.#drainTimer.unref();
  }

  #abortInFlight(): void {
    if (!this.#hard.signal.aborted) this.#hard.abort(new ShutdownError('In-flight requests aborted'));
  }

  /** Processes every artist of `artists` (or until stopped). */
  async run(artists: AsyncIterable<Artist>): Promise<RunOutcome> {
    const iterator = artists[Symbol.asyncIterator]();
    const workers = Array.from({ length: this.#workers }, (_, i) => this.#worker(i + 1, iterator));
    // Wait for every worker even when one fails, so no received result is left unwritten.
    const settled = await Promise.allSettled(workers);
    if (this.#drainTimer) clearTimeout(this.#drainTimer);
    await iterator.return?.();
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    return {
      succeeded: this.#succeeded,
      failed: this.#failed,
      stopReason: this.#stopReason,
      stopError: this.#stopError,
    };
  }

  async #worker(worker: number, iterator: AsyncIterator<Artist>): Promise<void> {
    try {
      while (!this.stopping) {
        const next = await iterator.next();
        if (next.done === true || this.stopping) return;
        await this.#process(next.value, worker);
      }
    } catch (error) {
      // An unexpected failure (unreadable input, unwritable output): stop dispatching, let the
      // other workers finish what is in flight, then report it.
      if (!this.stopping) {
        this.#deps.events.emit('run:stopping', {
          reason: 'fatal',
          message: error instanceof Error ? error.message : String(error),
          inFlight: this.#inFlight,
        });
        this.#dispatch.abort(new ShutdownError());
      }
      throw error;
    }
  }

  async #process(artist: Artist, worker: number): Promise<ArtistResult> {
    const { gate, provider, builder, events, clock, sink } = this.#deps;
    let request = builder.build(artist);
    const startedAt = clock.now();
    const flex = this.#options.flex;
    let tier: 'flex' | 'default' | undefined = flex === undefined ? undefined : 'flex';
    let flexRefusals = 0;
    for (let attempt = 1; ; attempt++) {
      let permit: Permit;
      try {
        permit = await gate.acquire(this.#dispatch.signal);
      } catch (error) {
        if (error instanceof QuotaStopError) this.stop('quota', error);
        else if (error instanceof AuthStopError) this.stop('auth', error);
        else if (!this.stopping) throw error;
        return 'unfinished';
      }
      // A request admitted before the daily limit stopped the run is inside the budget and already
      // counted: send it, so the run stops at exactly the limit rather than wasting those requests.
      const withinDailyLimit =
        this.#stopError instanceof QuotaStopError && this.#stopError.reason !== 'insufficient_quota';
      if (this.stopping && !withinDailyLimit) {
        // Admitted just as the run began to stop: never send it, and give its count back.
        permit.cancel();
        return 'unfinished';
      }
      events.emit('request:sent', { artist, worker, attempt });
      this.#inFlight++;
      const sentAt = clock.now();
      try {
        const result = await provider.generate(request, {
          signal: this.#hard.signal,
          timeoutMs: this.#options.requestTimeoutMs,
          serviceTier: tier,
        });
        this.#inFlight--;
        // A flex line is priced at the tier its response reports (a fallback is standard).
        const billedTier = tier === undefined ? undefined : flexBilledTier(result);
        const costUsd = this.#deps.costOf?.(result.usage, result.model, billedTier);
        permit.settle({ ok: true, headers: result.headers, usage: result.usage });
        events.emit('request:done', {
          artist,
          ok: true,
          status: 200,
          kind: undefined,
          durationMs: result.durationMs,
          usage: result.usage,
          ...(costUsd === undefined ? {} : { costUsd }),
        });
        const record = successRecord(
          artist,
          request.record,
          result,
          attempt,
          clock.now() - startedAt,
          this.#options.initialDbStatus,
          costUsd,
          builder.fingerprint,
        );
        if (tier !== undefined) markFlexRecord(record, result, tier);
        sink.success(record);
        this.#succeeded++;
        events.emit('artist:done', { artist, worker, index: ++this.#completed, total: this.#options.total, record });
        return 'done';
      } catch (caught) {
        this.#inFlight--;
        if (caught instanceof ShutdownError || !(caught instanceof ProviderError)) {
          // No answer came: the request stays counted, and nothing is written for the artist.
          permit.settle({ ok: false, aborted: true });
          if (caught instanceof ShutdownError) return 'unfinished';
          throw caught;
        }
        const error = caught;
        let decision = permit.settle({ ok: false, error }, { attempt, maxRetries: this.#options.maxRetries });
        events.emit('request:done', {
          artist,
          ok: false,
          status: error.status,
          kind: error.kind,
          durationMs: clock.now() - sentAt,
          usage: undefined,
        });
        if (error.kind === 'resource_unavailable' && flex !== undefined && !this.stopping) {
          // No capacity for flex: only this request waits; it is not a failed attempt for
          // --max-retries, so the flex policy decides instead of the gate.
          const step = flexRetry(++flexRefusals, flex);
          tier = step.tier;
          attempt--;
          events.emit('request:retry', {
            artist,
            worker,
            attempt,
            delayMs: step.delayMs,
            kind: error.kind,
            status: error.status,
            code: error.apiCode,
            message: error.message,
          });
          try {
            await clock.sleep(step.delayMs, this.#dispatch.signal);
          } catch {
            return 'unfinished';
          }
          continue;
        }
        if (decision.action === 'retry' && decision.raiseOutputCap === true) {
          // An answer cut off at its cap gets one more try with a larger cap, then it fails.
          const raised = builder.raiseOutputCap(request);
          if (raised === undefined) decision = { action: 'fail' };
          else request = raised;
        }
        if (decision.action === 'stop') {
          this.stop(decision.error instanceof QuotaStopError ? 'quota' : 'auth', decision.error);
          return 'unfinished';
        }
        if (decision.action === 'fail' || decision.action === 'done') {
          const record = failureRecord(artist, error, attempt, clock.now());
          sink.failure(record);
          this.#failed++;
          events.emit('artist:failed', {
            artist,
            worker,
            index: ++this.#completed,
            total: this.#options.total,
            record,
          });
          return 'failed';
        }
        if (this.stopping) return 'unfinished';
        events.emit('request:retry', {
          artist,
          worker,
          attempt,
          delayMs: decision.delayMs,
          kind: error.kind,
          status: error.status,
          code: error.apiCode,
          message: error.message,
        });
        try {
          await clock.sleep(decision.delayMs, this.#dispatch.signal);
        } catch {
          return 'unfinished';
        }
      }
    }
  }
}
