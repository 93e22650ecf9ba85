import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { findLayerViolations, formatViolation, runLayerCheck } from '../scripts/check-layers.js';

const fixture = mkdtempSync(path.join(tmpdir(), 'layers-'));
after(() => rmSync(fixture, { recursive: true, force: true }));

/** A small src/ tree: every kind of import once, four of them against the rule. */
const files: Record<string, string> = {
  'src/core/clock.ts': `export const now = (): number => 0;\n`,
  'src/quota/gate.ts': [
    `import { now } from '../core/clock.js';`,
    `import { z } from 'zod';`,
    `import type { Runner } from '../pipeline/runner.js';`,
    `export { now, z };`,
    `export type { Runner };`,
  ].join('\n'),
  'src/store/sink.ts': `import { now } from '../core/clock.js';\nimport { x } from '../output/x.js';\nexport { now, x };\n`,
  'src/output/x.ts': `\n\nexport { now as x } from '../index.js';\n`,
  'src/pipeline/runner.ts': `import { now } from '../quota/gate.js';\nexport class Runner { n = now(); }\n`,
  'src/provider/client.ts': `export async function load(): Promise<unknown> {\n  return import('../cli/main.js');\n}\n`,
  'src/cli/main.ts': `import { Runner } from '../pipeline/runner.js';\nexport { Runner };\n`,
  'src/mystery/thing.ts': `export const thing = 1;\n`,
  'src/telemetry/log.ts': [
    '// process.stderr in a comment is fine, and so is the pid: process.pid',
    `export const pid = process.pid;`,
    `export const write = (t: string): boolean => process.stderr.write(t);`,
    `export const home = (): string | undefined => process.env['HOME'];`,
  ].join('\n'),
  'src/cli/app.ts': `export const argv = process.argv;\nexport const env = process.env;\n`,
  'src/index.ts': `export * from './cli/main.js';\nexport * from './core/clock.js';\n`,
};
for (const [name, text] of Object.entries(files)) {
  mkdirSync(path.dirname(path.join(fixture, name)), { recursive: true });
  writeFileSync(path.join(fixture, name), text);
}

test('an import of a higher layer, of the root, from an unknown folder, or of process.env/stderr outside cli/ is reported with file and line', () => {
  const found = findLayerViolations(path.join(fixture, 'src')).map(formatViolation);
  assert.deepEqual(found, [
    'src/mystery/thing.ts:1: folder src/mystery is not in the layer table (LAYER_RANKS in scripts/check-layers.ts)',
    "src/output/x.ts:3: layer 'output' imports the composition root src/index.ts ('../index.js')",
    "src/provider/client.ts:2: layer 'provider' (rank 2) imports 'cli' (rank 3), a layer above it ('../cli/main.js')",
    "src/quota/gate.ts:3: layer 'quota' (rank 1) imports 'pipeline' (rank 2), a layer above it ('../pipeline/runner.js')",
    "src/telemetry/log.ts:3: layer 'telemetry' reaches for the process; only composition roots (src/cli/, src/index.ts) may, others receive what they need as arguments ('process.stderr')",
    "src/telemetry/log.ts:4: layer 'telemetry' reaches for the process; only composition roots (src/cli/, src/index.ts) may, others receive what they need as arguments ('process.env')",
  ]);
});

test('the rank table is an argument: moving a layer up makes its imports legal', () => {
  const ranks = { core: 0, quota: 2, store: 1, output: 1, pipeline: 2, provider: 3, cli: 3, mystery: 1, telemetry: 1 };
  const found = findLayerViolations(path.join(fixture, 'src'), ranks).map((v) => `${v.file}:${v.line}`);
  assert.deepEqual(found, ['src/output/x.ts:3', 'src/telemetry/log.ts:3', 'src/telemetry/log.ts:4']);
});

test('the command exits 1 listing each violation, and 0 with a summary on a clean tree', () => {
  let out = '';
  let err = '';
  const code = runLayerCheck(
    path.join(fixture, 'src'),
    (t) => (out += t),
    (t) => (err += t),
  );
  assert.equal(code, 1);
  assert.equal(out, '');
  assert.match(err, /^src\/quota\/gate\.ts:3: layer 'quota'/m);
  assert.match(err, /6 layering violation\(s\)\. Layers, lowest first: core ← /);
  rmSync(path.join(fixture, 'src/mystery'), { recursive: true });
  for (const bad of ['src/output/x.ts', 'src/provider/client.ts', 'src/telemetry/log.ts'])
    writeFileSync(path.join(fixture, bad), 'export {};\n');
  writeFileSync(path.join(fixture, 'src/quota/gate.ts'), `export { now } from '../core/clock.js';\n`);
  out = '';
  assert.equal(
    runLayerCheck(
      path.join(fixture, 'src'),
      (t) => (out += t),
      (t) => (err += t),
    ),
    0,
  );
  assert.match(out, /^Layers hold: core ← config\/.*← cli\.$/m);
});
