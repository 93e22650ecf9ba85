import type { RunConfig } from './run-config.js';

const SECRET_KEYS = new Set(['apiKey']);

/** Hides the password part of a URL: `postgres://user:***@host/db`. */
export function redactUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/**
 * The config as a flat record safe to print or store in a report: the API key is replaced by
 * `***` and URL passwords are removed.
 */
export function redactConfig(config: RunConfig): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(config) as [string, unknown][]) {
    if (value === undefined) continue;
    if (SECRET_KEYS.has(key)) out[key] = '***';
    else if (typeof value === 'string') out[key] = redactUrlPassword(value);
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else out[key] = JSON.stringify(value);
  }
  return out;
}
