/**
 * Bundles the CLI into one file, `dist/cli/bin.js`, after `tsc` has built `dist/`.
 *
 * Loaded module by module, the CLI is some 700 files (ours, the OpenAI SDK, zod…), and resolving,
 * reading and compiling them took about half of the CPU a short run uses. One file starts in less
 * than half the time. Native and large lazily loaded packages stay outside the bundle and load
 * from node_modules as before. The bundle sits in `dist/cli/`, at the same depth as every built
 * module, so the paths our code resolves from `import.meta.url` (package.json, templates/) hold.
 * The library entry points (`dist/index.js`, `dist/testing.js`) are not bundled.
 * See CONTRIBUTING.md#building.
 */
import { build } from 'esbuild';

/** Packages loaded from node_modules at run time rather than bundled. */
const EXTERNAL = [
  'better-sqlite3', // native addon
  'pg', // loaded by path inside the ledger's worker thread too
  'pg-native',
  'gpt-tokenizer', // large tables, imported only when exact token counts are needed
  'playwright-core',
];

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/cli/bin.js',
  bundle: true,
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
