import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveRunConfig, type ConfigLayers } from '../src/config/index.js';
import { ConfigError, UsageError } from '../src/core/errors.js';

const layers = (over: Partial<ConfigLayers> = {}): ConfigLayers => ({
  flags: { input: 'a.csv' },
  env: {},
  envLocal: {},
  dotEnv: {},
  ...over,
});

test('defaults are those of the settings table when nothing is set', () => {
  const { config } = resolveRunConfig(layers());
  assert.equal(config.output, 'out.jsonl');
  assert.equal(config.maxWorkers, 4);
  assert.equal(config.maxRetries, 5);
  assert.equal(config.requestTimeout, 120);
  assert.equal(config.quotaMonitoring, true);
  assert.equal(config.quotaThreshold, 0.8);
  assert.equal(config.dailyLimit, undefined);
  assert.equal(config.pauseDuration, 24);
  assert.equal(config.quotaLogInterval, 100);
  assert.equal(config.onDailyLimit, 'wait');
  assert.equal(config.api, 'responses');
  assert.equal(config.dbTarget, 'store');
});

test('precedence is CLI > process env > .env.local > .env > default', () => {
  const base = {
    dotEnv: { QUOTA_THRESHOLD: '0.3', DAILY_REQUEST_LIMIT: '10', PAUSE_DURATION_HOURS: '2', QUOTA_LOG_INTERVAL: '7' },
  };
  const withLocal = {
    ...base,
    envLocal: { QUOTA_THRESHOLD: '0.4', DAILY_REQUEST_LIMIT: '20', PAUSE_DURATION_HOURS: '3' },
  };
  const withEnv = { ...withLocal, env: { QUOTA_THRESHOLD: '0.5', DAILY_REQUEST_LIMIT: '30' } };
  const withFlag = { ...withEnv, flags: { input: 'a.csv', quotaThreshold: '0.6' } };
  const { config, sources } = resolveRunConfig(layers(withFlag));
  assert.equal(config.quotaThreshold, 0.6);
  assert.equal(sources.quotaThreshold, 'flag');
  assert.equal(config.dailyLimit, 30);
  assert.equal(sources.dailyLimit, 'environment');
  assert.equal(config.pauseDuration, 3);
  assert.equal(sources.pauseDuration, '.env.local');
  assert.equal(config.quotaLogInterval, 7);
  assert.equal(sources.quotaLogInterval, '.env');
});

test('the test plan section 5.2 environment variables are honoured', () => {
  const env = {
    QUOTA_MONITORING: 'true',
    QUOTA_THRESHOLD: '0.7',
    DAILY_REQUEST_LIMIT: '200',
    PAUSE_DURATION_HOURS: '0.5',
    QUOTA_LOG_INTERVAL: '10',
  };
  const { config } = resolveRunConfig(layers({ env }));
  assert.deepEqual(
    [config.quotaMonitoring, config.quotaThreshold, config.dailyLimit, config.pauseDuration, config.quotaLogInterval],
    [true, 0.7, 200, 0.5, 10],
  );
});

test('a bare --quota-monitoring means true and "false" turns it off', () => {
  assert.equal(resolveRunConfig(layers({ flags: { input: 'a', quotaMonitoring: true } })).config.quotaMonitoring, true);
  assert.equal(
    resolveRunConfig(layers({ flags: { input: 'a', quotaMonitoring: 'false' } })).config.quotaMonitoring,
    false,
  );
  assert.equal(
    resolveRunConfig(layers({ flags: { input: 'a', quotaMonitoring: false }, env: { QUOTA_MONITORING: 'true' } }))
      .config.quotaMonitoring,
    false,
  );
});

test('fractional pause durations such as 0.1 hours are accepted', () => {
  assert.equal(resolveRunConfig(layers({ flags: { input: 'a', pauseDuration: '0.1' } })).config.pauseDuration, 0.1);
});

test('a bad flag value is a usage error naming the flag and the range', () => {
  assert.throws(
    () => resolveRunConfig(layers({ flags: { input: 'a', quotaThreshold: '1.5' } })),
    (e: unknown) => e instanceof UsageError && /--quota-threshold/.test(e.message) && /0\.1 to 1\.0/.test(e.message),
  );
  for (const [flag, value] of [
    ['maxWorkers', '0'],
    ['maxWorkers', '513'],
    ['maxWorkers', '2.5'],
    ['pauseDuration', '0'],
    ['pauseDuration', '73'],
    ['dailyLimit', '-100'],
    ['quotaLogInterval', '0'],
    ['quotaMonitoring', 'maybe'],
  ] as const) {
    assert.throws(
      () => resolveRunConfig(layers({ flags: { input: 'a', [flag]: value } })),
      UsageError,
      `${flag}=${value}`,
    );
  }
});

test('a bad environment value is a configuration error naming the variable', () => {
  assert.throws(
    () => resolveRunConfig(layers({ env: { QUOTA_THRESHOLD: '0.05' } })),
    (e: unknown) => e instanceof ConfigError && /QUOTA_THRESHOLD/.test(e.message),
  );
  assert.throws(
    () => resolveRunConfig(layers({ envLocal: { DAILY_REQUEST_LIMIT: 'abc' } })),
    (e: unknown) => e instanceof ConfigError && /DAILY_REQUEST_LIMIT \(from \.env\.local\)/.test(e.message),
  );
});

test('error messages never echo the API key or a database password', () => {
  assert.throws(
    () => resolveRunConfig(layers({ flags: { input: 'a', dbUrl: 'mysql://u:hunter2@h/db' } })),
    (e: unknown) => e instanceof UsageError && !e.message.includes('hunter2'),
  );
});

test('--input is required, and --resume with --overwrite is refused', () => {
  assert.throws(() => resolveRunConfig(layers({ flags: {} })), UsageError);
  assert.throws(() => resolveRunConfig(layers({ flags: { input: 'a', resume: true, overwrite: true } })), UsageError);
});

test('--db-url on the command line enables the database, DATABASE_URL alone does not', () => {
  const url = 'postgres://u@127.0.0.1:5432/db';
  assert.equal(resolveRunConfig(layers({ flags: { input: 'a', dbUrl: url } })).config.enableDb, true);
  assert.equal(resolveRunConfig(layers({ env: { DATABASE_URL: url } })).config.enableDb, false);
});
