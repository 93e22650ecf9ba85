/**
 * The one place that masks credentials in settings and free text before they reach a log line,
 * a report or any other file people share. Database drivers' own messages are scrubbed by the
 * store, which knows the exact URL.
 */

/** Mask written in place of a secret. */
export const REDACTED = '***';

// Key names that usually hold credentials (apiKey, db_password, authToken, clientSecret, …).
const SECRET_KEY = /key|secret|passw(or)?d|pwd|token|credential|auth|cookie|session|signature/i;
// Numeric settings such as `maxOutputTokens` count tokens; they are not credentials.
const TOKEN_COUNT_KEY = /tokens$|tokens?_?(limit|count|per)|max.*tokens?/i;
// scheme://user:password@host → keep the user, drop the password.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi;
// ?api_key=…&token=… in query strings.
const QUERY_SECRET =
  /([?&](?:[a-z0-9_-]*(?:key|secret|token|password|passwd|pwd|sig|signature|auth)[a-z0-9_-]*)=)[^&#\s]+/gi;
// Shapes of common API keys: OpenAI `sk-…`, `sess-…`, bearer tokens.
const KEY_SHAPE = /\b(?:sk|rk|sess|pk)-[A-Za-z0-9_-]{3,}|\bBearer\s+[A-Za-z0-9._~+/-]+=*/g;

/** Masks credentials inside free text: URL passwords, secret query parameters, API key shapes. */
export function scrubSecrets(text: string): string {
  return text
    .replace(URL_PASSWORD, `$1:${REDACTED}@`)
    .replace(QUERY_SECRET, `$1${REDACTED}`)
    .replace(KEY_SHAPE, REDACTED);
}

/** True when a setting's name says it holds a credential. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !TOKEN_COUNT_KEY.test(key);
}

/**
 * Returns a copy of `config` safe to print: values of the `secretKeys` (the settings table's
 * list, see src/config/redact.ts) and of credential-like key names become `***`, and every string
 * value is scrubbed of URL passwords and API-key shapes.
 */
export function redactRecord(
  config: Readonly<Record<string, string | number | boolean | null>>,
  secretKeys: readonly string[] = [],
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === null || typeof value === 'boolean') out[key] = value;
    else if (secretKeys.includes(key) || isSecretKey(key)) out[key] = REDACTED;
    else if (typeof value === 'string') out[key] = scrubSecrets(value);
    else out[key] = value;
  }
  return out;
}
