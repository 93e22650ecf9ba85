import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ManualClock } from '../src/core/clock.js';
import { UsageError } from '../src/core/errors.js';
import { RunEmitter, type RunSummary } from '../src/core/events.js';
import type { Artist, ErrorRecord, OutputRecord } from '../src/core/types.js';
import {
  createRunRecorder,
  renderReportJson,
  renderReportMarkdown,
  summaryLines,
  writeReport,
  type RunReport,
} from '../src/report/index.js';
import { fixedResources } from './support/resources.js';

const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'report-render-'));
  dirs.push(dir);
  return dir;
}

const SECRET_CONFIG = {
  apiKey: 'sk-secret-123',
  dbUrl: 'postgres://u:pw@h/db',
  notes: 'key is sk-secret-123, do not share',
  baseUrl: 'https://api.example.com/v1?api_key=abc123&mode=x',
  authToken: 'tok_live_98765',
  clientSecret: 42424242,
  maxOutputTokens: 800,
  maxWorkers: 8,
  quotaMonitoring: true,
  dailyLimit: null,
};

function artist(n: number): Artist {
  return { id: `a${n}`, name: `Name | ${n}`, data: undefined, line: n + 1 };
}

function bio(a: Artist): OutputRecord {
  return {
    artist_id: a.id,
    artist_name: a.name,
    request: { variables: { artist_name: a.name, artist_data: '' } },
    response_text: 'A long enough biography.',
    response_id: `resp_${a.id}`,
    created: 0,
    model: 'm',
    usage: { input_tokens: 50, output_tokens: 150, total_tokens: 200 },
    attempts: 1,
    duration_ms: 1500,
    db_status: null,
    error: null,
  };
}

function failure(a: Artist): ErrorRecord {
  return {
    artist_id: a.id,
    artist_name: a.name,
    error_class: 'ProviderError',
    error_kind: 'bad_request',
    status: 400,
    code: null,
    message: 'bad',
    request_id: null,
    attempts: 1,
    time: new Date(T0).toISOString(),
  };
}

/** Three artists in 90 s: one threshold pause of 30 s, one 429 retried, one artist failed. */
function makeReport(config: Record<string, string | number | boolean | null> = SECRET_CONFIG): RunReport {
  const clock = new ManualClock(T0);
  const events = new RunEmitter();
  const recorder = createRunRecorder(events, { clock, config, resources: fixedResources() });
  events.emit('run:start', {
    time: T0,
    inputPath: 'in.csv',
    outputPath: 'out.jsonl',
    maxWorkers: 8,
    total: 3,
    alreadyDone: 2,
    promptLabel: 'template bio.txt',
  });
  events.emit('quota:init', { dailyLimit: 10, threshold: 0.3, monitoring: true, usedToday: 0 });
  const usage = { input_tokens: 50, output_tokens: 150, total_tokens: 200 };
  for (let n = 0; n < 3; n++) {
    events.emit('request:sent', { artist: artist(n), worker: 1, attempt: 1 });
    events.emit('request:done', { artist: artist(n), ok: true, status: 200, kind: undefined, durationMs: 1500, usage });
    if (n < 2)
      events.emit('artist:done', { artist: artist(n), worker: 1, index: n + 1, total: 3, record: bio(artist(n)) });
    clock.advance(10_000);
  }
  events.emit('artist:failed', { artist: artist(2), worker: 1, index: 3, total: 3, record: failure(artist(2)) });
  events.emit('request:sent', { artist: artist(3), worker: 1, attempt: 1 });
  events.emit('request:done', {
    artist: artist(3),
    ok: false,
    status: 429,
    kind: 'rate_limit',
    durationMs: 50,
    usage: undefined,
  });
  events.emit('request:retry', {
    artist: artist(3),
    worker: 1,
    attempt: 1,
    delayMs: 500,
    kind: 'rate_limit',
    status: 429,
    code: 'rate_limit_exceeded',
    message: 'slow down',
  });
  events.emit('quota:paused', {
    reason: 'threshold',
    message: 'Daily quota 30.0% used (limit: 10)',
    usedToday: 3,
    dailyLimit: 10,
    resumeAt: clock.now() + 30_000,
  });
  clock.advance(30_000);
  events.emit('quota:resumed', { pausedMs: 30_000, reason: 'Auto-resume time reached' });
  clock.set(T0 + 90_000);
  const summary: RunSummary = {
    startTime: T0,
    endTime: clock.now(),
    outcome: 'completed',
    exitCode: 4,
    total: 3,
    alreadyDone: 2,
    succeeded: 2,
    failed: 1,
    notAttempted: 0,
    inputSkipped: 1,
    inputErrors: 0,
    requests: 4,
    retries: 1,
    retriesByKind: { rate_limit: 1 },
    rateLimited: { rate_limit: 1 },
    pauses: 1,
    pausedMs: 30_000,
    inputTokens: 150,
    outputTokens: 450,
    requestTimeMs: 4550,
    peakRssBytes: 0,
    outputPath: 'out.jsonl',
  };
  return recorder.finish(summary, { outputBytes: 4000 });
}

