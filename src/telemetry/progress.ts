import cliProgress from 'cli-progress';
import type { Clock } from '../core/clock.js';
import type { BatchProgress, RunEmitter } from '../core/events.js';
import type { GateSnapshot } from '../core/gate.js';
import { formatUsd } from '../cost/cost.js';
import { batchProgressText } from './batch-log.js';
import { estimateRemaining, formatEta } from './eta.js';
import { duration } from './format.js';
import type { LineWriter, Logger } from './logger.js';

/** Live counts of a run, as the progress display reads them. */
export interface ProgressFigures {
  startTime: number;
  succeeded: number;
  failed: number;
  total: number | undefined;
  pausedMs: number;
  /** Requests sent so far (retries included); lets the ETA count days of a daily limit. */
  requests?: number;
  /** Threshold share of the daily limit, when monitoring is on. */
  threshold?: number | undefined;
  /** Length of the threshold pause, for the ETA. @default 24 hours */
  pauseDurationMs?: number | undefined;
  /** Dollars spent so far; null or absent when nothing was priced. */
  costUsd?: number | null;
}

/** Options of {@link startProgress}. */
export interface ProgressOptions {
  events: RunEmitter;
  /** Live counts of the run. */
  figures: () => ProgressFigures;
  clock: Clock;
  logger: Logger;
  /** Current quota state for the status column. */
  snapshot: () => GateSnapshot;
  /** Draw a bar (stderr is a TTY) or print progress lines (each 10 %, 5 min, state change). */
  tty: boolean;
  stream: NodeJS.WritableStream;
  /** Clock seconds between progress lines without a TTY, when nothing else prints one. @default 300 */
  intervalSeconds?: number;
  /**
   * Calls `tick` regularly until the returned function is called; tests drive it by hand.
   * @default a real 1-second interval timer
   */
  every?: (tick: () => void) => () => void;
}

interface Figures {
  done: number;
  total: number;
  rate: string;
  etaText: string;
  quota: string;
  status: string;
}

/** The latest batch-job progress, once batch mode reported one (docs/batch.md). */
interface BatchView {
  latest: BatchProgress | undefined;
}

function watchBatch(events: RunEmitter, onChange: () => void): { view: BatchView; off: () => void } {
  const view: BatchView = { latest: undefined };
  const off = events.on('batch:progress', (e) => {
    view.latest = e;
    onChange();
  });
  return { view, off };
}

function figures(o: ProgressOptions, batch?: BatchView): Figures {
  const job = batch?.latest;
  if (job !== undefined) {
    // Batch mode: the bar counts the job's requests finished at the provider, not lines written.
    const spent = o.figures().costUsd;
    return {
      done: job.requestsFinished,
      total: job.requestsTotal,
      rate: `${job.inFlight} batch(es) in flight`,
      etaText: formatEta(job.etaMs),
      quota: typeof spent === 'number' ? `${formatUsd(spent)} spent` : 'n/a',
      status: `BATCH ${job.partsDone}/${job.partsTotal} done`,
    };
  }
  const now = o.clock.now();
  const stats = o.figures();
  const done = stats.succeeded + stats.failed;
  const total = stats.total ?? done;
  const activeMs = Math.max(1, now - stats.startTime - stats.pausedMs);
  const perSecond = done / (activeMs / 1000);
  const snap = o.snapshot();
  const spent = typeof stats.costUsd === 'number' ? ` · ${formatUsd(stats.costUsd)} spent` : '';
  const quota =
    (snap.dailyLimit === undefined ? `${snap.usedToday} req today` : `${snap.usedToday}/${snap.dailyLimit} req today`) +
    spent;
  const pausedUntil = snap.pausedUntil !== undefined && snap.pausedUntil > now ? snap.pausedUntil : undefined;
  const status =
    pausedUntil !== undefined
      ? `PAUSED until ${new Date(pausedUntil).toISOString().slice(11, 19)}Z (${duration(pausedUntil - now)})`
      : 'RUNNING';
  const eta = estimateRemaining({
    now,
    done,
    total,
    requests: stats.requests ?? done,
    activeMs,
    usedToday: snap.usedToday,
    dailyLimit: snap.dailyLimit,
    threshold: stats.threshold,
    pauseDurationMs: stats.pauseDurationMs,
    pausedUntil,
  });
  return { done, total, rate: `${perSecond.toFixed(2)}/s`, etaText: formatEta(eta), quota, status };
}

