/**
 * Three machines, one key (docs/ledger.md#postgresql): three concurrent CLI processes share the
 * key ledger in a real PostgreSQL through `--ledger-url` and split one input with `--shard i/3`.
 * Each process gets its own working directory, state directory and output, as on three
 * machines; they meet only in the simulator and the ledger database. Skipped without PG_URL.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { startSimulator } from '../src/simulator/index.js';
import { artists, runCli, tempDir, writeCsv, type CliResult } from './support/cli.js';

const PG_URL = process.env.PG_URL;
const skip = PG_URL === undefined || PG_URL === '' ? 'PG_URL is not set (run scripts/ci-services.sh)' : false;
const KEY = 'sk-three-machines';
const schemas: string[] = [];

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A ledger URL of its own: a fresh schema selected by the URL's search_path. */
async function ledgerUrl(): Promise<string> {
  const name = `e2e_ledger_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await admin(`CREATE SCHEMA ${name}`);
  schemas.push(name);
  const url = new URL(PG_URL ?? 'postgres://localhost/x');
  url.searchParams.set('options', `-c search_path=${name}`);
  return url.toString();
}

after(async () => {
  for (const name of schemas) await admin(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
});

interface Machine {
  dir: string;
  output: string;
}

async function threeShards(
  input: string,
  root: string,
  baseUrl: string,
  ledger: string,
  args: string[],
): Promise<{ machines: Machine[]; results: CliResult[] }> {
  const machines = await Promise.all(
    [1, 2, 3].map(async (i) => {
      const dir = join(root, `machine-${i}`);
      await mkdir(dir, { recursive: true });
      return { dir, output: join(dir, `bios-${i}.jsonl`) };
    }),
  );
  const results = await Promise.all(
    machines.map((m, i) =>
      runCli(['run', '--input', input, '--output', m.output, '--shard', `${i + 1}/3`, '--max-workers', '8', ...args], {
        cwd: m.dir,
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: baseUrl, LEDGER_URL: ledger },
      }),
    ),
  );
  return { machines, results };
}

async function outputIds(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { artist_id: string }).artist_id);
}

test(
  'three shards on one PostgreSQL ledger with --daily-limit 120 send exactly 120 requests between them, then stop with exit 5',
  { skip },
  async () => {
    const sim = await startSimulator({ latencyMs: 5 });
    try {
      const root = await tempDir();
      const input = await writeCsv(root, 'artists.csv', artists(300));
      const ledger = await ledgerUrl();
      const { machines, results } = await threeShards(input, root, sim.url, ledger, [
        '--daily-limit',
        '120',
        '--on-daily-limit',
        'exit',
        '--quota-threshold',
        '1',
      ]);
      for (const r of results) assert.ok(r.code === 5 || r.code === 0, `exit ${r.code}\n${r.stderr}`);
      assert.ok(
        results.some((r) => r.code === 5),
        'at least one shard reached the shared limit',
      );
      assert.equal(sim.stats().requests, 120);
      const done = (await Promise.all(machines.map((m) => outputIds(m.output)))).flat();
      assert.equal(done.length, 120);
      assert.equal(new Set(done).size, 120);
      const show = await runCli(['quota', 'show', '--json', '--ledger-url', ledger], {
        cwd: root,
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: sim.url },
      });
      assert.equal(show.code, 0, show.stderr);
      assert.equal((JSON.parse(show.stdout) as { scopes: { requests: number }[] }).scopes[0]?.requests, 120);
    } finally {
      await sim.close();
    }
  },
);

test(
  'three shards on one PostgreSQL ledger with a limit above 300 do every artist exactly once across the three outputs',
  { skip },
  async () => {
    const sim = await startSimulator({ latencyMs: 5 });
    try {
      const root = await tempDir();
      const rows = artists(300);
      const input = await writeCsv(root, 'artists.csv', rows);
      const ledger = await ledgerUrl();
      const { machines, results } = await threeShards(input, root, sim.url, ledger, [
        '--daily-limit',
        '1000',
        '--report',
        'report.json',
      ]);
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      const perShard = await Promise.all(machines.map((m) => outputIds(m.output)));
      for (const ids of perShard)
        assert.ok(ids.length >= 70, `shard sizes ${perShard.map((s) => s.length).join(', ')}`);
      const done = perShard.flat();
      assert.equal(done.length, 300);
      assert.deepEqual(new Set(done), new Set(rows.map((r) => r.id)));
      assert.equal(sim.stats().requests, 300);
      // Each shard logs and reports which shard it was and how many artists it left to the others.
      const first = results[0]?.stderr ?? '';
      assert.match(
        first,
        new RegExp(
          `${perShard[0]?.length} valid artists.*shard 1/3: ${300 - (perShard[0]?.length ?? 0)} artists left to the other shards`,
        ),
      );
      const report = JSON.parse(await readFile(join(machines[1]?.dir ?? '', 'report.json'), 'utf8')) as {
        artists: { shard?: { of: string; otherShards: number } };
      };
      assert.deepEqual(report.artists.shard, { of: '2/3', otherShards: 300 - (perShard[1]?.length ?? 0) });
    } finally {
      await sim.close();
    }
  },
);

test('--shard 4/3 is a usage error (exit 2) and an unreachable --ledger-url a connection error (exit 3) without its password', async () => {
  const root = await tempDir();
  const input = await writeCsv(root, 'artists.csv', artists(3));
  const bad = await runCli(
    ['run', '--input', input, '--output', join(root, 'o.jsonl'), '--shard', '4/3', '--simulate'],
    {
      cwd: root,
    },
  );
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--shard/);
  const down = await runCli(['run', '--input', input, '--output', join(root, 'p.jsonl'), '--daily-limit', '10'], {
    cwd: root,
    env: {
      OPENAI_API_KEY: KEY,
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      LEDGER_URL: 'postgres://bios:s3cretpw@127.0.0.1:1/ledger',
    },
  });
  assert.equal(down.code, 3, down.stderr);
  assert.match(down.stderr, /key ledger at postgres:\/\/bios:\*\*\*@127\.0\.0\.1:1\/ledger could not be opened/);
  assert.doesNotMatch(down.stderr + down.stdout, /s3cretpw/);
});
