import { redactRecord } from '../core/redact.js';
import type { RunConfig } from './run-config.js';

/**
 * The config as a flat record safe to print or store in a report: credential settings (the API
 * key) become `***` and URL passwords and key-shaped values are masked.
 */
export function redactConfig(config: RunConfig): Record<string, string | number | boolean | null> {
  const flat: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(config) as [string, unknown][]) {
    if (value === undefined) continue;
    flat[key] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? value
        : JSON.stringify(value);
  }
  return redactRecord(flat);
}
