/**
 * Reads the low-level cause of a failed connection (the socket or TLS error, possibly wrapped) to
 * tell a request that never left from one that broke midway.
 */

/** Socket error codes raised before a single byte of the request reached the server. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

/**
 * Node's codes for a server certificate that fails verification. The TLS handshake failed, so the
 * request itself was never sent (docs/hostile-servers.md#unreachable-api).
 */
const UNTRUSTED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function certificateCode(error: unknown): string | undefined {
  for (const c of causes(error)) {
    const code = codeOf(c);
    if (code !== undefined && UNTRUSTED_CERTIFICATE.has(code)) return code;
  }
  return undefined;
}

function causes(error: unknown): unknown[] {
  const out: unknown[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    out.push(current);
    current = current instanceof Error ? current.cause : undefined;
    if (current instanceof AggregateError) {
      for (const inner of current.errors as unknown[]) out.push(inner);
    }
  }
  return out;
}

function codeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('code' in value)) return undefined;
  const code = value.code;
  return typeof code === 'string' ? code : undefined;
}

/** The socket error code found in the cause chain (`ECONNREFUSED`, `ECONNRESET`, …), if any. */
export function connectionCode(error: unknown): string | undefined {
  for (const c of causes(error)) {
    const code = codeOf(c);
    if (code !== undefined && /^E[A-Z_]+$/.test(code)) return code;
  }
  return undefined;
}

/** True when the cause chain proves the request was never sent (e.g. connection refused). */
export function neverReachedServer(error: unknown): boolean {
  if (certificateCode(error) !== undefined) return true;
  const code = connectionCode(error);
  return code !== undefined && NOT_SENT.has(code);
}

/** A short description of a connection failure: the socket code and its message when known. */
export function connectionFailure(error: unknown): string {
  const chain = causes(error);
  const deepest = chain[chain.length - 1];
  const message = deepest instanceof Error ? deepest.message : String(deepest);
  const certificate = certificateCode(error);
  if (certificate !== undefined) {
    return (
      `the server's TLS certificate is not trusted (${certificate}: ${message}); if it comes from ` +
      "a private certificate authority, point NODE_EXTRA_CA_CERTS at that CA's PEM file"
    );
  }
  const code = connectionCode(error);
  if (code !== undefined && !message.includes(code)) return `${code} ${message}`;
  return message;
}
