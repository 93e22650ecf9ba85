import { isSecretKey } from '../core/redact.js';
import { createSecretMask, type SecretMask } from '../core/secrets.js';
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
 * Every secret value a run's settings hold: credential settings (API key and any other
 * `key`/`password`/`token` setting) and the passwords inside URL settings (database, ledger).
 */
export function secretValues(config: RunConfig): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(config) as [string, unknown][]) {
    if (typeof value !== 'string') continue;
    if (isSecretKey(key)) out.push(value);
    const password = urlPassword(value);
    if (password !== undefined) out.push(password, encodeURIComponent(password));
  }
  return out;
}

/** The literal-plus-pattern mask for everything a run writes. */
export function secretMaskFor(config: RunConfig): SecretMask {
  return createSecretMask(secretValues(config));
}
