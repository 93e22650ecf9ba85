/**
 * `artist-bio-gen db …`: database maintenance from an output JSONL, without calling the API.
 * `sync` writes bios to SQLite or PostgreSQL; `export-sql` writes a .sql + .csv pair for psql.
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { numericFlag } from '../config/index.js';
import { UsageError } from '../core/errors.js';
// Type-only at load time: the database drivers load when a db command actually runs.
import type { BioStore, ScanCounts, StoreLogLevel, SyncIssue, SyncReport } from '../store/index.js';

/** Where the `db` commands read the environment and write text; tests pass their own. */
export interface DbCommandIo {
  /** Summary output. @default process.stdout */
  stdout?: (text: string) => void;
  /** Diagnostics and per-line problems. @default process.stderr */
  stderr?: (text: string) => void;
  /** Environment for `DATABASE_URL`. @default process.env */
  env?: NodeJS.ProcessEnv;
}

interface SyncFlags {
  dbUrl?: string;
  sqlite?: string;
  testMode?: boolean;
  dbTarget: 'store' | 'catalog';
  dbSchema?: string;
  batchSize: number;
  maxIssues: number;
  json?: boolean;
  verbose?: boolean;
}

interface ExportFlags {
  outDir: string;
  testMode?: boolean;
  table?: string;
  maxIssues: number;
  json?: boolean;
}

const wholeNumber = (flag: string, min: number, max: number) => numericFlag(flag, { min, max, integer: true });

/** Prints the first `max` issues and, at the end, how many were not shown. */
function issuePrinter(
  write: (text: string) => void,
  max: number,
): { onIssue: (i: SyncIssue) => void; finish: () => void } {
  let seen = 0;
  return {
    onIssue(issue) {
      seen += 1;
      if (seen <= max)
        write(
          `Line ${issue.line}: ${issue.message}${issue.kind === 'db-error' ? ` (artist ${issue.artistId ?? '?'})` : ''}\n`,
        );
    },
    finish() {
      if (seen > max) write(`… ${seen - max} more line problem(s) not shown (raise --max-issues to see them)\n`);
    },
  };
}

function countLines(c: ScanCounts): string[] {
  return [
    `Invalid lines:    ${c.invalid}`,
    `Duplicate lines:  ${c.duplicates}${c.duplicates > 0 ? ' (superseded by a later line for the same artist)' : ''}`,
    `Empty bios:       ${c.emptyBios}`,
  ];
}

function formatSync(report: SyncReport, store: BioStore, source: string): string {
  const seconds = report.durationMs / 1000;
  const handled = report.written + report.skipped + report.errors;
  const rate = seconds > 0 ? ` (${Math.round(handled / seconds)} records/s)` : '';
  return [
    `Database sync: ${source} → ${store.describe()}`,
    `Lines read:       ${report.read}`,
    `Written:          ${report.written} (inserted ${report.inserted}, updated ${report.updated})`,
    `Skipped:          ${report.skipped}${store.target === 'catalog' ? ' (no catalog row with that id)' : ''}`,
    `Write errors:     ${report.errors}`,
    ...countLines(report),
    `Time:             ${seconds.toFixed(2)} s${rate}`,
    '',
  ].join('\n');
}

const SYNC_HELP = `
The database is PostgreSQL when --db-url (or DATABASE_URL) is given, otherwise the SQLite file
named by --sqlite. Each line must be a JSON object with artist_id, a non-empty response_text and
"error": null; in catalog mode artist_id must also fit the table's id column (uuid, integer or text). When an artist has several lines,
the last one wins. Records are written in transactions of --batch-size records.

Targets:
  store    the tool's own table artist_bios, created if missing, upserted by artist_id (default)
  catalog  an existing table artists (test_artists with --test-mode): SET bio, updated_at WHERE id;
           ids with no row are counted as skipped; the table is never created or altered

Exit code: 0 when every valid record was written, 1 when some could not be (see the messages),
2 for bad flags, 3 when the database cannot be reached or the table is unusable.

Examples:
  $ artist-bio-gen db sync out.jsonl --sqlite out.sqlite
  $ DATABASE_URL=postgres://bios@db.example.com:5432/catalog artist-bio-gen db sync out.jsonl
  $ artist-bio-gen db sync out.jsonl --db-url postgres://bios@localhost/catalog --db-target catalog --test-mode
`;

const EXPORT_HELP = `
Writes bio_update_<UTC time>.csv (columns id,bio) and bio_update_<UTC time>.sql into --out-dir.
The script loads the CSV with psql's \\copy (by absolute path, so psql may run from any
directory) into a temporary table, updates the catalog table in one transaction
(SET bio, updated_at = now() WHERE id matches) and prints rows in file / updated / not found.
Only lines with an artist_id, a non-empty bio and "error": null are exported (the script casts
the ids to the type of the table's id column, and stops before any change if one does not fit); the last line
per artist wins. Review both files, then apply:

  $ psql "$DATABASE_URL" -X -f <the .sql file>

Examples:
  $ artist-bio-gen db export-sql out.jsonl --out-dir sql/
  $ artist-bio-gen db export-sql out.jsonl --test-mode
  $ artist-bio-gen db export-sql out.jsonl --table catalog.artists
`;

