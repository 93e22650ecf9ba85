import type { RunConfig } from '../config/index.js';
import type { DispatchGate } from '../core/gate.js';
import type { RunRecorder } from '../report/index.js';
import { estimateRemaining, formatEta } from '../telemetry/eta.js';
import type { RunContext } from './run-pipeline.js';

/**
 * Starts the live dashboard of a run (`--dashboard [PORT]`): follows the run's events, serves
 * the page on loopback unless `--dashboard-host` says otherwise, and sends the final state when
 * the run ends. The caller closes it with the run's other resources.
 */
export async function openDashboard(
  config: RunConfig,
  ctx: RunContext,
  recorder: RunRecorder,
  gate: Pick<DispatchGate, 'snapshot'>,
): Promise<{ close(): Promise<void> }> {
  const { startDashboardServer, trackDashboard } = await import('../dashboard/index.js');
  const { clock, events } = ctx;
  const tracker = trackDashboard({
    events,
    clock,
    progress: () => {
      const live = recorder.live();
      const snap = gate.snapshot();
      const now = clock.now();
      const done = live.succeeded + live.failed;
      const total = live.total ?? done;
      const eta = estimateRemaining({
        now,
        done,
        total,
        requests: live.requests,
        activeMs: Math.max(1, now - live.startTime - live.pausedMs),
        usedToday: snap.usedToday,
        dailyLimit: snap.dailyLimit,
        threshold: live.threshold,
        pauseDurationMs: config.pauseDuration * 3_600_000,
        pausedUntil: snap.pausedUntil !== undefined && snap.pausedUntil > now ? snap.pausedUntil : undefined,
      });
      return {
        startTime: live.startTime,
        done: live.succeeded,
        failed: live.failed,
        total: live.total,
        etaText: formatEta(eta),
      };
    },
    quota: () => gate.snapshot(),
    costUsd: () => recorder.live().costUsd,
  });
  const host = config.dashboardHost ?? '127.0.0.1';
  const server = await startDashboardServer({ port: config.dashboard ?? 0, host, state: () => tracker.state() });
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    events.log(
      'warn',
      `The dashboard listens on ${host}: anyone who can reach it sees the bios, the budget and the spend`,
    );
  }
  events.log('info', `Dashboard at ${server.url}`);
  const off = events.on('run:end', () => server.push());
  return {
    async close() {
      off();
      server.push();
      tracker.stop();
      await server.close();
    },
  };
}
