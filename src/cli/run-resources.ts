import { secretMaskFor } from '../config/index.js';
import type { DisposalStack } from '../core/disposal.js';
import type { DispatchGate } from '../core/gate.js';
import { openErrorSink, openJsonlSink, prepareOutput } from '../output/index.js';
import type { ResultSink } from '../pipeline/index.js';
import { createOpenAIProvider, type ModelProvider } from '../provider/index.js';
import { openQuotaGate, withReachability, type QuotaLedger, type SpendOptions } from '../quota/index.js';
import type { RunRecorder } from '../report/index.js';
import type { RunContext } from './run-context.js';
import { openDashboard } from './run-dashboard.js';
import { openRunLedger, spendOptions } from './run-ledger.js';
import type { DatabaseLink } from './run-database.js';
import { lockOutput, type RunPlan } from './run-prepare.js';
import { SIMULATE_PROFILE } from './simulate-profile.js';

/** Figures only the execute phase knows, read by resources opened before it (metrics). */
export interface LiveRun {
  /** Requests waiting for an answer right now. */
  readonly inFlight: number;
}

/** What the execute phase runs with; every part is released by the run's disposal stack. */
export interface RunResources {
  provider: ModelProvider;
  /** Where requests go (the built-in simulator with `--simulate`), for clients other than `provider`. */
  endpoint: { apiKey: string; baseURL: string | undefined };
  gate: DispatchGate;
  sink: ResultSink;
  /** Present with `--enable-db`. */
  db: DatabaseLink | undefined;
  /** Set by the execute phase once the runner exists. */
  live: { current: LiveRun };
  /** The key ledger and dollar limits, for batch mode's own reservations (docs/batch.md#cost-limits). */
  budget: { ledger: QuotaLedger; spend: SpendOptions; model: string | undefined };
}

/**
 * Phase 2 of a run: takes the output and opens everything the run writes to or talks to. Each
 * opening registers its release on `stack` in the same breath, so a failure halfway releases
 * what was already open. Optional parts load only when asked for: a plain run stays light.
 */
export async function openResources(
  ctx: RunContext,
  plan: RunPlan,
  stack: DisposalStack,
  recorder: RunRecorder,
): Promise<RunResources> {
  const { config, clock, events } = ctx;
  const { paths, builder } = plan;
  if (!plan.resumed) {
    lockOutput(ctx, stack, paths);
    const fresh = await prepareOutput(paths.output, { resume: false, overwrite: config.overwrite });
    if (fresh.backupPath !== undefined)
      events.log('info', `--overwrite: the previous output was kept as ${fresh.backupPath}`);
  }
  const live: RunResources['live'] = { current: { inFlight: 0 } };

  let simulator: { url: string; close(): Promise<void> } | undefined;
  if (config.simulate) {
    const { startSimulator } = await import('../simulator/index.js');
    const started = await startSimulator(SIMULATE_PROFILE);
    stack.defer(() => started.close(), 'simulator');
    simulator = started;
    events.log('info', `Simulator running at ${started.url} (built-in provider: no key, no cost)`);
  }
  const endpoint = {
    apiKey: simulator ? 'sk-simulator' : (config.apiKey ?? ''),
    baseURL: simulator ? simulator.url : config.baseUrl,
  };
  const provider = createOpenAIProvider({
    ...endpoint,
    organization: simulator ? undefined : config.organization,
    project: simulator ? undefined : config.project,
    clock,
  });
  const first = plan.scan.preview[0];
  const model = first === undefined ? config.model : (builder.build(first).record.model ?? config.model);
  const spend = await spendOptions(config, plan.pricer, builder, model, plan.resumed !== undefined, events);
  const ledger = await openRunLedger(config, paths, clock, events, endpoint.apiKey, endpoint.baseURL, ctx.deps.env);
  stack.defer(() => ledger.close(), 'key ledger');
  const quotaGate = await openQuotaGate(
    {
      monitoring: config.quotaMonitoring,
      threshold: config.quotaThreshold,
      rateShare: config.rateShare,
      dailyLimit: config.dailyLimit,
      pauseDurationHours: config.pauseDuration,
      logIntervalRequests: config.quotaLogInterval,
      onDailyLimit: config.onDailyLimit,
      statePath: config.stateFile ?? paths.state,
      maxWorkers: config.maxWorkers,
      maxInFlight: config.maxInFlight,
      maxOutputTokens: builder.maxOutputTokens,
      spend,
    },
    { clock, events, ledger },
  );
  const gate = withReachability(quotaGate, {
    clock,
    events,
    url: simulator ? simulator.url : (config.baseUrl ?? 'https://api.openai.com/v1'),
    giveUpMs: config.unreachableGiveUp * 1000,
  });
  stack.defer(() => gate.close(), 'quota gate');

  const jsonl = openJsonlSink(paths.output);
  stack.defer(() => jsonl.close(), 'output file');
  const errorsSink = openErrorSink(paths.errors, secretMaskFor(config));
  stack.defer(() => errorsSink.close(), 'errors file');
  let db: DatabaseLink | undefined;
  if (config.enableDb) {
    const { openDatabase } = await import('./run-database.js');
    const opened = await openDatabase(
      config,
      paths,
      jsonl,
      events,
      plan.scan.preview.map((a) => a.id),
    );
    stack.defer(() => opened.close(), 'database');
    db = opened;
  }

  if (config.metricsPort !== undefined) {
    const { startMetricsServer } = await import('../telemetry/metrics.js');
    const metrics = await startMetricsServer({
      port: config.metricsPort,
      events,
      snapshot: () => ({ ...gate.snapshot(), inFlight: live.current.inFlight }),
    });
    stack.defer(() => metrics.close(), 'metrics server');
    events.log('info', `Prometheus metrics at ${metrics.url}`);
  }

  if (config.dashboard !== undefined) {
    const dashboard = await openDashboard(config, ctx, recorder, gate);
    stack.defer(() => dashboard.close(), 'dashboard');
  }

  // The sink stamps `db_status`: a line owes a database write ("pending") exactly when a
  // database follows the JSONL; without one it stays null (docs/architecture.md#the-runner-gate-protocol).
  const sink: ResultSink = {
    success(record) {
      if (db) record.db_status = 'pending';
      const handle = jsonl.append(record);
      db?.enqueue(record, handle);
    },
    failure(record) {
      errorsSink.append(record);
    },
  };
  return { provider, endpoint, gate, sink, db, live, budget: { ledger, spend, model } };
}
