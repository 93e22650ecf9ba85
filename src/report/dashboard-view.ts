import type { BatchJobState } from '../batch/job-state.js';
import type { DashboardState } from '../dashboard/index.js';
import type { QuotaState } from '../quota/index.js';
import { utcDayKey } from '../quota/index.js';
import { estimateRemaining, formatEta } from '../telemetry/eta.js';
import type { FileView } from './from-files.js';

/** What the job's files say besides its output lines; all optional, since a job may lack them. */
export interface FileDashboardInputs {
  /** What {@link reportFromFiles} rebuilt from the output and errors files. */
  view: FileView;
  /** Clock ms now. */
  now: number;
  /** Artists the job has to do (counted from its input), when known. */
  total: number | undefined;
  /** The job's quota state file (`<output>.state.json`), when there is one. */
  quota: QuotaState | undefined;
  /** Requests allowed per UTC day, when the viewer said. */
  dailyLimit: number | undefined;
  /** The batch job's state (`<output>.batches.json`), in batch mode. */
  batches: BatchJobState | undefined;
  /** Whether a live process holds the output's lock. */
  running: boolean;
}

const BIO_CHARS = 400;
const MINUTE_MS = 60_000;

function batchLine(part: BatchJobState['parts'][number]): string {
  const id = part.batchId === null ? '' : ` (${part.batchId})`;
  if (part.status === 'done') {
    return `${part.endStatus ?? 'done'}${id}: ${part.succeeded} ok, ${part.failed} failed, ${part.resubmitted} resubmitted`;
  }
  return `${part.status}${id}: ${part.customIds.length} artists${part.refusals > 0 ? `, ${part.refusals} queue refusals` : ''}`;
}

/**
 * The dashboard's state for a job seen through its files alone (`artist-bio-gen dashboard
 * OUTPUT`): counts, latency, spend and recent bios from the output lines, the day's count and any
 * pause from the quota state file, batches from the batch state file. Retries and 429s are not in
 * the files; errors are counted by the kind of each failed artist.
 */
export function dashboardStateFromFiles(input: FileDashboardInputs): DashboardState {
  const { report, recent, requestTimes } = input.view;
  const { now, quota } = input;
  const done = report.artists.succeeded;
  const failed = report.artists.failed;
  const finished = done + failed;
  const total = input.total === undefined ? null : Math.max(input.total, finished);
  const startTime = finished === 0 ? now : Date.parse(report.performance.startTime);
  const usedToday = quota !== undefined && quota.day === utcDayKey(now) ? quota.requestsToday : 0;
  const pause = quota?.pause !== undefined && quota.pause.until > now && input.running ? quota.pause : undefined;
  let etaText = 'n/a';
  if (total !== null && finished >= total) etaText = '0s';
  else if (input.running && total !== null) {
    etaText = formatEta(
      estimateRemaining({
        now,
        done: finished,
        total,
        requests: report.analysis.requests,
        activeMs: Math.max(1, report.performance.durationMs - report.performance.totalPauseMs),
        usedToday,
        dailyLimit: input.dailyLimit,
        threshold: undefined,
        pausedUntil: pause?.until,
      }),
    );
  }
  const lastMinute = requestTimes.filter((t) => t > now - MINUTE_MS && t <= now).length;
  const latency = report.analysis.latencyMs;
  const batches: Record<string, string> = {};
  for (const part of input.batches?.parts ?? []) batches[part.name] = batchLine(part);
  let ended: string | null = null;
  if (!input.running) ended = total !== null && finished >= total ? 'Job finished' : 'Not running';
  return {
    now,
    startTime,
    done,
    failed,
    total,
    etaText,
    requests: report.analysis.requests,
    requestsPerMinute: lastMinute,
    providerRpm: quota?.windows?.requestsLimit ?? null,
    latency:
      latency === null
        ? { p50: null, p95: null, max: null }
        : { p50: Math.round(latency.p50), p95: Math.round(latency.p95), max: Math.round(latency.max) },
    usedToday,
    dailyLimit: input.dailyLimit ?? null,
    threshold: null,
    costUsd: report.analysis.costUsd,
    pausedUntil: pause?.until ?? null,
    pauseReason: pause?.reason ?? null,
    errorsByKind: { ...report.artists.failedByKind },
    recent: recent.slice(0, 12).map((a) => ({ ...a, text: a.text.slice(0, BIO_CHARS) })),
    batches,
    ended,
  };
}
