/**
 * Literal masking of the secrets a run knows exactly (API key, database and ledger passwords).
 * Pattern masking ({@link scrubSecrets}) only catches well-known shapes such as `sk-…`; a key of
 * another shape (Azure's 32 hex characters) or one echoed back by a server in an error body is
 * only caught by looking for the value itself. See docs/hostile-servers.md.
 */
import { REDACTED, scrubSecrets } from './redact.js';

/** Masks every known secret and every secret-shaped string in a text. */
export type SecretMask = (text: string) => string;

/**
 * Values shorter than this are not masked literally: replacing every `ab` in a log would
 * destroy the text and protect nothing.
 * @default 4
 */
export const MIN_SECRET_LENGTH = 4;

function forms(value: string): string[] {
  // The value as written, as it appears inside a JSON string and inside a URL.
  const json = JSON.stringify(value).slice(1, -1);
  return [...new Set([value, json, encodeURIComponent(value)])];
}

/**
 * Builds a mask for the given secret values (blank and too-short values are ignored). Longer
 * secrets are replaced first so one secret containing another is masked whole.
 */
export function createSecretMask(values: Iterable<string | undefined>): SecretMask {
  const literals = new Set<string>();
  for (const value of values) {
    if (value === undefined || value.trim().length < MIN_SECRET_LENGTH) continue;
    for (const form of forms(value)) literals.add(form);
  }
  const ordered = [...literals].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const literal of ordered) if (out.includes(literal)) out = out.split(literal).join(REDACTED);
    return scrubSecrets(out);
  };
}
