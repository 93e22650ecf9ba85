/**
 * Bundles the CLI into `dist/cli/bin.js` and its lazily loaded chunks, after `tsc` has built `dist/`.
 *
 * Loaded module by module, the CLI is some 700 files (ours, the OpenAI SDK, zod…), and resolving,
 * reading and compiling them took about half of the CPU a short run uses. The bundle starts in less
 * than half the time. What the CLI already loads with `import()` only when a command needs it (the
 * store and kysely, the simulator, the dashboard, metrics, batch jobs, reports) becomes a chunk of
 * its own, so a plain run never reads or compiles it; minified code is less to read and compile.
 * Native and large lazily loaded packages stay outside the bundle and load from node_modules as
 * before. Bundle and chunks sit in `dist/cli/`, at the same depth as every built module, so the
 * paths our code resolves from `import.meta.url` (package.json, templates/) hold.
 * The library entry points (`dist/index.js`, `dist/testing.js`) are not bundled.
 * See CONTRIBUTING.md#building.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const OUT_DIR = 'dist/cli';
/** Chunk files are named by content hash: clear the previous build's so none goes stale. */
for (const name of readdirSync(OUT_DIR)) {
  if (name.startsWith('chunk-') && name.endsWith('.js')) rmSync(join(OUT_DIR, name));
}

/** Packages loaded from node_modules at run time rather than bundled. */
const EXTERNAL = [
  'better-sqlite3', // native addon
  'pg', // loaded by path inside the ledger's worker thread too
  'pg-native',
  'gpt-tokenizer', // large tables, imported only when exact token counts are needed
  'playwright-core',
  // CommonJS, imported with import() where a price file is YAML: in a chunk of its own it would
  // offer only a default export, so `const { parse } = await import('yaml')` would find nothing.
  'yaml',
];

const result = await build({
  metafile: true,
  entryPoints: { bin: 'dist/cli/main.js' },
  outdir: OUT_DIR,
  bundle: true,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  minify: true,
  // Class and function names survive minifying, so stack traces and error names stay readable.
  keepNames: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  // Bundled CommonJS packages call require() for Node's built-in modules.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// A package reached only through import() becomes a chunk entry of its own; if it is CommonJS, its
// named exports vanish there (see 'yaml' above). Such a package must be external.
const packageEntries = Object.values(result.metafile.outputs)
  .map((output) => output.entryPoint)
  .filter((entry): entry is string => entry?.includes('node_modules/') === true);
if (packageEntries.length > 0) {
  throw new Error(`packages imported with import() must be listed in EXTERNAL: ${packageEntries.join(', ')}`);
}
