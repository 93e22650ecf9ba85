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

test('the rate share defaults to 1.0, independent of the quota threshold', () => {
  const { config } = resolveRunConfig(layers({ env: { QUOTA_THRESHOLD: '0.5' } }));
  assert.equal(config.rateShare, 1);
  assert.equal(config.quotaThreshold, 0.5);
});

test('RATE_SHARE sets the rate share and --rate-share wins over it', () => {
  assert.equal(resolveRunConfig(layers({ env: { RATE_SHARE: '0.6' } })).config.rateShare, 0.6);
  const flagged = resolveRunConfig(
    layers({ env: { RATE_SHARE: '0.6' }, flags: { input: 'a.csv', rateShare: '0.25' } }),
  );
  assert.equal(flagged.config.rateShare, 0.25);
  assert.equal(flagged.sources.rateShare, 'flag');
});

test('a rate share of 0 or above 1 is refused, naming the flag or the variable', () => {
  assert.throws(
    () => resolveRunConfig(layers({ flags: { input: 'a.csv', rateShare: '0' } })),
    (error: unknown) => error instanceof UsageError && /--rate-share/.test(error.message),
  );
  assert.throws(
    () => resolveRunConfig(layers({ env: { RATE_SHARE: '1.5' } })),
    (error: unknown) => error instanceof ConfigError && /RATE_SHARE/.test(error.message),
  );
});
