/**
 * The layering check (`npm run check:layers`, run by .ci/run): a file of src/ may import its own
 * folder, folders of the same rank and folders of a lower rank, never a folder above it; and only
 * composition roots touch `process.env`, argv, the standard streams, signals or the exit code.
 * The rule and its reasons are in docs/architecture.md#layers.
 *
 *   node --import tsx scripts/check-layers.ts [--src DIR]
 *
 * Prints one line per offending import (`file:line: …`) and exits 1, or prints a summary and
 * exits 0.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Rank of every folder of src/, lowest first. A new folder gets a row here (the check refuses a
 * folder it does not know): the rank of the highest layer it imports, or more.
 */
export const LAYER_RANKS: Readonly<Record<string, number>> = {
  // Shared contracts: clock, errors, events, domain types. Imports nothing of ours.
  core: 0,
  // Building blocks: each knows only core and its peers.
  config: 1,
  cost: 1,
  input: 1,
  ledger: 1,
  output: 1,
  prompt: 1,
  quota: 1,
  simulator: 1,
  store: 1,
  telemetry: 1,
  dashboard: 1,
  // Layers that combine building blocks into behaviour.
  provider: 2,
  pipeline: 2,
  report: 2,
  batch: 2,
  // Composition roots of the commands.
  cli: 3,
};

/** Files directly in src/ that wire everything together: they may import any layer, and no layer may import them. */
export const ROOT_FILES: readonly string[] = ['index.ts', 'testing.ts'];

/**
 * Members of `process` that only composition roots (`src/cli/`, the root files) may touch: the
 * environment, argv, the standard streams, signals and the exit code. Introspection such as
 * `process.pid` or `process.memoryUsage` is allowed everywhere.
 */
export const ROOT_ONLY_PROCESS_MEMBERS: readonly string[] = [
  'argv',
  'chdir',
  'cwd',
  'env',
  'exit',
  'exitCode',
  'off',
  'on',
  'once',
  'stderr',
  'stdin',
  'stdout',
];

/** Folders that are composition roots: they wire the layers to the process. */
export const ROOT_FOLDERS: readonly string[] = ['cli'];

/** One import (or `process` access) that breaks the rule. */
export interface LayerViolation {
  /** Path of the importing file, relative to the folder that holds src/. */
  file: string;
  /** 1-based line of the import. */
  line: number;
  /** The module specifier as written. */
  specifier: string;
  /** Why it is refused. */
  reason: string;
}

function listTypeScript(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => path.join(dir, name))
    .sort();
}

