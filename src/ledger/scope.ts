import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Whose budget a ledger counts: one API key on one provider (docs/ledger.md). */
export interface LedgerScope {
  /** Scheme, host and port of the API base URL, e.g. `https://api.openai.com`. */
  origin: string;
  /** First 16 hex digits of a SHA-256 of the key; the key itself is never stored. */
  keyFingerprint: string;
  /** `origin` + `#` + `keyFingerprint`: the ledger row's key. */
  id: string;
}

/** Base URL of the OpenAI API when none is configured. */
export const DEFAULT_ORIGIN = 'https://api.openai.com';

/**
 * Fingerprint of an API key: a salted SHA-256, truncated. Enough to tell keys apart, useless to
 * recover the key.
 */
export function keyFingerprint(apiKey: string): string {
  return createHash('sha256').update(`artist-bio-gen ledger v1\0${apiKey}`).digest('hex').slice(0, 16);
}

/** The scope of `apiKey` on the API at `baseUrl` (default: OpenAI). */
export function ledgerScope(baseUrl: string | undefined, apiKey: string): LedgerScope {
  const origin = baseUrl === undefined ? DEFAULT_ORIGIN : new URL(baseUrl).origin;
  const fingerprint = keyFingerprint(apiKey);
  return { origin, keyFingerprint: fingerprint, id: `${origin}#${fingerprint}` };
}

/**
 * Folder of the default key ledger: `$XDG_STATE_HOME/artist-bio-gen`, falling back to
 * `~/.local/state/artist-bio-gen` (the XDG base directory rules).
 *
 * @param env the process environment (only XDG_STATE_HOME is read)
 * @param home the user's home directory
 */
export function stateDirectory(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const xdg = env['XDG_STATE_HOME'];
  // The XDG rules ignore a relative path.
  const base = xdg !== undefined && xdg.startsWith('/') ? xdg : join(home, '.local', 'state');
  return join(base, 'artist-bio-gen');
}

/** File of the default key ledger inside {@link stateDirectory}. */
export const LEDGER_FILE = 'ledger.sqlite';
