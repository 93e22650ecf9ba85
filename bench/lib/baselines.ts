/**
 * Compiles the baseline clients to plain JavaScript before they are measured, so they start and
 * run like the built CLI does, without a TypeScript loader in the process (which alone adds about
 * 0.3 CPU seconds and 40 MB of memory to a Node process).
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { BASELINES_OUT, BASELINES_SRC } from './paths.js';

/** Paths of the compiled baseline clients. */
export interface BaselineScripts {
  naive: string;
  cookbook: string;
}

/** Transpiles every `bench/baselines/*.ts` file; returns the entry points. */
export async function compileBaselines(): Promise<BaselineScripts> {
  await mkdir(BASELINES_OUT, { recursive: true });
  // Outside the package's own scope (node_modules stops the lookup), so ESM is declared here.
  await writeFile(path.join(BASELINES_OUT, 'package.json'), '{ "type": "module" }\n');
  for (const name of await readdir(BASELINES_SRC)) {
    if (!name.endsWith('.ts')) continue;
    const source = await readFile(path.join(BASELINES_SRC, name), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2023,
        verbatimModuleSyntax: true,
      },
      fileName: name,
    });
    await writeFile(path.join(BASELINES_OUT, name.replace(/\.ts$/, '.js')), outputText);
  }
  return {
    naive: path.join(BASELINES_OUT, 'naive-client.js'),
    cookbook: path.join(BASELINES_OUT, 'cookbook-client.js'),
  };
}
