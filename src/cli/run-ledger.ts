import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig } from '../config/index.js';
import type { Clock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import type { RunEmitter } from '../core/events.js';
import { formatUsd, roundUsd, worstCaseCost, type MeasuringBuilder, type Pricer } from '../cost/index.js';
import {
  knownUsageToday,
  LEDGER_FILE,
  ledgerScope,
  PostgresLedger,
  SqliteLedger,
  stateDirectory,
} from '../ledger/index.js';
import type { OutputPaths } from '../output/index.js';
import { readJsonl } from '../output/read-jsonl.js';
import { DailyLedger, type QuotaLedger, type SpendOptions } from '../quota/index.js';

/** Path of the user's key ledger (docs/ledger.md). */
export function defaultLedgerPath(env: Readonly<Record<string, string | undefined>>): string {
  return join(stateDirectory(env, homedir()), LEDGER_FILE);
}

/**
 * The ledger a run counts against (docs/ledger.md): the `--state-file` JSON file when given
 * (a per-job ledger), the JSON file next to the output for `--simulate` (the simulator's budget
 * is nobody's), else the user's key ledger, scoped to the API origin and key fingerprint, with
 * a JSON copy of its state next to the output. `--ledger-url` puts the key ledger in PostgreSQL,
 * shared across machines (docs/ledger.md#postgresql).
 */
export async function openRunLedger(
  config: RunConfig,
  paths: OutputPaths,
  clock: Clock,
  events: RunEmitter,
  apiKey: string,
  baseUrl: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<QuotaLedger> {
  const limited = config.dailyLimit !== undefined || config.dailyCostLimit !== undefined;
  const jobFiles = { output: paths.output, errors: paths.errors, state: paths.state };
  const known = (): Promise<{ requests: number; spentUsd: number }> =>
    limited ? knownUsageToday(jobFiles, clock.now()) : Promise.resolve({ requests: 0, spentUsd: 0 });
  const log = (level: 'debug' | 'info' | 'warn', message: string): void => events.log(level, message);
  if (config.ledgerUrl !== undefined) {
    if (config.stateFile !== undefined) {
      throw new UsageError('--ledger-url and --state-file each name the ledger to count against: give one of them.');
    }
    const scope = ledgerScope(baseUrl, apiKey);
    const ledger = await PostgresLedger.open(config.ledgerUrl, scope, clock, {
      knownToday: known,
      mirrorPath: paths.state,
      log,
    });
    events.log('info', `Key ledger: ${ledger.location} (API ${scope.origin}, key fingerprint ${scope.keyFingerprint})`);
    return ledger;
  }
  if (config.stateFile !== undefined || config.simulate) {
    const path = config.stateFile ?? paths.state;
    const missingCount = limited && config.stateFile !== undefined ? (await known()).requests : 0;
    return DailyLedger.open(path, clock, log, { refuseDamaged: limited, knownToday: missingCount });
  }
  const path = defaultLedgerPath(env);
  const scope = ledgerScope(baseUrl, apiKey);
  const ledger = await SqliteLedger.open(path, scope, clock, {
    refuseDamaged: limited,
    knownToday: known,
    mirrorPath: paths.state,
    log,
  });
  events.log('info', `Key ledger: ${path} (API ${scope.origin}, key fingerprint ${scope.keyFingerprint})`);
  return ledger;
}

/** Dollars the earlier runs of this job spent: the sum of the output's `cost_usd`. */
export async function jobSpentUsd(outputPath: string): Promise<number> {
  let total = 0;
  try {
    for await (const entry of readJsonl(outputPath)) {
      if (!('value' in entry) || typeof entry.value !== 'object' || entry.value === null) continue;
      const cost = (entry.value as Record<string, unknown>)['cost_usd'];
      if (typeof cost === 'number') total += cost;
    }
  } catch {
    return 0;
  }
  return roundUsd(total);
}

/**
 * Dollar limits of a run for the gate. With `--max-cost` or `--daily-cost-limit`, the run's
 * model needs a price and its requests an output cap, else no worst case exists to reserve.
 *
 * @throws UsageError when a cost limit is set but the worst case cannot be known
 */
export async function spendOptions(
  config: RunConfig,
  pricer: Pricer,
  builder: MeasuringBuilder,
  model: string | undefined,
  resumed: boolean,
  events: RunEmitter,
): Promise<SpendOptions> {
  const price = model === undefined ? undefined : pricer.price(model);
  const limited = config.maxCost !== undefined || config.dailyCostLimit !== undefined;
  const cap = builder.maxOutputTokens;
  if (limited) {
    const flag = config.maxCost !== undefined ? '--max-cost' : '--daily-cost-limit';
    if (price === undefined) {
      throw new UsageError(
        `${flag} needs the price of the model${model === undefined ? '' : ` "${model}"`}: add it with --prices FILE (docs/costs.md).`,
      );
    }
    if (cap === undefined || builder.unmeasurable) {
      throw new UsageError(
        `${flag} needs a worst case per request: use a template prompt with max_output_tokens (stored prompts cannot be measured locally).`,
      );
    }
  }
  const spent = config.maxCost !== undefined && resumed ? await jobSpentUsd(config.output) : 0;
  if (config.maxCost !== undefined) {
    events.log(
      'info',
      `Cost cap: --max-cost ${formatUsd(config.maxCost)} for this job, ${formatUsd(spent)} already spent by earlier runs`,
    );
  }
  return {
    // The largest cap built so far: a larger-cap retry reserves its own worst case (docs/costs.md#dollar-limits).
    reserveUsd: () => {
      const reservedCap = builder.maxReservedOutputTokens;
      return price === undefined || reservedCap === undefined
        ? 0
        : worstCaseCost(builder.maxInputTokens, reservedCap, price);
    },
    actualUsd: (usage) => (price === undefined ? undefined : (pricer.costOf(usage, model ?? '') ?? undefined)),
    maxCostUsd: config.maxCost,
    jobSpentUsd: spent,
    dailyCostLimitUsd: config.dailyCostLimit,
  };
}
