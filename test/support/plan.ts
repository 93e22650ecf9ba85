/**
 * Helpers of the end-to-end tests of the user's acceptance plan (`test/e2e-plan-*.test.ts`):
 * the plan's command lines, reading what a run left behind (JSONL, state file, log lines), reading
 * the simulator's timeline, and a small proxy that rewrites the rate-limit headers.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TimelineEntry } from '../../src/simulator/index.js';
import { runCli, writeCsv, type CliResult, type Row, type RunCliOptions } from './cli.js';

/** A fixed UTC instant far from midnight: quota days never roll over by accident in a test. */
export const MIDDAY = '2026-06-01T10:00:00Z';

/** Environment of a run against `baseUrl` with the plan's key, plus `extra` (undefined values are left out). */
export function planEnv(
  baseUrl: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: baseUrl, ARTIST_BIO_GEN_CLOCK_START: MIDDAY, ...extra };
}

/**
 * The test hooks that run the tool's clock `scale` times faster (from `start`, default
 * {@link MIDDAY}). The simulator keeps real time, so accelerated runs use no simulator rpm limit.
 */
export function fastClock(scale: number, start: string = MIDDAY): Record<string, string> {
  return { ARTIST_BIO_GEN_CLOCK_SCALE: String(scale), ARTIST_BIO_GEN_CLOCK_START: start };
}

/** A run's files in one temporary directory. */
export interface PlanFiles {
  dir: string;
  input: string;
  output: string;
  /** Default state file of `output`. */
  state: string;
}

/** Writes `rows` as the run's CSV in `dir` and names the output files next to it. */
export async function planFiles(dir: string, rows: Row[], output = 'bios.jsonl'): Promise<PlanFiles> {
  const input = await writeCsv(dir, 'artists.csv', rows);
  const out = join(dir, output);
  return { dir, input, output: out, state: `${out}.state.json` };
}

/**
 * Runs `artist-bio-gen run` with the stored prompt of the plan (`--prompt-id pmpt_test`) in the
 * run's own directory (so no `.env` of the repository is read).
 */
export function runPlan(files: PlanFiles, args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return runCli(['run', '--input', files.input, '--output', files.output, ...args], { cwd: files.dir, ...options });
}

/** The plan's stored prompt flags. */
export const STORED_PROMPT = ['--prompt-id', 'pmpt_test'] as const;

/** One line of the output JSONL (docs/architecture.md#output-files), as far as the tests read it. */
export interface BioLine {
  artist_id: string;
  artist_name: string;
  response_text: string;
  attempts: number;
  error: unknown;
  request: { prompt_id?: string; model?: string; variables: Record<string, string> };
}

/** Parses the output; fails when a line is torn or not a valid record. */
export async function readBios(path: string): Promise<BioLine[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  assert.ok(text === '' || text.endsWith('\n'), `${path} ends with a whole line`);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, i) => {
      const record = JSON.parse(line) as BioLine;
      assert.equal(typeof record.artist_id, 'string', `line ${i + 1} has an artist_id`);
      assert.ok(record.response_text.length > 50, `line ${i + 1} has a real bio`);
      assert.equal(record.error, null, `line ${i + 1} has error null`);
      return record;
    });
}

/** Asserts exactly one line per id of `expected` (no duplicate, none missing, none extra). */
export function assertOneLineEach(lines: BioLine[], expected: string[]): void {
  const ids = lines.map((line) => line.artist_id);
  assert.equal(new Set(ids).size, ids.length, 'no artist id appears twice');
  assert.deepEqual([...ids].sort(), [...expected].sort(), 'one line per expected artist');
}

/** The quota state file as the tests read it. */
export interface StateFile {
  day: string;
  requestsToday: number;
  thresholdPauseDay: string | null;
  pause: { reason: string; since: string; until: string } | null;
}

/** Reads the quota state file. */
export async function readState(path: string): Promise<StateFile> {
  return JSON.parse(await readFile(path, 'utf8')) as StateFile;
}

/** Log lines of `stderr` that match `pattern`. */
export function linesMatching(stderr: string, pattern: RegExp): string[] {
  return stderr.split('\n').filter((line) => pattern.test(line));
}

/** The tool-clock time (epoch ms) at the start of a text log line. */
export function logTime(line: string): number {
  const time = Date.parse(line.slice(0, line.indexOf(' ')));
  assert.ok(Number.isFinite(time), `log line starts with an ISO time: ${line}`);
  return time;
}

/** The `Will resume at <ISO>` time of a PAUSED line (epoch ms). */
export function resumeTime(line: string): number {
  const match = /Will resume at (\S+)/.exec(line);
  assert.ok(match?.[1], `PAUSED line names the resume time: ${line}`);
  return Date.parse(match[1]);
}

/** Arrival times of the timeline's requests, sorted. */
export function arrivals(timeline: TimelineEntry[]): number[] {
  return timeline.map((entry) => entry.t).sort((a, b) => a - b);
}

/** The longest quiet time between two consecutive arrivals and how many arrived before it. */
export function longestGap(timeline: TimelineEntry[]): { before: number; gapMs: number } {
  const times = arrivals(timeline);
  let best = { before: times.length, gapMs: 0 };
  for (let i = 1; i < times.length; i++) {
    const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
    if (gap > best.gapMs) best = { before: i, gapMs: gap };
  }
  return best;
}

/** Calls `fn` once, the first time a stderr line matches `pattern` (for `onStderrLine`). */
export function onFirst(
  pattern: RegExp,
  fn: (line: string, child: ChildProcess) => void,
): (line: string, child: ChildProcess) => void {
  let done = false;
  return (line, child) => {
    if (done || !pattern.test(line)) return;
    done = true;
    fn(line, child);
  };
}

/** Resolves after `ms` real milliseconds. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A running header-rewriting proxy. */
export interface HeaderProxy {
  /** Base URL to give the tool (`http://127.0.0.1:<port>/v1`). */
  url: string;
  close(): Promise<void>;
}

/** Rate-limit and retry headers the proxy controls: whatever the upstream sent is dropped. */
const CONTROLLED = /^(x-ratelimit-|retry-after)/i;

/**
 * Starts an HTTP proxy to `upstream` (a simulator URL ending in `/v1`) that removes every
 * `x-ratelimit-*` and `retry-after*` header from the answers and adds `headers` instead, so a
 * test can feed the tool zero, negative or garbage values.
 */
export async function startHeaderProxy(upstream: string, headers: Record<string, string>): Promise<HeaderProxy> {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const forward = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, rewrite(answer.headers, headers));
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function rewrite(upstream: IncomingHttpHeaders, replacement: Record<string, string>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value !== undefined && !CONTROLLED.test(name)) out[name] = value;
  }
  return { ...out, ...replacement };
}
