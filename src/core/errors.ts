/**
 * The error family of artist-bio-gen. Every error carries a stable `code`; callers branch with
 * `instanceof`, never on message text. Flow-control cases have their own subclasses.
 */
import type { ResponseHeaders } from './types.js';

/** Process exit codes (docs/architecture.md#exit-codes). */
export const ExitCode = {
  ok: 0,
  input: 1,
  usage: 2,
  config: 3,
  someFailed: 4,
  quota: 5,
  sigint: 130,
  sigterm: 143,
} as const;
/** One of the {@link ExitCode} values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: a message, a stable machine code, and an optional cause. */
export class BioGenError extends Error {
  /** Stable machine-readable code, e.g. `E_USAGE`. */
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad flag value, output exists without --resume/--overwrite, unwritable output. Exit 2. */
export class UsageError extends BioGenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'E_USAGE', options);
  }
}

/**
 * A write found no room on the disk (JSONL, state file or database). The message starts with
 * `disk full:`, names the file and says that what was written before is kept. Exit 2, like any
 * unwritable output (docs/hostile-servers.md#full-disk).
 */
export class DiskFullError extends UsageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'code', { value: 'E_DISK_FULL' });
  }
}

/** Missing key or prompt, unreachable database, invalid key. Exit 3. */
export class ConfigError extends BioGenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'E_CONFIG', options);
  }
}

/** Input file unreadable or without any valid artist. Exit 1. */
export class InputError extends BioGenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'E_INPUT', options);
  }
}

/**
 * How a failed model request is classified. The retry policy maps each kind to an action.
 * - `rate_limit`: 429 rate_limit_exceeded (retry after the server's hint)
 * - `slow_down`: 429 slow_down (retry, slower)
 * - `quota`: insufficient_quota and billing codes (stop the run, exit 5)
 * - `server`: 5xx (backoff)
 * - `overloaded`: 503 server_is_overloaded (longer backoff)
 * - `network`: connection refused/reset (backoff)
 * - `timeout`: no answer within the request timeout (backoff)
 * - `malformed`: unparseable body (backoff)
 * - `incomplete`: status incomplete/failed or empty text (retry within budget)
 * - `bad_request`: 400/404/409/422 (fail the artist)
 * - `too_large`: the request can never fit the token window (fail the artist)
 * - `auth`: 401/403 (stop the run, exit 3)
 * - `resource_unavailable`: 429 of a flex request without capacity (unbilled; that request backs off alone)
 */
export type ProviderErrorKind =
  | 'rate_limit'
  | 'slow_down'
  | 'quota'
  | 'server'
  | 'overloaded'
  | 'network'
  | 'timeout'
  | 'malformed'
  | 'incomplete'
  | 'bad_request'
  | 'too_large'
  | 'auth'
  | 'resource_unavailable';

/** Details carried by every {@link ProviderError}. */
export interface ProviderErrorDetails {
  kind: ProviderErrorKind;
  /** HTTP status, when a response arrived. */
  status?: number | undefined;
  /** `error.code` of the body (e.g. `rate_limit_exceeded`). */
  apiCode?: string | undefined;
  /** `error.type` of the body (e.g. `requests`, `tokens`). */
  apiType?: string | undefined;
  /** `x-request-id` of the response. */
  requestId?: string | undefined;
  /** Response headers, when a response arrived. */
  headers?: ResponseHeaders | undefined;
  /** Server's wait hint from retry-after-ms / retry-after, in ms. */
  retryAfterMs?: number | undefined;
  /**
   * False when the request certainly never reached the server (connection refused, DNS
   * failure): nothing was billed, so a budget reservation can be released.
   * @default true
   */
  reachedServer?: boolean | undefined;
  cause?: unknown;
}

/** A model request that did not produce a usable bio. */
export class ProviderError extends BioGenError {
  readonly kind: ProviderErrorKind;
  readonly status: number | undefined;
  readonly apiCode: string | undefined;
  readonly apiType: string | undefined;
  readonly requestId: string | undefined;
  readonly headers: ResponseHeaders | undefined;
  readonly retryAfterMs: number | undefined;
  /** False when the request certainly never reached the server; see {@link ProviderErrorDetails}. */
  readonly reachedServer: boolean;
  constructor(message: string, details: ProviderErrorDetails) {
    super(message, `E_PROVIDER_${details.kind.toUpperCase()}`, { cause: details.cause });
    this.kind = details.kind;
    this.status = details.status;
    this.apiCode = details.apiCode;
    this.apiType = details.apiType;
    this.requestId = details.requestId;
    this.headers = details.headers;
    this.retryAfterMs = details.retryAfterMs;
    this.reachedServer = details.reachedServer ?? true;
  }
}

/**
 * Why a run stopped for quota: the daily request limit, the provider's billing quota, the job's
 * `--max-cost`, or the key's `--daily-cost-limit`.
 */
export type QuotaStopReason = 'daily_limit' | 'insufficient_quota' | 'max_cost' | 'daily_cost_limit';

/**
 * Raised by the quota gate when no more requests may be sent in this run: the daily limit is
 * reached with `--on-daily-limit exit`, or the provider said the account has no quota left.
 * Exit 5; the run is resumable.
 */
export class QuotaStopError extends BioGenError {
  readonly reason: QuotaStopReason;
  constructor(message: string, reason: QuotaStopReason, options?: { cause?: unknown }) {
    super(message, 'E_QUOTA_STOP', options);
    this.reason = reason;
  }
}

/** Raised by the quota gate when the provider rejected the credentials. Exit 3. */
export class AuthStopError extends BioGenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'E_AUTH', options);
  }
}

/**
 * Raised when the model API cannot be reached: connection failures before any answer, or an
 * outage longer than the give-up time. It stops the run the way rejected credentials do (no
 * more requests, exit 3), hence the subclass; the run is resumable.
 */
export class ProviderUnreachableError extends AuthStopError {
  /** The API base URL that could not be reached. */
  readonly url: string;
  constructor(message: string, url: string, options?: { cause?: unknown }) {
    super(message, options);
    this.url = url;
    Object.defineProperty(this, 'code', { value: 'E_UNREACHABLE' });
  }
}

/** Raised when a wait is cut short because the run is shutting down. */
export class ShutdownError extends BioGenError {
  constructor(message = 'Run is shutting down') {
    super(message, 'E_SHUTDOWN');
  }
}

/** Maps any error to the exit code the CLI should use. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof UsageError) return ExitCode.usage;
  if (error instanceof ConfigError || error instanceof AuthStopError) return ExitCode.config;
  if (error instanceof InputError) return ExitCode.input;
  if (error instanceof QuotaStopError) return ExitCode.quota;
  return ExitCode.input;
}
