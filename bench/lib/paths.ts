/** Fixed locations the benchmarks use. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The real CLI launcher, as users run it (it loads the built `dist/`). */
export const BIN = path.join(ROOT, 'bin', 'artist-bio-gen');

/** The built entry point the launcher loads; missing means `npm run build` has not run. */
export const DIST_MAIN = path.join(ROOT, 'dist', 'cli', 'bin.js');

/** Where `latest.json` is written. */
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** The baselines' TypeScript sources. */
export const BASELINES_SRC = path.join(ROOT, 'bench', 'baselines');

/**
 * Where the baselines are compiled to plain JavaScript, so they start as fast as the built CLI
 * (no TypeScript loader). Inside node_modules: ignored by git, lint and formatting, and the
 * packages they import resolve from there.
 */
export const BASELINES_OUT = path.join(ROOT, 'node_modules', '.cache', 'artist-bio-gen-bench', 'baselines');