/** Shows progress until the returned `stop()` is called. */
export function startProgress(options: ProgressOptions): { stop(): void } {
  return options.tty ? startBar(options) : startLines(options);
}

function realTimer(tick: () => void): () => void {
  const timer = setInterval(tick, 1000);
  timer.unref();
  return () => clearInterval(timer);
}

function startBar(o: ProgressOptions): { stop(): void } {
  const multibar = new cliProgress.MultiBar(
    {
      stream: o.stream,
      format: ' {bar} {value}/{total} | {rate} | ETA {etaText} | quota {quota} | {status}',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: false,
      // Keep the terminal's line wrapping on: log lines printed above the bar wrap whole
      // instead of being cut at the window edge; the bar itself is trimmed to the width.
      linewrap: true,
      fps: 5,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const initial = figures(o);
  const bar = multibar.create(Math.max(initial.total, 1), initial.done, initial);
  const writer: LineWriter = { writeLine: (line) => multibar.log(`${line}\n`) };
  o.logger.setConsole(writer);
  const update = (): void => {
    const f = figures(o, watched.view);
    bar.setTotal(Math.max(f.total, 1));
    bar.update(f.done, f);
  };
  const watched = watchBatch(o.events, update);
  const cancel = realTimer(update);
  const off = o.events.on('artist:done', update);
  const off2 = o.events.on('artist:failed', update);
  return {
    stop() {
      cancel();
      off();
      off2();
      watched.off();
      update();
      // Log lines wait in the bar's buffer until its next redraw; stop() alone would drop them.
      multibar.update();
      multibar.stop();
      o.logger.setConsole({ writeLine: (line) => void o.stream.write(`${line}\n`) });
    },
  };
}

/**
 * Progress lines for logs and `nohup.out`: one per 10 % step, one on each change of state
 * (pause, resume, stop), and otherwise at most one per interval, so a day-long pause writes a
 * few hundred bytes, not thousands of identical lines.
 */
function startLines(o: ProgressOptions): { stop(): void } {
  let lastAt = o.clock.now();
  let lastDecile = 0;
  const print = (): void => {
    if (watched.view.latest !== undefined) {
      printBatch(watched.view.latest);
      return;
    }
    const f = figures(o);
    const pct = f.total > 0 ? ((f.done / f.total) * 100).toFixed(1) : '0.0';
    o.logger.log(
      'info',
      `Progress: ${f.done}/${f.total} artists (${pct}%) - ${f.rate} - ETA ${f.etaText} - quota ${f.quota} - ${f.status}`,
      { event: 'progress', done: f.done, total: f.total, eta: f.etaText, paused: f.status !== 'RUNNING' },
    );
    lastAt = o.clock.now();
  };
  const onDone = (): void => {
    const f = figures(o);
    const decile = f.total > 0 ? Math.floor((f.done / f.total) * 10) : 0;
    if (decile > lastDecile) {
      lastDecile = decile;
      print();
    }
  };
  const intervalMs = (o.intervalSeconds ?? 300) * 1000;
  const cancel = (o.every ?? realTimer)(() => {
    if (o.clock.now() - lastAt >= intervalMs) print();
  });
  // Batch mode: one line per 10 % of the job's requests finished at the provider.
  let batchDecile = 0;
  const onBatch = (): void => {
    const job = watched.view.latest;
    if (job === undefined) return;
    const decile = job.requestsTotal > 0 ? Math.floor((job.requestsFinished / job.requestsTotal) * 10) : 0;
    if (decile <= batchDecile) return;
    batchDecile = decile;
    printBatch(job);
  };
  const printBatch = (job: BatchProgress): void => {
    o.logger.log('info', `Batch progress: ${batchProgressText(job)}`, {
      event: 'batch:progress',
      done: job.requestsFinished,
      total: job.requestsTotal,
      eta_ms: job.etaMs,
    });
    lastAt = o.clock.now();
  };
  const watched = watchBatch(o.events, onBatch);
  const offs = [
    watched.off,
    o.events.on('artist:done', onDone),
    o.events.on('artist:failed', onDone),
    // State changes; the log renderer subscribed first, so its announcement comes before.
    o.events.on('quota:paused', print),
    o.events.on('quota:resumed', print),
  ];
  return {
    stop() {
      cancel();
      for (const off of offs) off();
    },
  };
}
