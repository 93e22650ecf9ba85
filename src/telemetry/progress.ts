import cliProgress from 'cli-progress';
import type { Clock } from '../core/clock.js';
import type { RunEmitter } from '../core/events.js';
import type { GateSnapshot } from '../core/gate.js';
import { formatUsd } from '../cost/cost.js';
import { duration } from './format.js';
import type { LineWriter, Logger } from './logger.js';

/** Options of {@link startProgress}. */
export interface ProgressOptions {
  events: RunEmitter;
  /** Live counts of the run. */
  figures: () => {
    startTime: number;
    succeeded: number;
    failed: number;
    total: number | undefined;
    pausedMs: number;
    /** Dollars spent so far; null or absent when nothing was priced. */
    costUsd?: number | null;
  };
  clock: Clock;
  logger: Logger;
  /** Current quota state for the status column. */
  snapshot: () => GateSnapshot;
  /** Draw a bar (stderr is a TTY) or print a progress line every 10 % / 5 s. */
  tty: boolean;
  stream: NodeJS.WritableStream;
  /** Seconds between progress lines without a TTY. @default 5 */
  intervalSeconds?: number;
}

interface Figures {
  done: number;
  total: number;
  rate: string;
  etaText: string;
  quota: string;
  status: string;
}

function figures(o: ProgressOptions): Figures {
  const { clock } = o;
  const stats = o.figures();
  const done = stats.succeeded + stats.failed;
  const total = stats.total ?? done;
  const elapsed = Math.max(1, clock.now() - stats.startTime - stats.pausedMs) / 1000;
  const perSecond = done / elapsed;
  const remaining = Math.max(0, total - done);
  const snap = o.snapshot();
  const spent = typeof stats.costUsd === 'number' ? ` · ${formatUsd(stats.costUsd)} spent` : '';
  const quota =
    (snap.dailyLimit === undefined ? `${snap.usedToday} req today` : `${snap.usedToday}/${snap.dailyLimit} req today`) +
    spent;
  const status =
    snap.pausedUntil !== undefined && snap.pausedUntil > clock.now()
      ? `PAUSED until ${new Date(snap.pausedUntil).toISOString().slice(11, 19)}Z (${duration(snap.pausedUntil - clock.now())})`
      : 'RUNNING';
  return {
    done,
    total,
    rate: `${perSecond.toFixed(2)}/s`,
    etaText: perSecond > 0 ? duration((remaining / perSecond) * 1000) : 'n/a',
    quota,
    status,
  };
}

/** Shows progress until the returned `stop()` is called. */
export function startProgress(options: ProgressOptions): { stop(): void } {
  return options.tty ? startBar(options) : startLines(options);
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
    const f = figures(o);
    bar.setTotal(Math.max(f.total, 1));
    bar.update(f.done, f);
  };
  const timer = setInterval(update, 500);
  timer.unref();
  const off = o.events.on('artist:done', update);
  const off2 = o.events.on('artist:failed', update);
  return {
    stop() {
      clearInterval(timer);
      off();
      off2();
      update();
      multibar.stop();
      o.logger.setConsole({ writeLine: (line) => void o.stream.write(`${line}\n`) });
    },
  };
}

function startLines(o: ProgressOptions): { stop(): void } {
  let lastAt = o.clock.now();
  let lastDecile = 0;
  const print = (): void => {
    const f = figures(o);
    const pct = f.total > 0 ? ((f.done / f.total) * 100).toFixed(1) : '0.0';
    o.logger.log(
      'info',
      `Progress: ${f.done}/${f.total} artists (${pct}%) - ${f.rate} - ETA ${f.etaText} - quota ${f.quota} - ${f.status}`,
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
  const intervalMs = (o.intervalSeconds ?? 5) * 1000;
  const timer = setInterval(() => {
    if (o.clock.now() - lastAt >= intervalMs) print();
  }, 1000);
  timer.unref();
  const off = o.events.on('artist:done', onDone);
  const off2 = o.events.on('artist:failed', onDone);
  return {
    stop() {
      clearInterval(timer);
      off();
      off2();
    },
  };
}
