import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.js';
import { readSettings, SETTING_KEYS, type TemplateSettings } from './template-settings.js';

/** A local prompt template: front-matter settings plus a body with `{{placeholders}}`. */
export interface PromptTemplate extends TemplateSettings {
  /** The user input, with `{{artist_name}}` / `{{artist_data}}` placeholders. */
  body: string;
  /** Where it came from (a path, or `built-in`). */
  source: string;
}

/** Path of the template shipped with the tool. */
export const DEFAULT_TEMPLATE_PATH = fileURLToPath(new URL('../../templates/default-bio.md', import.meta.url));

const KNOWN_KEYS = new Set(SETTING_KEYS);

function parseFrontMatter(block: string, source: string): Map<string, string> {
  const values = new Map<string, string>();
  const lines = block.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const match = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!match) throw new ConfigError(`Prompt template ${source}: cannot read front-matter line ${i + 2}: "${line}"`);
    const key = match[1] ?? '';
    let value = (match[2] ?? '').trim();
    if (!KNOWN_KEYS.has(key)) {
      throw new ConfigError(
        `Prompt template ${source}: unknown front-matter key "${key}" (known: ${[...KNOWN_KEYS].join(', ')})`,
      );
    }
    if (value === '|' || value === '>') {
      // A YAML-style block: the following indented lines, joined with newlines (or spaces for '>').
      const folded = value === '>';
      const body: string[] = [];
      while (i + 1 < lines.length && /^(\s+|$)/.test(lines[i + 1] ?? '') && (lines[i + 1] ?? '') !== '') {
        i++;
        body.push((lines[i] ?? '').replace(/^\s{1,2}/, ''));
      }
      value = body.join(folded ? ' ' : '\n').trim();
    } else if (/^(['"]).*\1$/.test(value)) {
      value = value.slice(1, -1);
    }
    values.set(key, value);
  }
  return values;
}

/** Parses a template file's text. Throws `ConfigError` naming the file on a malformed header. */
export function parseTemplate(text: string, source: string): PromptTemplate {
  const normalized = text.replace(/^\uFEFF/, '');
  let body = normalized;
  let settings = new Map<string, string>();
  const fm = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(normalized);
  if (fm) {
    settings = parseFrontMatter(fm[1] ?? '', source);
    body = normalized.slice(fm[0].length);
  }
  body = body.trim();
  if (body === '') throw new ConfigError(`Prompt template ${source} has no body text after its front matter`);
  if (!body.includes('{{artist_name}}')) {
    throw new ConfigError(`Prompt template ${source} must contain the {{artist_name}} placeholder`);
  }
  const unknown = [...body.matchAll(/\{\{\s*([^}]+?)\s*\}\}/g)]
    .map((m) => m[1] ?? '')
    .filter((n) => n !== 'artist_name' && n !== 'artist_data');
  if (unknown.length > 0) {
    throw new ConfigError(
      `Prompt template ${source} uses unknown placeholder(s) ${unknown.map((u) => `{{${u}}}`).join(', ')}; available: {{artist_name}}, {{artist_data}}`,
    );
  }
  const template: PromptTemplate = { ...readSettings(settings, source), body, source };
  return template;
}

/** Reads and parses a template file, or the built-in one when `path` is undefined. */
export async function loadTemplate(path?: string): Promise<PromptTemplate> {
  const file = path ?? DEFAULT_TEMPLATE_PATH;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new ConfigError(`Cannot read prompt template ${file}: ${reason}`, { cause: error });
  }
  return parseTemplate(text, path ?? 'built-in template');
}

/** Fills the placeholders of a template body. */
export function renderTemplate(body: string, variables: { artist_name: string; artist_data: string }): string {
  return body.replace(/\{\{\s*(artist_name|artist_data)\s*\}\}/g, (_m, name: string) =>
    name === 'artist_name' ? variables.artist_name : variables.artist_data,
  );
}
