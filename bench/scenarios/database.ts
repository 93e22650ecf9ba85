/**
 * Scenario 6: `db sync` of a big output into SQLite and into PostgreSQL, in rows written per
 * second. Every repetition writes into an empty table (a new SQLite file, a new PostgreSQL
 * schema), so each one measures inserts, not no-op updates.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { startOurs } from '../lib/clients.js';
import { writeOutputJsonl } from '../lib/fixtures.js';
import { fixed, megabytes, median, seconds, spread } from '../lib/figures.js';
import { connectPostgres, execSql } from '../lib/postgres.js';
import type { BenchContext, Row, Scenario, ScenarioResult } from '../lib/types.js';

interface SyncSample {
  rowsPerSecond: number;
  written: number;
  syncMs: number;
  wallMs: number;
  peakRssMb: number | undefined;
}

interface SyncJson {
  written?: number;
  durationMs?: number;
}

async function syncOnce(
  ctx: BenchContext,
  cwd: string,
  file: string,
  target: string[],
  lines: number,
): Promise<SyncSample> {
  const m = await startOurs(['db', 'sync', file, '--json', ...target], undefined, { cwd, timeoutMs: 600_000 }).done;
  if (m.code !== 0) throw new Error(`db sync exited with ${String(m.code)}:\n${m.stderr.slice(-2000)}`);
  const report = JSON.parse(m.stdout) as SyncJson;
  if (report.written !== lines || report.durationMs === undefined) {
    throw new Error(`db sync wrote ${String(report.written)} of ${lines} rows`);
  }
  const sample = {
    rowsPerSecond: report.written / (report.durationMs / 1000),
    written: report.written,
    syncMs: report.durationMs,
    wallMs: m.wallMs,
    peakRssMb: m.peakRssMb,
  };
  ctx.log(`${target[0] === '--sqlite' ? 'SQLite' : 'PostgreSQL'}: ${fixed(sample.rowsPerSecond, 0)} rows/s`);
  return sample;
}

function rowFor(name: string, samples: readonly SyncSample[], lines: number): Row {
  const rate = median(samples.map((s) => s.rowsPerSecond));
  return {
    metric: `db sync ${lines.toLocaleString('en-US')} lines → ${name}`,
    value:
      `${fixed(rate, 0)} rows/s${spread(
        samples.map((s) => s.rowsPerSecond),
        0,
      )}, median of ${samples.length}; ` +
      `${seconds(median(samples.map((s) => s.wallMs)))} wall, peak ${megabytes(median(samples.map((s) => s.peakRssMb)))}`,
    raw: rate,
    goal: '',
  };
}

async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const lines = ctx.quick ? 10_000 : 100_000;
  const repeats = ctx.quick ? 1 : 3;
  const dir = path.join(ctx.workDir, 'database');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'out.jsonl');
  await writeOutputJsonl(file, lines);
  const rows: Row[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = { lines };

  const sqlite: SyncSample[] = [];
  for (let i = 0; i < repeats; i++) {
    const db = path.join(dir, `bios-${i}.sqlite`);
    sqlite.push(await syncOnce(ctx, dir, file, ['--sqlite', db], lines));
    await rm(db, { force: true });
  }
  rows.push(rowFor('SQLite', sqlite, lines));
  details.sqlite = sqlite;

  const link = await connectPostgres(ctx.log);
  if (!link.available) {
    notes.push(`PostgreSQL skipped: ${link.reason}.`);
    rows.push({
      metric: `db sync ${lines.toLocaleString('en-US')} lines → PostgreSQL`,
      value: 'skipped (no server)',
      goal: '',
    });
    details.postgres = { skipped: link.reason };
  } else {
    try {
      const postgres: SyncSample[] = [];
      for (let i = 0; i < repeats; i++) {
        const schema = `abg_bench_${process.pid}_${i}`;
        await execSql(link.url, `CREATE SCHEMA ${schema}`);
        try {
          postgres.push(await syncOnce(ctx, dir, file, ['--db-url', link.url, '--db-schema', schema], lines));
        } finally {
          await execSql(link.url, `DROP SCHEMA ${schema} CASCADE`);
        }
      }
      rows.push(rowFor('PostgreSQL', postgres, lines));
      details.postgres = { origin: link.origin, samples: postgres };
      notes.push(
        link.origin === 'PG_URL'
          ? 'PostgreSQL from PG_URL.'
          : 'PostgreSQL: a throwaway local cluster from scripts/ci-services.sh (fsync off, loopback).',
      );
    } finally {
      await link.stop();
    }
  }
  notes.push('Rows per second = rows written ÷ the sync time the command reports (process start-up excluded).');
  return { rows, notes, details };
}

/** Scenario 6. */
export const databaseScenario: Scenario = { id: 6, title: 'Database sync', run };
