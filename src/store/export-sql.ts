/**
 * `db export-sql`: turns an output JSONL into a reviewable `.sql` + `.csv` pair that a DBA applies
 * with psql. The SQL loads the CSV with `\copy` into a temporary table and updates the catalog in
 * one transaction, then prints what changed.
 */
import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { InputError, UsageError } from '../core/errors.js';
import type { BioSource } from '../core/types.js';
import { readJsonlLines } from './jsonl-lines.js';
import { judgeLine } from './jsonl-records.js';
import { scanJsonl, type ScanCounts, type SyncIssue } from './jsonl-scan.js';

/** Options of {@link exportSql}. */
export interface ExportSqlOptions {
  /** Folder for the pair; created if missing. */
  outDir: string;
  /** Target `test_artists` instead of `artists`. @default false */
  testMode?: boolean;
  /** Table to update, `name` or `schema.name`; wins over `testMode`. @default artists */
  table?: string;
  /** Told about every line left out. */
  onIssue?: (issue: SyncIssue) => void;
  /** Time source for the file names. @default systemClock */
  clock?: Clock;
}

/** Outcome of {@link exportSql}. */
export interface ExportSqlResult {
  /** Absolute path of the SQL script. */
  sqlPath: string;
  /** Absolute path of the CSV data. */
  csvPath: string;
  /** Data rows in the CSV (one per artist). */
  rows: number;
  /** What the JSONL contained. */
  counts: ScanCounts;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/u;

/** Double-quotes `name` or `schema.name` after checking it is a plain identifier. */
export function quoteTableName(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new UsageError(`--table must be a plain name or schema.name (letters, digits, _), got '${table}'`);
  }
  return parts.map((p) => `"${p}"`).join('.');
}

function describeCounts(c: ScanCounts): string {
  return `${c.lines} lines: ${c.invalid} invalid, ${c.emptyBios} empty bios, ${c.blank} blank`;
}