/** 1-based line number of the character at `pos`. */
function lineOf(source: string, pos: number): number {
  let line = 1;
  for (let i = source.indexOf('\n'); i !== -1 && i < pos; i = source.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** `core` for src/core/clock.ts, `index.ts` for src/index.ts. */
function topOf(srcDir: string, file: string): string {
  const top = path.relative(srcDir, file).split(path.sep)[0] ?? '';
  // An import names the emitted file (`../index.js`); the source is `index.ts`.
  return top.endsWith('.js') ? `${top.slice(0, -3)}.ts` : top;
}

function describeTarget(
  srcDir: string,
  importer: string,
  to: string,
  ranks: Readonly<Record<string, number>>,
): string | undefined {
  const from = topOf(srcDir, importer);
  if (ROOT_FILES.includes(from) || from === to) return undefined;
  if (ROOT_FILES.includes(to)) return `layer '${from}' imports the composition root src/${to}`;
  const fromRank = ranks[from];
  if (fromRank === undefined) return undefined; // reported once per file, see below
  const toRank = ranks[to];
  if (toRank === undefined) return `layer '${from}' imports src/${to}, which is not in the layer table`;
  if (toRank > fromRank) return `layer '${from}' (rank ${fromRank}) imports '${to}' (rank ${toRank}), a layer above it`;
  return undefined;
}

/**
 * Every import in `srcDir` that goes up the layer table, imports a composition root, or comes
 * from or goes to a folder the table does not list, and every use of the process's environment,
 * argv, streams, signals or exit code outside the composition roots. Only relative imports are
 * ours; packages are not checked. Static, type-only, re-export and dynamic imports all count.
 */
export function findLayerViolations(
  srcDir: string,
  ranks: Readonly<Record<string, number>> = LAYER_RANKS,
): LayerViolation[] {
  const base = path.dirname(path.resolve(srcDir));
  const violations: LayerViolation[] = [];
  for (const file of listTypeScript(path.resolve(srcDir))) {
    const source = readFileSync(file, 'utf8');
    const shown = path.relative(base, file).split(path.sep).join('/');
    const from = topOf(path.resolve(srcDir), file);
    if (!ROOT_FILES.includes(from) && !from.endsWith('.ts') && ranks[from] === undefined) {
      violations.push({
        file: shown,
        line: 1,
        specifier: '',
        reason: `folder src/${from} is not in the layer table (LAYER_RANKS in scripts/check-layers.ts)`,
      });
      continue;
    }
    for (const imported of ts.preProcessFile(source, true, true).importedFiles) {
      if (!imported.fileName.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), imported.fileName);
      const to = topOf(path.resolve(srcDir), target);
      if (to.startsWith('..')) continue; // outside src/: not a layer
      const reason = describeTarget(path.resolve(srcDir), file, to, ranks);
      if (reason === undefined) continue;
      const line = lineOf(source, imported.pos);
      violations.push({ file: shown, line, specifier: imported.fileName, reason });
    }
    if (ROOT_FILES.includes(from) || ROOT_FOLDERS.includes(from)) continue;
    for (const access of processAccesses(file, source)) {
      violations.push({
        file: shown,
        line: lineOf(source, access.pos),
        specifier: `process.${access.member}`,
        reason: `layer '${from}' reaches for the process; only composition roots (src/cli/, src/index.ts) may, others receive what they need as arguments`,
      });
    }
  }
  return violations;
}

/** `process.<member>` accesses of a file, when the member is one only composition roots may use. */
function processAccesses(file: string, source: string): { member: string; pos: number }[] {
  const found: { member: string; pos: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'process' &&
      ROOT_ONLY_PROCESS_MEMBERS.includes(node.name.text)
    ) {
      found.push({ member: node.name.text, pos: node.getStart() });
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true));
  return found;
}

/** Formats a violation as `file:line: reason ('specifier')`. */
export function formatViolation(v: LayerViolation): string {
  return `${v.file}:${v.line}: ${v.reason}${v.specifier === '' ? '' : ` ('${v.specifier}')`}`;
}

/**
 * The check as the command runs it: reports on `err`/`out` and returns the exit code (1 when an
 * import breaks the rule, 0 otherwise).
 */
export function runLayerCheck(srcDir: string, out: (text: string) => void, err: (text: string) => void): number {
  const violations = findLayerViolations(srcDir);
  for (const v of violations) err(`${formatViolation(v)}\n`);
  if (violations.length > 0) {
    err(
      `${violations.length} layering violation(s). Layers, lowest first: ${describeOrder()}. See docs/architecture.md#layers.\n`,
    );
    return 1;
  }
  out(`Layers hold: ${describeOrder()}.\n`);
  return 0;
}

function describeOrder(): string {
  const byRank = new Map<number, string[]>();
  for (const [layer, rank] of Object.entries(LAYER_RANKS)) byRank.set(rank, [...(byRank.get(rank) ?? []), layer]);
  return [...byRank.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, layers]) => layers.sort().join('/'))
    .join(' ← ');
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--src');
  const srcDir = (at >= 0 ? process.argv[at + 1] : undefined) ?? fileURLToPath(new URL('../src', import.meta.url));
  process.exitCode = runLayerCheck(
    srcDir,
    (text) => process.stdout.write(text),
    (text) => process.stderr.write(text),
  );
}
