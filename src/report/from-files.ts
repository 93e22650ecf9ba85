import { existsSync } from 'node:fs';
import { ManualClock } from '../core/clock.js';
import { RunEmitter } from '../core/events.js';
import type { ErrorRecord, OutputRecord } from '../core/types.js';
import { outputPaths, readJsonl } from '../output/index.js';
import { createRunRecorder } from './recorder.js';
import type { RunReport } from './types.js';

/** One finished artist as the files tell it. */
interface FileEntry {
  /** Epoch ms the artist finished. */
  at: number;
  ok: boolean;
  id: string;
  name: string;
  attempts: number;
  durationMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | undefined;
  errorKind: string;
  status: number | null;
  text: string;
}

/** A bio recently written, for the dashboard's list. */
export interface RecentArtist {
  id: string;
  name: string;
  /** ISO time it was written. */
  time: string;
  /** The bio, or the error message for a failure. */
  text: string;
  ok: boolean;
}

/** What a job's files say about it, rebuilt without the process that ran it. */
export interface FileView {
  report: RunReport;
  recent: RecentArtist[];
  /** Epoch ms of every request the files account for (one per attempt, at the artist's finish), ascending. */
  requestTimes: number[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

async function readEntries(path: string, ok: boolean): Promise<FileEntry[]> {
  if (!existsSync(path)) return [];
  const entries: FileEntry[] = [];
  for await (const entry of readJsonl(path)) {
    if (!('value' in entry) || !isRecord(entry.value)) continue;
    if (ok) {
      const r = entry.value as Partial<OutputRecord>;
      if (typeof r.artist_id !== 'string' || typeof r.created !== 'number') continue;
      entries.push({
        at: r.created * 1000,
        ok,
        id: r.artist_id,
        name: r.artist_name ?? r.artist_id,
        attempts: r.attempts ?? 1,
        durationMs: r.duration_ms ?? 0,
        inputTokens: r.usage?.input_tokens ?? 0,
        outputTokens: r.usage?.output_tokens ?? 0,
        costUsd: typeof r.cost_usd === 'number' ? r.cost_usd : undefined,
        errorKind: '',
        status: 200,
        text: r.response_text ?? '',
      });
    } else {
      const r = entry.value as Partial<ErrorRecord>;
      const at = typeof r.time === 'string' ? Date.parse(r.time) : Number.NaN;
      if (typeof r.artist_id !== 'string' || !Number.isFinite(at)) continue;
      entries.push({
        at,
        ok,
        id: r.artist_id,
        name: r.artist_name ?? r.artist_id,
        attempts: r.attempts ?? 1,
        durationMs: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: undefined,
        errorKind: r.error_kind ?? 'unknown',
        status: r.status ?? null,
        text: r.message ?? '',
      });
    }
  }
  return entries;
}

/**
 * Rebuilds a run report (with its timeline) from an output JSONL and its errors file alone, by
 * replaying each line as the events the run would have emitted on a manual clock. Pauses, 429s,
 * CPU and memory are not in the files and read as none / n/a.
 * @param recentCount how many of the latest artists to return @default 20
 */
export async function reportFromFiles(outputPath: string, recentCount = 20): Promise<FileView> {
  const paths = outputPaths(outputPath);
  const entries = [...(await readEntries(outputPath, true)), ...(await readEntries(paths.errors, false))].sort(
    (a, b) => a.at - b.at,
  );
  const first = entries[0];
  const start = first === undefined ? 0 : first.at - first.durationMs;
  const clock = new ManualClock(start);
  const events = new RunEmitter();
  const recorder = createRunRecorder(events, { clock, config: {}, sampleIntervalMs: 3_600_000 });
  events.emit('run:start', {
    time: start,
    inputPath: '(rebuilt from files)',
    outputPath,
    maxWorkers: 0,
    total: entries.length,
    alreadyDone: 0,
    promptLabel: 'unknown',
  });
  let succeeded = 0;
  let failed = 0;
  for (const e of entries) {
    clock.set(Math.max(clock.now(), e.at));
    const artist = { id: e.id, name: e.name, data: undefined, line: 0 };
    for (let attempt = 1; attempt <= e.attempts; attempt++) events.emit('request:sent', { artist, worker: 0, attempt });
    if (e.ok) {
      succeeded += 1;
      events.emit('request:done', {
        artist,
        ok: true,
        status: 200,
        kind: undefined,
        durationMs: e.durationMs,
        usage: {
          input_tokens: e.inputTokens,
          output_tokens: e.outputTokens,
          total_tokens: e.inputTokens + e.outputTokens,
        },
        ...(e.costUsd === undefined ? {} : { costUsd: e.costUsd }),
      });
      events.emit('artist:done', { artist, worker: 0, index: succeeded, total: undefined, record: {} as OutputRecord });
    } else {
      failed += 1;
      events.emit('artist:failed', {
        artist,
        worker: 0,
        index: failed,
        total: undefined,
        record: { error_kind: e.errorKind, status: e.status, attempts: e.attempts } as ErrorRecord,
      });
    }
  }
  const summary = recorder.summarize({ outcome: 'completed', exitCode: failed > 0 ? 4 : 0, outputPath });
  const built = recorder.finish(summary);
  const report: RunReport = {
    ...built,
    resources: { ...built.resources, cpuAveragePercent: null, rssAverageMb: null, rssPeakMb: null, memorySamples: 0 },
    checks: built.checks.map((c) =>
      c.id === 'memory_peak' ? { ...c, actual: 'n/a (not in the files)', value: null, status: 'n/a' as const } : c,
    ),
    notes: ['Rebuilt from the output files: pauses, 429s, retries by kind, CPU and memory are not recorded there.'],
    ...(built.timeline === undefined ? {} : { timeline: { ...built.timeline, source: 'files' as const } }),
  };
  const recent = entries
    .slice(-recentCount)
    .reverse()
    .map((e) => ({ id: e.id, name: e.name, time: new Date(e.at).toISOString(), text: e.text, ok: e.ok }));
  const requestTimes = entries.flatMap((e) => Array.from({ length: Math.max(1, e.attempts) }, () => e.at));
  return { report, recent, requestTimes };
}
