import { createSecretMask, type SecretMask } from '../core/secrets.js';
import { secretFieldNames } from './redact.js';
import type { RunConfig } from './run-config.js';

function urlPassword(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  try {
    const url = new URL(value);
    if (url.password === '') return undefined;
    try {
      return decodeURIComponent(url.password);
    } catch {
      return url.password;
    }
  } catch {
    return undefined;
  }
}

/**
 * Every secret value a run's settings hold: the settings the table marks `secret: 'value'` (the
 * API key) and the password inside any URL setting (database, ledger).
 */
export function secretValues(config: RunConfig): string[] {
  const out: string[] = [];
  const whole = new Set(secretFieldNames('value'));
  for (const [key, value] of Object.entries(config) as [string, unknown][]) {
    if (typeof value !== 'string') continue;
    if (whole.has(key)) out.push(value);
    const password = urlPassword(value);
    if (password !== undefined) out.push(password, encodeURIComponent(password));
  }
  return out;
}

/** The literal-plus-pattern mask for everything a run writes. */
export function secretMaskFor(config: RunConfig): SecretMask {
  return createSecretMask(secretValues(config));
}
