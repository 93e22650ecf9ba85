import { readJsonl } from '../output/read-jsonl.js';
import { loadQuotaState } from '../quota/state-store.js';
import { utcDayKey } from '../quota/utc-day.js';

/** What a job's own files prove was already used today. */
export interface KnownUsage {
  requests: number;
  spentUsd: number;
}

/** The files of one job that can testify about today's usage. */
export interface JobFiles {
  /** The output JSONL (lines carry `created`, `attempts`, `cost_usd`). */
  output: string;
  /** The errors JSONL (lines carry `time`, `attempts`). */
  errors: string;
  /** The job's state file (`<output>.state.json`), a copy of the ledger at its last write. */
  state: string;
}

async function sumLines(path: string, isToday: (value: Record<string, unknown>) => boolean): Promise<KnownUsage> {
  const total = { requests: 0, spentUsd: 0 };
  try {
    for await (const entry of readJsonl(path)) {
      if (!('value' in entry) || typeof entry.value !== 'object' || entry.value === null) continue;
      const value = entry.value as Record<string, unknown>;
      if (!isToday(value)) continue;
      total.requests += typeof value['attempts'] === 'number' && value['attempts'] > 0 ? value['attempts'] : 1;
      if (typeof value['cost_usd'] === 'number') total.spentUsd += value['cost_usd'];
    }
  } catch {
    // A missing or unreadable file testifies to nothing.
  }
  return total;
}

const sameDay = (epochMs: number, day: string): boolean => Number.isFinite(epochMs) && utcDayKey(epochMs) === day;

/**
 * A lower bound of today's usage by this job, from its own files: the state file's count when
 * it is from today, or else the attempts of today's output lines (`created`) and error lines
 * (`time`), whichever is larger. Used when the ledger has no record of the key (deleted or
 * emptied): the count restarts from what is known, never from 0.
 */
export async function knownUsageToday(files: JobFiles, now: number): Promise<KnownUsage> {
  const today = utcDayKey(now);
  const state = await loadQuotaState(files.state);
  const fromState =
    state.kind === 'loaded' && state.state.day === today
      ? { requests: state.state.requestsToday, spentUsd: state.state.spentUsd }
      : { requests: 0, spentUsd: 0 };
  const outputs = await sumLines(
    files.output,
    (v) => typeof v['created'] === 'number' && sameDay(v['created'] * 1000, today),
  );
  const errors = await sumLines(
    files.errors,
    (v) => typeof v['time'] === 'string' && sameDay(Date.parse(v['time']), today),
  );
  return {
    requests: Math.max(fromState.requests, outputs.requests + errors.requests),
    spentUsd: Math.max(fromState.spentUsd, outputs.spentUsd),
  };
}
