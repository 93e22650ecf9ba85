import type { RunSummary } from '../core/events.js';
import { computeChecks } from './checks.js';
import { BYTES_PER_MB, iso } from './format.js';
import type { Observations } from './observations.js';
import { redactRecord, scrubSecrets } from '../core/redact.js';
import type { ResourceFigures } from './resources.js';
import type { PauseAccuracyEntry, RunReport } from './types.js';

/** Everything {@link buildReport} combines. */
export interface BuildInputs {
  observations: Observations;
  summary: RunSummary;
  resources: ResourceFigures;
  config: Readonly<Record<string, string | number | boolean | null>>;
  /** Size of the output JSONL after the run, when known. */
  outputBytes: number | undefined;
  /** Epoch ms the report is made. */
  now: number;
}

function sum(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function perMinute(count: number, ms: number): number | null {
  return ms > 0 ? count / (ms / 60_000) : null;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

function thresholdPercent(o: Observations, config: BuildInputs['config']): number | null {
  if (o.threshold !== undefined) return o.threshold * 100;
  const configured = config['quotaThreshold'] ?? config['quota_threshold'];
  return typeof configured === 'number' ? configured * 100 : null;
}

/**
 * Combines the runner's summary with what the recorder observed. Counts of artists come from the
 * summary (it decides the outcome); request, token, retry and pause figures come from the events
 * when the recorder saw the run start, from the summary otherwise. Disagreements become notes.
 */
export function buildReport(input: BuildInputs): RunReport {
  const { observations: o, summary: s, resources: r } = input;
  const notes: string[] = [];
  const observed = o.runStart !== undefined;
  const pick = (label: string, fromEvents: number, fromSummary: number): number => {
    if (!observed) return fromSummary;
    if (Math.round(fromEvents) !== Math.round(fromSummary)) {
      notes.push(`${label}: events show ${Math.round(fromEvents)}, the run summary says ${Math.round(fromSummary)}.`);
    }
    return fromEvents;
  };
  if (!observed) notes.push('The recorder did not see the run start; request and pause figures come from the summary.');
  if (observed && o.artistsDone !== s.succeeded) {
    notes.push(`Artists succeeded: events show ${o.artistsDone}, the run summary says ${s.succeeded}.`);
  }
  if (observed && o.artistsFailed !== s.failed) {
    notes.push(`Artists failed: events show ${o.artistsFailed}, the run summary says ${s.failed}.`);
  }

  const durationMs = Math.max(0, s.endTime - s.startTime);
  const openPauseMs = o.openPauseSince === undefined ? 0 : Math.max(0, s.endTime - o.openPauseSince);
  const requests = pick('Requests sent', o.requestsSent, s.requests);
  const inputTokens = pick('Input tokens', o.inputTokens, s.inputTokens);
  const outputTokens = pick('Output tokens', o.outputTokens, s.outputTokens);
  const requestTimeMs = observed ? o.latency.sum : s.requestTimeMs;
  const retriesByKind = observed ? o.retriesByKind : s.retriesByKind;
  const retries = pick('Retries', sum(o.retriesByKind), s.retries);
  const rateLimitedByKind = observed ? o.rateLimitedByKind : s.rateLimited;
  const pauses = pick('Pauses', o.pauses.length, s.pauses);
  const totalPauseMs = observed ? o.resumedPauseMs + openPauseMs : s.pausedMs;
  const activeMs = Math.max(0, durationMs - totalPauseMs);
  const processed = s.succeeded + s.failed;

  const threshold = thresholdPercent(o, input.config);
  const accuracy: PauseAccuracyEntry[] = [];
  for (const pause of o.pauses) {
    if (pause.reason !== 'threshold' || pause.dailyLimit === undefined || pause.dailyLimit <= 0) continue;
    if (threshold === null) continue;
    const usagePercent = (pause.usedToday / pause.dailyLimit) * 100;
    accuracy.push({
      time: iso(pause.at),
      usedToday: pause.usedToday,
      dailyLimit: pause.dailyLimit,
      usagePercent,
      deviationPoints: usagePercent - threshold,
    });
  }

  const peakBytes = Math.max(r.rssPeakBytes ?? 0, s.peakRssBytes);
  const peakRssMb = peakBytes > 0 ? peakBytes / BYTES_PER_MB : null;
  const averagePerArtistMs = processed > 0 ? durationMs / processed : null;
  const records = s.alreadyDone + s.succeeded;
  const outputBytes = input.outputBytes ?? null;
  const bytesPerArtist = outputBytes !== null && records > 0 ? outputBytes / records : null;

  const checks = computeChecks({
    succeeded: s.succeeded,
    failed: s.failed,
    notAttempted: s.notAttempted,
    durationMs: activeMs,
    averagePerArtistMs: processed > 0 ? activeMs / processed : null,
    stoppedEarly: s.outcome === 'interrupted' || s.outcome === 'quota_stopped',
    peakRssMb,
    thresholdPercent: threshold,
    pauses: accuracy,
  });
  const verdict = s.outcome === 'completed' && checks.every((c) => c.status !== 'fail') ? 'pass' : 'fail';
  const stopReason =
    o.stopping !== undefined
      ? scrubSecrets(`${o.stopping.reason}: ${o.stopping.message}`)
      : s.outcome === 'completed'
        ? null
        : s.outcome;
  const maxWorkers = o.runStart?.maxWorkers ?? input.config['maxWorkers'];

  return {
    schemaVersion: 1,
    tool: 'artist-bio-gen',
    generatedAt: iso(input.now),
    outcome: s.outcome,
    exitCode: s.exitCode,
    stopReason,
    verdict,
    inputPath: o.runStart?.inputPath ?? null,
    outputPath: s.outputPath,
    promptLabel: o.runStart?.promptLabel ?? null,
    artists: {
      planned: s.succeeded + s.failed + s.notAttempted,
      succeeded: s.succeeded,
      failed: s.failed,
      notAttempted: s.notAttempted,
      alreadyDone: s.alreadyDone,
      inputSkipped: s.inputSkipped,
      inputErrors: s.inputErrors,
      failedByKind: { ...o.failedByKind },
      ...(o.shard ? { shard: { ...o.shard } } : {}),
    },
    checks,
    performance: {
      startTime: iso(s.startTime),
      endTime: iso(s.endTime),
      durationMs,
      averagePerArtistMs,
      pauses,
      pausesByReason: countBy(o.pauses, (p) => p.reason),
      totalPauseMs,
    },
    analysis: {
      requests,
      requestsPerMinute: perMinute(requests, durationMs),
      requestsPerMinuteActive: perMinute(requests, activeMs),
      inputTokens,
      outputTokens,
      tokensPerMinute: perMinute(inputTokens + outputTokens, durationMs),
      costUsd: observed ? o.costUsd : null,
      effectiveParallelism: durationMs > 0 ? requestTimeMs / durationMs : null,
      maxWorkers: typeof maxWorkers === 'number' ? maxWorkers : null,
      latencyMs: o.latency.figures(),
      retries,
      retriesByKind: { ...retriesByKind },
      rateLimitedByKind: { ...rateLimitedByKind },
    },
    resources: {
      cpuAveragePercent: r.cpuAveragePercent,
      rssAverageMb: r.rssAverageBytes === null ? null : r.rssAverageBytes / BYTES_PER_MB,
      rssPeakMb: peakRssMb,
      memorySamples: r.samples,
      outputBytes,
      bytesPerArtist,
      storagePer10kArtistsMb: bytesPerArtist === null ? null : (bytesPerArtist * 10_000) / BYTES_PER_MB,
    },
    pauseAccuracy: { thresholdPercent: threshold, entries: accuracy },
    quotaEvents: o.quotaEvents.map((e) => ({ ...e })),
    config: redactRecord(input.config),
    notes,
  };
}
