import type { ProviderError } from '../core/errors.js';

// Failures that happen before a connection exists: nothing reached the provider, so nothing is
// counted against the key's budget (docs/ledger.md). Resets and timeouts after connecting are
// NOT in this list: the provider may have received the request.
const BEFORE_CONNECT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'ENETUNREACH', 'EHOSTUNREACH']);

/** The errno-style `code` found along an error's `cause` chain, if any. */
function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    // undici reports a failed connect as an AggregateError of per-address attempts.
    if (current instanceof AggregateError) {
      for (const inner of current.errors) codes.push(...causeCodes(inner));
    }
    current = current.cause;
  }
  return codes;
}

/**
 * True when the request provably never reached the provider: no HTTP status came back and the
 * cause is a refused connection or a failed name lookup.
 */
export function neverReachedProvider(error: ProviderError): boolean {
  if (error.status !== undefined) return false;
  const codes = causeCodes(error.cause);
  return codes.length > 0 && codes.every((code) => BEFORE_CONNECT.has(code));
}
