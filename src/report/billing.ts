/**
 * The report's billing section (docs/batch.md#report): the run's mode, what its answers cost,
 * what the same answers cost at standard prices, the saving, lines by the tier that billed
 * them, and in batch mode every batch of the run with its last status and counts.
 */
import type { RunEmitter } from '../core/events.js';
import type { OutputRecord, TokenUsage } from '../core/types.js';
import { roundUsd } from '../cost/cost.js';

/** How requests of a run are sent. */
export type RunMode = 'standard' | 'flex' | 'batch';

/** What the recorder needs to price the saving. */
export interface BillingOptions {
  mode: RunMode;
  /** Dollars `usage` of `model` costs at standard prices; null when the model has no price. */
  standardCostOf(usage: TokenUsage, model: string): number | null;
}

/** One batch of a batch-mode run, as last seen. */
export interface BatchReportEntry {
  id: string;
  /** The job's part it worked on, `part-0001`. */
  part: string;
  /** Last status seen: `in_progress`, `completed`, `expired`, … */
  status: string;
  requests: number;
  completed: number;
  failed: number;
  /** Once collected: lines written, failures recorded, artists sent again in a later batch. */
  written: number | null;
  resubmitted: number | null;
}

/** The billing section of a report. */
export interface BillingReport {
  mode: RunMode;
  /** Dollars of this run's answers (the sum of their `cost_usd`); null when none was priced. */
  costUsd: number | null;
  /** The same answers at standard prices; null when none was priced. */
  standardCostUsd: number | null;
  /** `standardCostUsd - costUsd`; null when either is unknown. */
  savingUsd: number | null;
  /** The saving in percent of the standard price; null when unknown. */
  savingPercent: number | null;
  /** Answers by the tier that billed them (`standard`, `flex`, `batch`). */
  linesByTier: Record<string, number>;
  /** Batch mode: every batch seen in this run, in the order they appeared. */
  batches: BatchReportEntry[];
}

/** The tier that billed a line: batch, flex when the response says so, else standard. */
function tierOf(record: OutputRecord): string {
  if (record.mode === 'batch') return 'batch';
  if (record.mode === 'flex' && record.service_tier === 'flex') return 'flex';
  return 'standard';
}

const add = (sum: number | null, usd: number | null | undefined): number | null =>
  typeof usd === 'number' ? roundUsd((sum ?? 0) + usd) : sum;

/** Watches a run's answers and batches; `report()` gives the section so far. */
export function observeBilling(
  events: RunEmitter,
  options: BillingOptions,
): { report: () => BillingReport; unsubscribe: () => void } {
  let cost: number | null = null;
  let standard: number | null = null;
  const linesByTier: Record<string, number> = {};
  const batches = new Map<string, BatchReportEntry>();
  const batch = (id: string, part: string): BatchReportEntry => {
    let entry = batches.get(id);
    if (entry === undefined) {
      entry = { id, part, status: 'submitted', requests: 0, completed: 0, failed: 0, written: null, resubmitted: null };
      batches.set(id, entry);
    }
    return entry;
  };
  const offs = [
    events.on('artist:done', ({ record }) => {
      const tier = tierOf(record);
      linesByTier[tier] = (linesByTier[tier] ?? 0) + 1;
      // Both sums cover the same lines, so the saving compares like with like.
      if (typeof record.cost_usd !== 'number') return;
      const atStandard = options.standardCostOf(record.usage, record.model);
      if (atStandard === null) return;
      cost = add(cost, record.cost_usd);
      standard = add(standard, atStandard);
    }),
    events.on('batch:submitted', (e) => {
      batch(e.batchId, e.part).requests = e.requests;
    }),
    events.on('batch:status', (e) => {
      const entry = batch(e.batchId, e.part);
      entry.status = e.status;
      entry.requests = e.total > 0 ? e.total : entry.requests;
      entry.completed = e.completed;
      entry.failed = e.failed;
    }),
    events.on('batch:collected', (e) => {
      const entry = batch(e.batchId, e.part);
      entry.status = e.status;
      entry.written = e.written;
      entry.resubmitted = e.resubmitted;
    }),
  ];
  return {
    report: () => {
      const saving = cost === null || standard === null ? null : roundUsd(standard - cost);
      return {
        mode: options.mode,
        costUsd: cost,
        standardCostUsd: standard,
        savingUsd: saving,
        savingPercent:
          saving === null || standard === null || standard === 0 ? null : Math.round((saving / standard) * 1000) / 10,
        linesByTier: { ...linesByTier },
        batches: [...batches.values()].map((entry) => ({ ...entry })),
      };
    },
    unsubscribe: () => offs.forEach((off) => off()),
  };
}

/** `3 batch(es) (2 completed, 1 expired)`. */
function batchCounts(batches: readonly BatchReportEntry[]): string {
  const byStatus = new Map<string, number>();
  for (const entry of batches) byStatus.set(entry.status, (byStatus.get(entry.status) ?? 0) + 1);
  const parts = [...byStatus].map(([status, n]) => `${n} ${status}`);
  return `${batches.length} batch(es)${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * Summary lines of the billing section (none for a standard run):
 * `Mode batch: 3 batch(es) (3 completed) · spend $0.0072 at batch prices · at standard prices $0.0144, saved $0.0072 (50 %)`.
 */
export function billingLines(billing: BillingReport | undefined, formatUsd: (usd: number) => string): string[] {
  if (billing === undefined || billing.mode === 'standard') return [];
  const spend = billing.costUsd === null ? 'n/a (no priced answer)' : formatUsd(billing.costUsd);
  const saving =
    billing.standardCostUsd === null || billing.savingUsd === null
      ? ''
      : ` · at standard prices ${formatUsd(billing.standardCostUsd)}, saved ${formatUsd(billing.savingUsd)}` +
        (billing.savingPercent === null ? '' : ` (${Math.round(billing.savingPercent)} %)`);
  const tiers = Object.entries(billing.linesByTier)
    .map(([tier, n]) => `${n} ${tier}`)
    .join(', ');
  const head =
    billing.mode === 'batch'
      ? `Mode batch: ${batchCounts(billing.batches)} · spend ${spend} at batch prices`
      : `Mode flex: lines by tier ${tiers === '' ? 'none' : tiers} · spend ${spend}`;
  return [`${head}${saving}`];
}

/** Header and rows of the batch table of a report (empty without batches). */
export function batchTable(billing: BillingReport | undefined): { header: string[]; rows: string[][] } {
  const header = ['Batch', 'Part', 'Status', 'Requests', 'Completed', 'Failed', 'Written', 'Resubmitted'];
  const rows = (billing?.batches ?? []).map((b) => [
    b.id,
    b.part,
    b.status,
    String(b.requests),
    String(b.completed),
    String(b.failed),
    b.written === null ? 'n/a' : String(b.written),
    b.resubmitted === null ? 'n/a' : String(b.resubmitted),
  ]);
  return { header, rows };
}
