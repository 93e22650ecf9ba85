/**
 * `quota show` and `quota reset --yes`: look at and deliberately reset the key ledger
 * (docs/ledger.md). Injectable like `db`: tests pass their own environment and writers.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { ConfigError, UsageError } from '../core/errors.js';
import { formatUsd } from '../cost/cost.js';
import {
  LEDGER_FILE,
  ledgerRows,
  ledgerScope,
  openLedgerDatabase,
  openPgLedgerDatabase,
  pgActivePeers,
  pgLedgerRows,
  pgResetScope,
  resetScope,
  stateDirectory,
  type LedgerRow,
  type LedgerScope,
} from '../ledger/index.js';
import { redactDbUrl } from '../store/redact.js';
import { LedgerDamagedError } from '../quota/index.js';
import { utcDayKey } from '../quota/utc-day.js';

/** Where the `quota` commands read the environment and the time, and write text. */
export interface QuotaCommandIo {
  /** @default process.stdout */
  stdout?: (text: string) => void;
  /** Environment for OPENAI_API_KEY, OPENAI_BASE_URL, LEDGER_URL and XDG_STATE_HOME. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default os.homedir() */
  home?: string;
  /** Epoch ms now. @default Date.now */
  now?: () => number;
}

interface ScopeFlags {
  apiKey?: string;
  baseUrl?: string;
  ledger?: string;
  ledgerUrl?: string;
  json?: boolean;
  yes?: boolean;
}

function ledgerPath(flags: ScopeFlags, io: Required<QuotaCommandIo>): string {
  return flags.ledger ?? join(stateDirectory(io.env, io.home), LEDGER_FILE);
}

function ledgerUrl(flags: ScopeFlags, io: Required<QuotaCommandIo>): string | undefined {
  if (flags.ledgerUrl !== undefined && flags.ledger !== undefined) {
    throw new UsageError('--ledger and --ledger-url each name the ledger: give one of them.');
  }
  const env = flags.ledger === undefined ? io.env['LEDGER_URL'] : undefined;
  const url = flags.ledgerUrl ?? (env === '' ? undefined : env);
  return url;
}

function printRows(
  flags: ScopeFlags,
  io: Required<QuotaCommandIo>,
  location: string,
  all: LedgerRow[],
  peers?: Map<string, number>,
): void {
  const key = flags.apiKey ?? io.env['OPENAI_API_KEY'];
  const baseUrl = flags.baseUrl ?? io.env['OPENAI_BASE_URL'];
  let rows = all;
  if (key !== undefined && key !== '') {
    const scope = ledgerScope(baseUrl, key);
    rows = rows.filter((r) => r.scope === scope.id);
  }
  const now = io.now();
  const today = utcDayKey(now);
  if (flags.json === true) {
    const scopes = peers ? rows.map((r) => ({ ...r, processes_now: peers.get(r.scope) ?? 0 })) : rows;
    io.stdout(`${JSON.stringify({ ledger: location, day: today, scopes }, null, 2)}\n`);
    return;
  }
  const lines = [`Key ledger: ${location}`];
  if (rows.length === 0) lines.push('No record for this API key and origin yet.');
  for (const row of rows) {
    lines.push(...describeRow(row, today, now));
    if (peers) lines.push(`  Processes sending in the last minute: ${peers.get(row.scope) ?? 0}`);
  }
  io.stdout(`${lines.join('\n')}\n`);
}

async function showPg(flags: ScopeFlags, io: Required<QuotaCommandIo>, url: string): Promise<void> {
  const client = openPgLedgerDatabase(url);
  try {
    printRows(flags, io, redactDbUrl(url), pgLedgerRows(client), pgActivePeers(client, io.now()));
  } finally {
    await client.close();
  }
}

async function resetPg(io: Required<QuotaCommandIo>, url: string, scope: LedgerScope): Promise<void> {
  const client = openPgLedgerDatabase(url);
  try {
    pgResetScope(client, scope, io.now());
  } finally {
    await client.close();
  }
  io.stdout(
    `Reset the key ledger at ${redactDbUrl(url)} for ${scope.origin}, key fingerprint ${scope.keyFingerprint}: 0 requests and $0 today.\n`,
  );
}

function describeRow(row: LedgerRow, today: string, now: number): string[] {
  const current = row.day === today;
  const pause =
    row.pause_until !== null && row.pause_until > now
      ? `${row.pause_reason ?? 'paused'} until ${new Date(row.pause_until).toISOString()}`
      : 'none';
  const windows =
    row.window_observed_at === null
      ? 'none seen yet'
      : `${row.window_requests ?? '?'} requests/min, ${row.window_tokens ?? '?'} tokens/min (seen ${new Date(row.window_observed_at).toISOString()})`;
  return [
    `Scope: ${row.origin}, key fingerprint ${row.key_fingerprint}`,
    `  Day (UTC): ${today}`,
    `  Requests today: ${current ? row.requests : 0}`,
    `  Spend today: ${formatUsd(current ? row.spent_usd : 0)}`,
    `  Threshold pause fired today: ${row.threshold_pause_day === today ? 'yes' : 'no'}`,
    `  Pause in force: ${pause}`,
    `  Provider limits last seen: ${windows}`,
    ...(row.reset_day === today ? ['  Reset deliberately today (quota reset)'] : []),
  ];
}

