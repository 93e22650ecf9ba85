/**
 * The README's library example is `examples/library.ts` (type-checked by `npm run typecheck`):
 * the copy in the README must match it, and it must run against the simulator.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLE = join(ROOT, 'examples', 'library.ts');

test("the README's library example is examples/library.ts with the package name as import", async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Library'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  const example = await readFile(EXAMPLE, 'utf8');
  assert.equal(block, example.replace("from '../src/index.js';", "from 'artist-bio-gen';"));
});

test('the library example runs against the simulator and writes both bios with the defaults', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'readme-example-'));
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), EXAMPLE], { cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^Nina Simone → /m);
  assert.match(stdout, /^Fela Kuti → /m);
  assert.match(stdout, /succeeded: 2,\s+failed: 0/);
  const state = JSON.parse(await readFile(join(cwd, 'state.json'), 'utf8')) as { requestsToday: number };
  assert.equal(state.requestsToday, 2);
});