/** A CSV field, quoted per RFC 4180. */
function csvField(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** The cited pages as JSON text, or null when the line has none. */
function sourcesJson(sources: readonly BioSource[] | undefined): string | null {
  return sources === undefined || sources.length === 0 ? null : JSON.stringify(sources);
}

/** A file name argument for a psql meta-command: single quotes doubled; backslashes are literal there. */
function psqlQuoted(file: string): string {
  if (/[\r\n]/u.test(file)) throw new UsageError(`Output path must not contain line breaks: ${JSON.stringify(file)}`);
  return `'${file.replaceAll("'", "''")}'`;
}

function stamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-05T14:30:22.123Z
  return `${iso.slice(0, 10).replaceAll('-', '')}_${iso.slice(11, 19).replaceAll(':', '')}`;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Picks `bio_update_<UTC stamp>[_n]` so an earlier pair is never overwritten. */
async function freshBaseName(dir: string, ms: number): Promise<string> {
  const base = `bio_update_${stamp(ms)}`;
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}_${n}`;
    const taken = (await exists(path.join(dir, `${name}.sql`))) || (await exists(path.join(dir, `${name}.csv`)));
    if (!taken) return name;
  }
}

/**
 * A line starting with `\.` is COPY's end-of-data marker even inside a quoted CSV field, so bios
 * with such a line cannot travel in the CSV; the script inserts them as literals instead.
 */
const END_OF_DATA = /(?:^|[\r\n])\\\./u;

interface LiteralRow {
  id: string;
  bio: string;
  /** JSON text of the cited pages, or null. */
  sources: string | null;
}

/** Dollar-quotes `text` with a tag that does not occur in it (immune to backslash settings). */
function dollarQuoted(text: string): string {
  let tag = '$bio$';
  for (let n = 1; text.includes(tag); n++) tag = `$bio${n}$`;
  return `${tag}${text}${tag}`;
}

function literalInserts(rows: readonly LiteralRow[]): string {
  if (rows.length === 0) return '';
  const values = rows
    .map(
      (r) =>
        `  ('${r.id}', ${dollarQuoted(r.bio)}, ${r.sources === null ? 'NULL' : `${dollarQuoted(r.sources)}::jsonb`})`,
    )
    .join(',\n');
  return `
-- ${rows.length} bio(s) contain a line starting with \\. (COPY's end-of-data marker), so they are
-- loaded here instead of through the CSV.
INSERT INTO bio_import (id, bio, sources) VALUES
${values};
`;
}

interface ScriptFacts {
  source: string;
  generatedAt: string;
  rows: number;
  table: string;
  csvPath: string;
  sqlPath: string;
  literals: readonly LiteralRow[];
}

function buildScript(f: ScriptFacts): string {
  return `-- artist-bio-gen bio update for an existing catalog table
-- Source JSONL: ${f.source}
-- Generated:    ${f.generatedAt}
-- Rows:         ${f.rows} (one per artist; for repeated ids the JSONL's last line won)
-- Target:       ${f.table} (SET bio, updated_at = now() for each matching id)
--
-- Apply:   psql "$DATABASE_URL" -X -f ${f.sqlPath}
-- The \\copy line names the CSV by absolute path, so psql may run from any directory. If you
-- move the two files, change that path (and only that) to the CSV's new location.
-- Everything happens in one transaction: on any error nothing is changed.

\\set ON_ERROR_STOP on

BEGIN;

CREATE TEMP TABLE bio_import (id text PRIMARY KEY, bio text NOT NULL, sources jsonb) ON COMMIT DROP;

\\copy bio_import (id, bio, sources) FROM ${psqlQuoted(f.csvPath)} WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
${literalInserts(f.literals)}
-- The ids take the type of ${f.table}.id (uuid, integer, text, …): an id that does not fit it
-- stops the script here, before anything is changed.
DO $idtype$
DECLARE
  id_type text;
BEGIN
  SELECT format_type(atttypid, atttypmod) INTO id_type FROM pg_attribute
   WHERE attrelid = to_regclass('${f.table}') AND attname = 'id' AND NOT attisdropped;
  IF id_type IS NULL THEN
    RAISE EXCEPTION 'table ${f.table} does not exist or has no id column';
  END IF;
  EXECUTE format('ALTER TABLE bio_import ALTER COLUMN id TYPE %s USING id::%s', id_type, id_type);
END
$idtype$;

-- Summary: rows in the file, rows updated, ids with no row in ${f.table}.
WITH updated AS (
  UPDATE ${f.table} AS t
     SET bio = i.bio, updated_at = now()
    FROM bio_import AS i
   WHERE t.id = i.id
  RETURNING t.id
)
SELECT (SELECT count(*) FROM bio_import) AS rows_in_file,
       (SELECT count(*) FROM updated) AS rows_updated,
       (SELECT count(*) FROM bio_import) - (SELECT count(*) FROM updated) AS ids_not_found;

-- Up to 50 of the ids that matched no row, for review.
SELECT i.id AS id_not_found
  FROM bio_import AS i
 WHERE NOT EXISTS (SELECT 1 FROM ${f.table} AS t WHERE t.id = i.id)
 ORDER BY i.id
 LIMIT 50;

-- Grounded bios carry the pages they cite (JSON [{"url","title"}]). They are written only when
-- ${f.table} has a "sources" column (jsonb, json or text); the script never alters the table.
DO $sources$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute
              WHERE attrelid = to_regclass('${f.table}') AND attname = 'sources' AND NOT attisdropped) THEN
    EXECUTE 'UPDATE ${f.table} AS t SET sources = i.sources FROM bio_import AS i '
         || 'WHERE t.id = i.id AND i.sources IS NOT NULL';
  END IF;
END
$sources$;

COMMIT;
`;
}

/**
 * Writes `bio_update_<stamp>.csv` (columns `id,bio,sources`, one row per valid artist, latest line
 * wins, any id shape: the script casts the ids to the catalog's id type when applied; `sources` is JSON text, empty when the bio cites nothing) and the matching `.sql` into `outDir`. Both are written to temporary names first
 * and renamed, so a failure leaves no half-written pair.
 *
 * @throws InputError when the JSONL cannot be read or has no valid bio; UsageError for a bad table name.
 */
export async function exportSql(jsonlPath: string, options: ExportSqlOptions): Promise<ExportSqlResult> {
  const clock = options.clock ?? systemClock;
  const table = quoteTableName(options.table ?? (options.testMode === true ? 'test_artists' : 'artists'));
  const { counts, winners } = await scanJsonl(jsonlPath, 'catalog', options.onIssue ?? (() => undefined));
  if (winners.size === 0) {
    throw new InputError(`No bio in ${jsonlPath} can be exported (${describeCounts(counts)}); no files written`);
  }
  const dir = path.resolve(options.outDir);
  await mkdir(dir, { recursive: true });
  const now = clock.now();
  const base = await freshBaseName(dir, now);
  const csvPath = path.join(dir, `${base}.csv`);
  const sqlPath = path.join(dir, `${base}.sql`);
  const csvTemp = `${csvPath}.tmp-${process.pid}`;
  const sqlTemp = `${sqlPath}.tmp-${process.pid}`;

  let rows = 0;
  const literals: LiteralRow[] = [];
  async function* csvText(): AsyncGenerator<string> {
    yield 'id,bio,sources\n';
    for await (const { lineNumber, lineText } of readJsonlLines(jsonlPath)) {
      const verdict = judgeLine(lineText, 'catalog');
      if (verdict.kind !== 'record' || winners.get(verdict.record.artist_id) !== lineNumber) continue;
      rows += 1;
      const sources = sourcesJson(verdict.record.sources);
      if (END_OF_DATA.test(verdict.record.response_text)) {
        literals.push({ id: verdict.record.artist_id, bio: verdict.record.response_text, sources });
        continue;
      }
      // An unquoted empty field is NULL in COPY's CSV format: no sources.
      yield `${verdict.record.artist_id},${csvField(verdict.record.response_text)},${sources === null ? '' : csvField(sources)}\n`;
    }
  }
  try {
    await pipeline(Readable.from(csvText()), createWriteStream(csvTemp));
    const script = buildScript({
      source: path.resolve(jsonlPath),
      generatedAt: new Date(now).toISOString(),
      rows,
      table,
      csvPath,
      sqlPath,
      literals,
    });
    await writeFile(sqlTemp, script, 'utf8');
    await rename(csvTemp, csvPath);
    await rename(sqlTemp, sqlPath);
  } catch (error) {
    await Promise.all([rm(csvTemp, { force: true }), rm(sqlTemp, { force: true }), rm(csvPath, { force: true })]);
    throw error;
  }
  return { sqlPath, csvPath, rows, counts };
}
