/** Keeps database credentials out of every message the store produces. */

const MASK = '***';
// Query parameters that libpq and pg accept as credentials.
const SECRET_PARAMS = ['password', 'sslpassword', 'sslkey'];

/**
 * Returns the URL with its password (and password-like query parameters) replaced by `***`,
 * e.g. `postgres://user:***@host:5432/db`. Unparseable input is masked by pattern so that even a
 * malformed URL never leaks a password.
 */
export function redactDbUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\/\/([^/@:]*):[^@/]*@/u, `//$1:${MASK}@`).replace(/(password=)[^&\s]*/giu, `$1${MASK}`);
  }
  if (parsed.password !== '') parsed.password = MASK;
  for (const name of SECRET_PARAMS) {
    if (parsed.searchParams.has(name)) parsed.searchParams.set(name, MASK);
  }
  // URL serialisation percent-encodes the mask; show it as written.
  return parsed.toString().replaceAll(encodeURIComponent(MASK), MASK);
}

/** Replaces every secret that could appear in a driver message with `***`. */
export type SecretScrubber = (text: string) => string;

/**
 * Builds a scrubber for messages about the database at `url`: the full URL becomes its redacted
 * form and the password (raw and percent-decoded) becomes `***`.
 */
export function createSecretScrubber(url: string | undefined): SecretScrubber {
  if (url === undefined || url === '') return (text) => text;
  const secrets = new Set<string>();
  try {
    const parsed = new URL(url);
    for (const value of [parsed.password, ...SECRET_PARAMS.map((name) => parsed.searchParams.get(name) ?? '')]) {
      if (value === '') continue;
      secrets.add(value);
      try {
        secrets.add(decodeURIComponent(value));
      } catch {
        // A malformed escape cannot be decoded; the raw form is masked anyway.
      }
    }
  } catch {
    const match = /\/\/[^/@:]*:([^@/]*)@/u.exec(url);
    if (match?.[1]) secrets.add(match[1]);
  }
  const redactedUrl = redactDbUrl(url);
  // Longest first, so a secret that contains another is masked whole.
  const ordered = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replaceAll(url, redactedUrl);
    for (const secret of ordered) out = out.replaceAll(secret, MASK);
    return out;
  };
}
