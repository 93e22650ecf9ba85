import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { RunConfig } from '../config/index.js';
import { ledgerRows, ledgerScope } from '../ledger/index.js';
import type { OutputPaths } from '../output/index.js';
import { loadQuotaState, utcDayKey, type RateLimits } from '../quota/index.js';
import { defaultLedgerPath } from './run-ledger.js';

/** What the ledger of a job knows before it starts, for the `--dry-run` estimate. */
export interface KnownLimits {
  /** Provider limits last seen; undefined when no earlier run saw any. */
  limits: RateLimits | undefined;
  /** Requests the key already used today (0 when unknown). */
  usedToday: number;
  /** Where the figures come from, for the estimate's text. */
  source: string | undefined;
}

const UNKNOWN: KnownLimits = { limits: undefined, usedToday: 0, source: undefined };

const limitsOf = (requests: number | null | undefined, tokens: number | null | undefined): RateLimits | undefined =>
  (requests ?? undefined) === undefined && (tokens ?? undefined) === undefined
    ? undefined
    : { requestsPerMinute: requests ?? undefined, tokensPerMinute: tokens ?? undefined };

// The key ledger opened read-only: a dry run writes nothing, not even a new ledger.
function fromKeyLedger(path: string, scopeId: string, now: number): KnownLimits {
  if (!existsSync(path)) return UNKNOWN;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const row = ledgerRows(db).find((r) => r.scope === scopeId);
    if (row === undefined) return UNKNOWN;
    return {
      limits: limitsOf(row.window_requests, row.window_tokens),
      usedToday: row.day === utcDayKey(now) ? row.requests : 0,
      source: `key ledger ${path}`,
    };
  } catch {
    // An unreadable ledger only costs the estimate its known limits; the real run reports it.
    return UNKNOWN;
  } finally {
    db?.close();
  }
}

async function fromStateFile(path: string, now: number): Promise<KnownLimits> {
  const loaded = await loadQuotaState(path);
  if (loaded.kind !== 'loaded') return UNKNOWN;
  const { state } = loaded;
  return {
    limits: limitsOf(state.windows?.requestsLimit, state.windows?.tokensLimit),
    usedToday: state.day === utcDayKey(now) ? state.requestsToday : 0,
    source: `state file ${path}`,
  };
}

/**
 * The provider limits and today's count the run's ledger holds (docs/ledger.md), read without
 * writing anything: the `--state-file` when given, the built-in simulator's own limits with
 * `--simulate`, else the key ledger row of the configured key, else the copy next to the output.
 */
export async function knownLimits(
  config: RunConfig,
  paths: OutputPaths,
  env: Readonly<Record<string, string | undefined>>,
  now: number,
  simulated: RateLimits,
): Promise<KnownLimits> {
  if (config.stateFile !== undefined) return fromStateFile(config.stateFile, now);
  if (config.simulate) return { limits: simulated, usedToday: 0, source: 'built-in simulator' };
  if (config.apiKey !== undefined && config.apiKey !== '') {
    let scopeId: string | undefined;
    try {
      scopeId = ledgerScope(config.baseUrl, config.apiKey).id;
    } catch {
      scopeId = undefined;
    }
    const known = scopeId === undefined ? UNKNOWN : fromKeyLedger(defaultLedgerPath(env), scopeId, now);
    if (known.source !== undefined) return known;
  }
  return fromStateFile(paths.state, now);
}
