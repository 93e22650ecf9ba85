/**
 * A PostgreSQL server for the database scenario: PG_URL when it is set, otherwise a throwaway
 * cluster from scripts/ci-services.sh on its own directory and port (so it never touches a
 * cluster the test suite may be using), stopped again with scripts/ci-services-stop.sh.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { ROOT } from './paths.js';

/** A reachable server, or why there is none. */
export type PostgresLink =
  | { available: true; url: string; origin: 'PG_URL' | 'ci-services.sh'; stop(): Promise<void> }
  | { available: false; reason: string };

const BENCH_PG_DIR = '/tmp/artist-bio-gen-bench-pg';
const BENCH_PG_PORT = '55439';

function runScript(
  script: string,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(ROOT, 'scripts', script)], {
      env: { ...process.env, CI_PG_DIR: BENCH_PG_DIR, CI_PG_PORT: BENCH_PG_PORT },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${String(error)}` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Finds or starts a PostgreSQL server. Never throws: an unavailable server is a reason. */
export async function connectPostgres(log: (message: string) => void): Promise<PostgresLink> {
  const fromEnv = process.env.PG_URL;
  if (fromEnv !== undefined && fromEnv !== '') {
    try {
      await execSql(fromEnv, 'SELECT 1');
    } catch (error) {
      return { available: false, reason: `PG_URL is set but unreachable (${String(error)})` };
    }
    return { available: true, url: fromEnv, origin: 'PG_URL', stop: () => Promise.resolve() };
  }
  log('PG_URL is not set: starting a throwaway cluster with scripts/ci-services.sh');
  const started = await runScript('ci-services.sh', 240_000);
  const url = /^PG_URL=(\S+)$/m.exec(started.stdout)?.[1];
  if (started.code !== 0 || url === undefined) {
    await runScript('ci-services-stop.sh', 60_000);
    const why = started.stderr.trim().split('\n').pop() ?? `exit code ${String(started.code)}`;
    return { available: false, reason: `scripts/ci-services.sh could not start PostgreSQL (${why})` };
  }
  return {
    available: true,
    url,
    origin: 'ci-services.sh',
    stop: async () => {
      await runScript('ci-services-stop.sh', 60_000);
    },
  };
}

/** Runs one SQL statement (schema set-up and clean-up around the measured syncs). */
export async function execSql(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
