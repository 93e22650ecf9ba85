import type { ProviderError } from '../core/errors.js';

/**
 * True when the request provably never reached the provider, so nothing is counted against the
 * key's budget (docs/ledger.md): no HTTP status came back and the provider layer found it failed
 * before sending (a refused connection, a failed name lookup, a server certificate that fails
 * verification; see `src/provider/connection.ts`). Resets and timeouts after connecting do not
 * count: the provider may have received the request.
 */
export function neverReachedProvider(error: ProviderError): boolean {
  return error.status === undefined && !error.reachedServer;
}
