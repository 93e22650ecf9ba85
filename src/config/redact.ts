import { redactRecord } from '../core/redact.js';
import { runFields, type FieldSpec } from './fields.js';
import type { RunConfig } from './run-config.js';

/**
 * Names of the settings the table marks `secret`, all of them or only those of one kind
 * (`value`: masked whole; `url-password`: a URL whose password is masked).
 */
export function secretFieldNames(kind?: NonNullable<FieldSpec['secret']>): string[] {
  return (Object.entries(runFields) as [string, FieldSpec][])
    .filter(([, spec]) => (kind === undefined ? spec.secret !== undefined : spec.secret === kind))
    .map(([name]) => name);
}

/**
 * The config as a flat record safe to print or store in a report. Settings marked
 * `secret: 'value'` become `***`; every text value (a `url-password` setting included) is scrubbed
 * of URL passwords and key-shaped values, so a credential typed where it does not belong is
 * masked too.
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
  return redactRecord(flat, secretFieldNames('value'));
}
