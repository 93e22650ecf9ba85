/**
 * Runs every test file that is not end-to-end (`test/*.test.ts` except `e2e-*` and `browser-*`)
 * in this one process, for `npm test`.
 *
 * On its own, each file costs a Node start, the TypeScript loader and a fresh import of `src/`:
 * about 0.75 s of CPU before its first test, some 40 s over the suite on 2 cores. Here that is
 * paid once. The files stay runnable one by one (`node --import tsx --test test/x.test.ts`), and
 * a new file joins the group by its name alone. What the files share here is safe: their
 * root-level `before`/`after` hooks run before the first and after the last test of the group,
 * and the two `afterEach` hooks only clear `process.exitCode`. Every test keeps its own temporary
 * folders, simulators and ledgers (see CONTRIBUTING.md#tests).
 */
import { readdirSync } from 'node:fs';

const here = new URL('./', import.meta.url);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.test.ts') && !name.startsWith('e2e-') && !name.startsWith('browser-'))
  .sort();

for (const name of files) await import(new URL(name, here).href);
