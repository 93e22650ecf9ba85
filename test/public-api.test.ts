import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as library from '../src/index.js';
import * as testing from '../src/testing.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// The values each entry point exports. A change here is a change of the public API: when you
// mean it, update the list (and the README's Library section); when you do not, remove the export.
const LIBRARY = [
  'AuthStopError',
  'BioGenError',
  'ConfigError',
  'DiskFullError',
  'ExitCode',
  'InputError',
  'ProviderError',
  'ProviderUnreachableError',
  'QuotaStopError',
  'RunEmitter',
  'Runner',
  'ShutdownError',
  'UsageError',
  'attachLogRenderer',
  'createDbWriter',
  'createLogger',
  'createOpenAIProvider',
  'createRequestBuilder',
  'createRunRecorder',
  'exitCodeFor',
  'exportSql',
  'loadTemplate',
  'openBioStore',
  'openErrorSink',
  'openJsonlSink',
  'openQuotaGate',
  'outputPaths',
  'parseRateLimitHeaders',
  'parseResetDuration',
  'parseTemplate',
  'planInput',
  'prepareOutput',
  'readArtists',
  'readJsonl',
  'readPlannedArtists',
  'redactConfig',
  'redactRecord',
  'renderReportJson',
  'renderReportMarkdown',
  'renderTemplate',
  'resolveRunConfig',
  'runFields',
  'scanInput',
  'scrubSecrets',
  'startMetricsServer',
  'startSimulator',
  'stripTrailingCitations',
  'syncJsonlToDb',
  'systemClock',
  'validateOutput',
  'writeReport',
];
const TESTING = ['ManualClock', 'createScaledClock'];

test('the main entry point exports exactly the documented names', () => {
  assert.deepEqual(Object.keys(library).sort(), [...LIBRARY].sort());
});

test('test doubles are exported only from the testing entry point', () => {
  assert.deepEqual(Object.keys(testing).sort(), [...TESTING].sort());
  for (const name of TESTING) assert.ok(!(name in library), `${name} leaks into the main entry point`);
});

test('package.json maps both entry points to the built files of src/index.ts and src/testing.ts', () => {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
    exports: Record<string, { types: string; import: string }>;
  };
  assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './testing']);
  for (const [entry, source] of [
    ['.', 'index'],
    ['./testing', 'testing'],
  ] as const) {
    assert.equal(pkg.exports[entry]?.import, `./dist/${source}.js`);
    assert.equal(pkg.exports[entry]?.types, `./dist/${source}.d.ts`);
    assert.ok(existsSync(`${ROOT}src/${source}.ts`), `src/${source}.ts exists`);
  }
});