function showAction(io: Required<QuotaCommandIo>) {
  return async (flags: ScopeFlags): Promise<void> => {
    const url = ledgerUrl(flags, io);
    if (url !== undefined) {
      await showPg(flags, io, url);
      return;
    }
    const path = ledgerPath(flags, io);
    if (!existsSync(path)) {
      io.stdout(`No key ledger yet at ${path} (it is created by the first run).\n`);
      return;
    }
    const db = openLedgerDatabase(path);
    try {
      printRows(flags, io, path, ledgerRows(db));
    } finally {
      db.close();
    }
  };
}

function resetAction(io: Required<QuotaCommandIo>) {
  return async (flags: ScopeFlags): Promise<void> => {
    if (flags.yes !== true) {
      throw new UsageError(
        "quota reset sets today's request count and spend of your API key to 0, so later runs may send up to the whole daily limit again. If that is what you want, run `artist-bio-gen quota reset --yes`.",
      );
    }
    const key = flags.apiKey ?? io.env['OPENAI_API_KEY'];
    if (key === undefined || key === '') {
      throw new ConfigError(
        'quota reset needs the API key whose ledger to reset: set OPENAI_API_KEY or pass --api-key.',
      );
    }
    const scope = ledgerScope(flags.baseUrl ?? io.env['OPENAI_BASE_URL'], key);
    const url = ledgerUrl(flags, io);
    if (url !== undefined) {
      await resetPg(io, url, scope);
      return;
    }
    const path = ledgerPath(flags, io);
    const now = io.now();
    let db;
    try {
      db = openLedgerDatabase(path);
    } catch (error) {
      if (!(error instanceof LedgerDamagedError)) throw error;
      // A damaged file is kept for inspection, never deleted: the reset starts a new one.
      const aside = `${path}.damaged-${now}`;
      renameSync(path, aside);
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
      io.stdout(`The damaged ledger was moved to ${aside}.\n`);
      db = openLedgerDatabase(path);
    }
    try {
      if (!resetScope(db, scope.id, now)) {
        db.prepare(
          `INSERT INTO key_ledger (scope, origin, key_fingerprint, day, requests, spent_usd, reset_day, updated_at)
           VALUES (?, ?, ?, ?, 0, 0, ?, ?)`,
        ).run(scope.id, scope.origin, scope.keyFingerprint, utcDayKey(now), utcDayKey(now), now);
      }
      io.stdout(
        `Reset the key ledger ${path} for ${scope.origin}, key fingerprint ${scope.keyFingerprint}: 0 requests and $0 today.\n`,
      );
    } finally {
      db.close();
    }
  };
}

const addScopeOptions = (cmd: Command): Command =>
  cmd
    .option('--api-key <key>', 'the API key whose ledger to use [env OPENAI_API_KEY]; never printed')
    .option('--base-url <url>', 'API base URL [env OPENAI_BASE_URL] (default: https://api.openai.com/v1)')
    .option('--ledger <file>', 'key ledger file (default: $XDG_STATE_HOME/artist-bio-gen/ledger.sqlite)')
    .option('--ledger-url <url>', 'the key ledger in PostgreSQL [env LEDGER_URL]; its password is never printed');

/** The `quota` command group: `quota show` and `quota reset --yes`. */
export function quotaCommand(io: QuotaCommandIo = {}): Command {
  const resolved: Required<QuotaCommandIo> = {
    stdout: io.stdout ?? ((text) => void process.stdout.write(text)),
    env: io.env ?? process.env,
    home: io.home ?? homedir(),
    now: io.now ?? Date.now,
  };
  const show = addScopeOptions(new Command('show'))
    .description("today's requests, spend, pause state and provider limits of the key ledger")
    .option('--json', 'print the rows as JSON')
    .action(showAction(resolved));
  const reset = addScopeOptions(new Command('reset'))
    .description("set today's count and spend of one API key to 0 (needs --yes)")
    .option('--yes', 'confirm the reset')
    .action(resetAction(resolved));
  return new Command('quota')
    .description('Show or deliberately reset the key ledger shared by every run on an API key')
    .addCommand(show)
    .addCommand(reset)
    .addHelpText(
      'after',
      `
Examples:
  $ OPENAI_API_KEY=sk-... artist-bio-gen quota show
  $ artist-bio-gen quota show --json
  $ OPENAI_API_KEY=sk-... artist-bio-gen quota reset --yes
  $ artist-bio-gen quota show --ledger-url postgres://bios@db.internal:5432/bios

The ledger holds a fingerprint of the key (a hash), never the key (docs/ledger.md).
`,
    );
}