function syncCommand(io: Required<DbCommandIo>): Command {
  return new Command('sync')
    .description('Write the bios of an output JSONL to a database (no API calls)')
    .argument('<output>', 'output JSONL of a run')
    .option('--db-url <url>', 'PostgreSQL URL, postgres://user:password@host:5432/database (env: DATABASE_URL)')
    .option('--sqlite <file>', 'SQLite database file (created in store mode)')
    .addOption(
      new Option('--db-target <target>', 'which table to write').choices(['store', 'catalog']).default('store'),
    )
    .option('--test-mode', 'catalog mode: update test_artists instead of artists')
    .option('--db-schema <name>', 'PostgreSQL schema of the table (default: the search_path)')
    .option('--batch-size <n>', 'records per transaction', wholeNumber('--batch-size', 1, 100_000), 1000)
    .option('--max-issues <n>', 'line problems to print', wholeNumber('--max-issues', 0, 1_000_000), 50)
    .option('--json', 'print the summary as JSON')
    .option('--verbose', 'print debug messages of the database layer')
    .addHelpText('after', SYNC_HELP)
    .action(async (output: string, _options: unknown, command: Command) => {
      const flags = command.opts<SyncFlags>();
      const envUrl = io.env.DATABASE_URL;
      if (flags.dbUrl !== undefined && flags.sqlite !== undefined) {
        throw new UsageError('Give either --db-url or --sqlite, not both');
      }
      // An explicit --sqlite wins over a DATABASE_URL that happens to be set in the environment.
      const url =
        flags.dbUrl ?? (flags.sqlite === undefined && envUrl !== undefined && envUrl !== '' ? envUrl : undefined);
      if (url === undefined && flags.sqlite === undefined) {
        throw new UsageError('db sync needs a database: --db-url URL, the DATABASE_URL variable, or --sqlite FILE');
      }
      if (flags.testMode === true && flags.dbTarget !== 'catalog') {
        io.stderr(
          'WARNING: --test-mode only changes the catalog table (test_artists); it has no effect with --db-target store\n',
        );
      }
      const log = (level: StoreLogLevel, message: string): void => {
        if (level === 'debug' && flags.verbose !== true) return;
        io.stderr(`${level === 'warn' ? 'WARNING' : level.toUpperCase()}: ${message}\n`);
      };
      const { openBioStore, syncJsonlToDb } = await import('../store/index.js');
      const store = await openBioStore(
        {
          ...(url !== undefined ? { url } : { sqlitePath: flags.sqlite ?? '' }),
          target: flags.dbTarget,
          testMode: flags.testMode === true,
          poolSize: 2,
          ...(flags.dbSchema !== undefined ? { schema: flags.dbSchema } : {}),
        },
        { log },
      );
      const issues = issuePrinter(io.stderr, flags.maxIssues);
      let report: SyncReport;
      try {
        report = await syncJsonlToDb(output, store, { batchSize: flags.batchSize, onIssue: issues.onIssue });
      } finally {
        await store.close();
      }
      issues.finish();
      io.stdout(
        flags.json === true
          ? `${JSON.stringify({ database: store.describe(), ...report }, null, 2)}\n`
          : formatSync(report, store, output),
      );
      process.exitCode = report.errors > 0 ? 1 : 0;
    });
}

function exportCommand(io: Required<DbCommandIo>): Command {
  return new Command('export-sql')
    .description('Write a reviewable .sql + .csv pair that updates the catalog with psql')
    .argument('<output>', 'output JSONL of a run')
    .option('--out-dir <dir>', 'folder for the two files (created if missing)', '.')
    .option('--test-mode', 'update test_artists instead of artists')
    .option('--table <name>', 'table to update, name or schema.name (wins over --test-mode)')
    .option('--max-issues <n>', 'line problems to print', wholeNumber('--max-issues', 0, 1_000_000), 50)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', EXPORT_HELP)
    .action(async (output: string, _options: unknown, command: Command) => {
      const flags = command.opts<ExportFlags>();
      const issues = issuePrinter(io.stderr, flags.maxIssues);
      const { exportSql } = await import('../store/index.js');
      const result = await exportSql(output, {
        outDir: flags.outDir,
        testMode: flags.testMode === true,
        ...(flags.table !== undefined ? { table: flags.table } : {}),
        onIssue: issues.onIssue,
      });
      issues.finish();
      if (flags.json === true) {
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        io.stdout(
          [
            `Exported ${result.rows} bio(s) from ${path.resolve(output)}`,
            `SQL script:       ${result.sqlPath}`,
            `CSV data:         ${result.csvPath}`,
            ...countLines(result.counts),
            `Apply with:       psql "$DATABASE_URL" -X -f ${JSON.stringify(result.sqlPath)}`,
            '',
          ].join('\n'),
        );
      }
      process.exitCode = 0;
    });
}

/**
 * The `db` command group: `db sync OUTPUT.jsonl […]` and `db export-sql OUTPUT.jsonl […]`.
 * Bad flags reject with `UsageError`, an unreachable database with `ConfigError`, an unreadable
 * file with `InputError`; `process.exitCode` is 1 when a sync could not write every record.
 */
export function dbCommand(io: DbCommandIo = {}): Command {
  const resolved: Required<DbCommandIo> = {
    stdout: io.stdout ?? ((text) => void process.stdout.write(text)),
    stderr: io.stderr ?? ((text) => void process.stderr.write(text)),
    env: io.env ?? process.env,
  };
  return new Command('db')
    .description('Write bios from an output JSONL to a database, or export SQL for a DBA')
    .addCommand(syncCommand(resolved))
    .addCommand(exportCommand(resolved))
    .addHelpText(
      'after',
      `
Examples:
  $ artist-bio-gen db sync out.jsonl --sqlite out.sqlite
  $ artist-bio-gen db sync out.jsonl --db-url postgres://bios@localhost/catalog --db-target catalog
  $ artist-bio-gen db export-sql out.jsonl --out-dir sql/

Database URLs are never printed with their password (postgres://user:***@host:5432/db).
`,
    );
}
