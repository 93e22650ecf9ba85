import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { dbCommand } from '../src/cli/db-command.js';
import { runCommand, type RunHost } from '../src/cli/run-command.js';
import { addRunOptions, flagsFromOptions } from '../src/cli/run-options.js';
import { simulateCommand } from '../src/cli/simulate-command.js';
import { validateCommand } from '../src/cli/validate-command.js';
import {
  checkNumber,
  describeRange,
  redactConfig,
  resolveRunConfig,
  runFields,
  secretFieldNames,
  type FieldSpec,
} from '../src/config/index.js';
import { UsageError } from '../src/core/errors.js';

/** A host for commands that are only asked for their help: running one is a test bug. */
const HELP_ONLY: RunHost = {
  deps: () => {
    throw new Error('this command is only asked for its help');
  },
  setExitCode: () => undefined,
};

const fields = Object.entries(runFields) as [string, FieldSpec][];

/** Parses `argv` with the generated `run` options only (no action runs). */
function parseRunFlags(argv: string[]): Record<string, unknown> {
  const cmd = addRunOptions(new Command('run')).exitOverride();
  cmd.parse(argv, { from: 'user' });
  return flagsFromOptions(cmd.opts());
}

test('run --help lists every setting of the table with its placeholder, aliases and variable', () => {
  const help = runCommand(HELP_ONLY).helpInformation({ error: false });
  // Commander wraps long lines; compare on one line.
  const flat = help.replace(/\s+/g, ' ');
  for (const [name, spec] of fields) {
    const aliases = spec.aliases ?? [];
    const head = [spec.flag, aliases[0]].filter((f) => f !== undefined).join(', ');
    assert.ok(flat.includes(`${head}${spec.placeholder === undefined ? '' : ` ${spec.placeholder}`}`), name);
    if (spec.env !== undefined) assert.ok(flat.includes(`[env ${spec.env}]`), `${name} names ${spec.env}`);
    if (spec.negation !== undefined) assert.ok(flat.includes(`--no-${spec.flag.slice(2)}`), `${name} negation`);
    for (const choice of spec.choices ?? []) assert.ok(flat.includes(`"${choice}"`), `${name} choice ${choice}`);
  }
  assert.match(flat, /--input, --input-file <file>/);
  assert.match(flat, /--api-key, --openai-api-key <key>/);
  assert.match(flat, /--max-workers <n> concurrent requests: auto .* \(default: auto\)/);
  assert.match(flat, /--daily-limit <n> .*\[env DAILY_REQUEST_LIMIT\] \(default: none\)/);
});

test('run --help keeps the examples and the exit codes', () => {
  const help = runCommand(HELP_ONLY).helpInformation({ error: false });
  let after = '';
  const cmd = runCommand(HELP_ONLY).configureOutput({ writeOut: (s) => (after += s), writeErr: () => undefined });
  cmd.exitOverride();
  assert.throws(() => cmd.parse(['--help'], { from: 'user' }));
  assert.ok(after.startsWith(help));
  assert.match(after, /Examples:/);
  assert.match(after, /Exit codes: 0 done .* 130 SIGINT · 143 SIGTERM/s);
});

test('the aliases --input-file and --openai-api-key set --input and --api-key', () => {
  assert.deepEqual(parseRunFlags(['--input-file', 'a.csv', '--openai-api-key', 'sk-abc']), {
    input: 'a.csv',
    apiKey: 'sk-abc',
  });
  assert.deepEqual(parseRunFlags(['--input', 'b.csv']), { input: 'b.csv' });
});

test('--no-quota-monitoring, a bare --quota-monitoring and --quota-monitoring false all reach the setting', () => {
  assert.deepEqual(parseRunFlags(['--no-quota-monitoring']), { quotaMonitoring: false });
  assert.deepEqual(parseRunFlags(['--quota-monitoring']), { quotaMonitoring: true });
  assert.deepEqual(parseRunFlags(['--quota-monitoring', 'false']), { quotaMonitoring: 'false' });
  const { config } = resolveRunConfig({
    flags: { input: 'a.csv', ...parseRunFlags(['--quota-monitoring', 'false']) },
    env: {},
    envLocal: {},
    dotEnv: {},
  });
  assert.equal(config.quotaMonitoring, false);
});

test('a flag not given leaves the setting to the environment and the default', () => {
  assert.deepEqual(parseRunFlags([]), {});
  assert.throws(() => parseRunFlags(['--api', 'soap']), /Allowed choices are responses, chat/);
});