function assertNoSecrets(text: string): void {
  for (const secret of ['sk-secret-123', ':pw@', 'abc123', 'tok_live_98765', '42424242']) {
    assert.ok(!text.includes(secret), `leaked ${secret}`);
  }
}

test('Markdown reads as the filled-in test plan with ✅/❌ marks', () => {
  const md = renderReportMarkdown(makeReport());
  for (const section of [
    '## Metrics to Record',
    '## Performance Metrics to Track',
    '## Performance Analysis',
    '## Resource utilization',
    '## Quota events',
    '## Configuration',
  ]) {
    assert.ok(md.includes(`\n${section}\n`), `missing ${section}`);
  }
  assert.ok(md.includes('| Metric | Target | Actual | Pass/Fail |'));
  assert.ok(md.includes('| Success Rate | 100% | 66.7% (2/3) | ❌ |'));
  // 90 s of wall time minus the 30 s pause.
  assert.ok(md.includes('| Total Duration | <5min | 1.00min | ✅ |'));
  assert.ok(md.includes('| Pause Accuracy | ±5% of threshold | 30.0% at pause vs 30.0% (+0.0 pts) | ✅ |'));
  assert.ok(md.includes('- Number of pauses triggered: 1 (threshold 1)'));
  assert.ok(md.includes('- Total pause duration: 30.0 s'));
  assert.ok(md.includes('- Requests per minute: 2.7 (4.0 excluding pauses; 4 requests)'));
  assert.ok(md.includes('- Effective parallelism: 0.05 (max workers 8)'));
  assert.ok(md.includes('- 429 responses: rate_limit 1'));
  assert.ok(md.includes('- Storage for outputs: 9.5 MB per 10K artists'));
  assert.match(
    md,
    /\| 2026-03-01T08:00:30\.000Z \| paused \| threshold \| 3\/10 requests today; resume at 2026-03-01T08:01:00\.000Z/,
  );
  assert.match(md, /\*\*Verdict:\*\* ❌ fail/);
});

test('Markdown escapes pipes in table cells', () => {
  const md = renderReportMarkdown(makeReport({ label: 'a | b' }));
  assert.ok(md.includes('| label | a \\| b |'));
});

test('JSON form round-trips every figure', () => {
  const report = makeReport();
  const parsed = JSON.parse(renderReportJson(report)) as RunReport;
  assert.deepEqual(parsed, report);
  assert.equal(parsed.schemaVersion, 1);
  assert.equal(parsed.performance.pauses, 1);
  assert.equal(parsed.analysis.requests, 4);
  assert.deepEqual(parsed.notes, []);
});

test('no form of the report contains a secret put in the config', () => {
  const report = makeReport();
  assertNoSecrets(renderReportJson(report));
  assertNoSecrets(renderReportMarkdown(report));
  assertNoSecrets(summaryLines(report).join('\n'));
  assert.equal(report.config['apiKey'], '***');
  assert.equal(report.config['dbUrl'], 'postgres://u:***@h/db');
  assert.equal(report.config['notes'], 'key is ***, do not share');
  assert.equal(report.config['baseUrl'], 'https://api.example.com/v1?api_key=***&mode=x');
  assert.equal(report.config['maxOutputTokens'], 800);
  assert.equal(report.config['quotaMonitoring'], true);
  assert.equal(report.config['dailyLimit'], null);
});

test('summary lines give the headline figures for stderr', () => {
  const lines = summaryLines(makeReport());
  assert.equal(lines[0], 'Run completed in 1 min 30 s (exit code 4)');
  assert.equal(
    lines[1],
    // The one skipped line is the header: not an input row worth mentioning.
    'Artists: 2 succeeded, 1 failed, 0 not attempted (success rate 66.7%); 2 already done',
  );
  assert.match(
    lines[2] ?? '',
    /^Average time per artist: 30\.00 s · 2\.7 requests\/min · 400 tokens\/min · parallelism 0\.05$/,
  );
  assert.equal(lines[3], 'Requests: 4 · retries 1 (rate_limit 1) · 429s: rate_limit 1');
  assert.equal(lines[4], 'Pauses: 1 (threshold 1), 30.0 s in total');
  assert.equal(lines[5], 'Peak memory: 100.0 MB · CPU 25.0%');
  assert.match(
    lines[6] ?? '',
    /^Test-plan checks: 3\/6 passed; failed: Success Rate 66\.7% \(2\/3\), Avg Time\/Artist 20\.00s, Error Rate/,
  );
});

test('writeReport picks the format from the extension and creates folders', async () => {
  const dir = await tempDir();
  const report = makeReport();
  await writeReport(join(dir, 'nested', 'report.json'), report);
  await writeReport(join(dir, 'report.md'), report);
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'nested', 'report.json'), 'utf8')), report);
  assert.match(await readFile(join(dir, 'report.md'), 'utf8'), /^# artist-bio-gen run report\n/);
  assert.deepEqual((await readdir(dir)).sort(), ['nested', 'report.md']);
});

test('writeReport refuses an extension other than .json, .md or .html with a UsageError', async () => {
  const dir = await tempDir();
  await assert.rejects(writeReport(join(dir, 'report.txt'), makeReport()), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /\.json, \.md or \.html.*"\.txt"/);
    return true;
  });
  assert.deepEqual(await readdir(dir), []);
});