test('each documented environment variable sets its setting', () => {
  const samples: Record<string, [string, string, unknown]> = {
    OPENAI_API_KEY: ['apiKey', 'sk-sample', 'sk-sample'],
    OPENAI_PROMPT_ID: ['promptId', 'pmpt_1', 'pmpt_1'],
    OPENAI_MODEL: ['model', 'gpt-6-luna', 'gpt-6-luna'],
    OPENAI_BASE_URL: ['baseUrl', 'http://127.0.0.1:9/v1', 'http://127.0.0.1:9/v1'],
    PROMPT_FILE: ['promptFile', 'p.txt', 'p.txt'],
    QUOTA_MONITORING: ['quotaMonitoring', 'off', false],
    QUOTA_THRESHOLD: ['quotaThreshold', '0.5', 0.5],
    DAILY_REQUEST_LIMIT: ['dailyLimit', '20', 20],
    PAUSE_DURATION_HOURS: ['pauseDuration', '0.1', 0.1],
    QUOTA_LOG_INTERVAL: ['quotaLogInterval', '7', 7],
    DATABASE_URL: ['dbUrl', 'postgres://u@localhost:5432/db', 'postgres://u@localhost:5432/db'],
  };
  const byEnv = new Map(fields.filter(([, s]) => s.env !== undefined).map(([name, s]) => [s.env, name]));
  for (const [variable, [field, raw, expected]] of Object.entries(samples)) {
    assert.equal(byEnv.get(variable), field, `${variable} maps to ${field}`);
    const { config, sources } = resolveRunConfig({
      flags: { input: 'a.csv' },
      env: { [variable]: raw },
      envLocal: {},
      dotEnv: {},
    });
    assert.equal((config as Record<string, unknown>)[field], expected, variable);
    assert.equal((sources as Record<string, unknown>)[field], 'environment', variable);
  }
});

test('no two settings share a flag, an alias or an environment variable', () => {
  const flags = fields.flatMap(([, s]) => [s.flag, ...(s.aliases ?? [])]);
  assert.equal(new Set(flags).size, flags.length);
  const envs = fields.flatMap(([, s]) => (s.env === undefined ? [] : [s.env]));
  assert.equal(new Set(envs).size, envs.length);
});

test('a setting marked secret is masked in the printable config and never echoed in errors', () => {
  assert.deepEqual(secretFieldNames('value'), ['apiKey']);
  assert.ok(secretFieldNames().includes('dbUrl'));
  const { config } = resolveRunConfig({
    flags: { input: 'a.csv', apiKey: 'plainword', dbUrl: 'postgres://bio:hunter2@db:5432/cat' },
    env: {},
    envLocal: {},
    dotEnv: {},
  });
  const shown = redactConfig(config);
  assert.equal(shown['apiKey'], '***');
  assert.equal(shown['dbUrl'], 'postgres://bio:***@db:5432/cat');
  assert.ok(!JSON.stringify(shown).includes('plainword'));
  assert.ok(!JSON.stringify(shown).includes('hunter2'));
  assert.throws(
    () => resolveRunConfig({ flags: { input: 'a', apiKey: '   ' }, env: {}, envLocal: {}, dotEnv: {} }),
    (e: unknown) => e instanceof UsageError && /--api-key/.test(e.message) && !/got/.test(e.message),
  );
});

test('one numeric validator: ranges, integers, exclusive minimums and blank text', () => {
  assert.equal(checkNumber(' 12 ', { min: 1, max: 512, integer: true }), 12);
  assert.equal(checkNumber('0', { min: 1, max: 512, integer: true }), undefined);
  assert.equal(checkNumber('1.5', { min: 1, max: 512, integer: true }), undefined);
  assert.equal(checkNumber('0', { min: 0, max: 72, minExclusive: true }), undefined);
  assert.equal(checkNumber('0.1', { min: 0, max: 72, minExclusive: true }), 0.1);
  assert.equal(checkNumber('', { min: 0 }), undefined);
  assert.equal(checkNumber('Infinity', { min: 0 }), undefined);
  assert.equal(describeRange({ min: 1, max: 512, integer: true }), 'an integer from 1 to 512');
  assert.equal(describeRange({ min: 0, integer: true }), 'an integer of 0 or more');
});

test('simulate, db and validate report a bad number in the same words', async () => {
  const quiet = { stdout: () => undefined, stderr: () => undefined };
  const cases: [Command, string[], RegExp][] = [
    [simulateCommand(quiet), ['--rpm', '1.5'], /^Invalid --rpm "1\.5": expected an integer from 1 to /],
    [
      dbCommand({ ...quiet, env: {} }),
      ['sync', 'o.jsonl', '--batch-size', '0'],
      /^Invalid --batch-size "0": expected an integer from 1 to 100000$/,
    ],
    [
      validateCommand(quiet),
      ['o.jsonl', '--min-length', '-3'],
      /^Invalid --min-length "-3": expected an integer of 0 or more$/,
    ],
  ];
  for (const [cmd, argv, message] of cases) {
    cmd.exitOverride();
    for (const sub of cmd.commands) sub.exitOverride();
    await assert.rejects(
      cmd.parseAsync(argv, { from: 'user' }),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
      argv.join(' '),
    );
  }
});
