import { ProviderError, type BioGenError } from '../core/errors.js';
import type { Artist, ErrorRecord, OutputRecord, ProviderSuccess, RequestRecord } from '../core/types.js';

/**
 * Builds the output line of a success (key order: docs/architecture.md#output-files). Its
 * `db_status` is null: the sink that writes the line stamps it when a database follows.
 */
export function successRecord(
  artist: Artist,
  request: RequestRecord,
  result: ProviderSuccess,
  attempts: number,
  durationMs: number,
  costUsd?: number | null,
  fingerprint?: string,
): OutputRecord {
  const record: OutputRecord = {
    artist_id: artist.id,
    artist_name: artist.name,
    request,
    response_text: result.text,
    response_id: result.responseId,
    created: result.created,
    model: result.model,
    usage: result.usage,
    ...(costUsd === undefined ? {} : { cost_usd: costUsd }),
    attempts,
    duration_ms: Math.round(durationMs),
    db_status: null,
    error: null,
  };
  if (artist.data !== undefined) record.artist_data = artist.data;
  if (result.sources !== undefined && result.sources.length > 0) record.sources = result.sources;
  if (fingerprint !== undefined) record.prompt_fingerprint = fingerprint;
  return record;
}

/** Builds the errors-file line of an artist that failed for good. */
export function failureRecord(
  artist: Artist,
  error: ProviderError | BioGenError,
  attempts: number,
  now: number,
): ErrorRecord {
  const provider = error instanceof ProviderError ? error : undefined;
  const record: ErrorRecord = {
    artist_id: artist.id,
    artist_name: artist.name,
    error_class: error.name,
    error_kind: provider?.kind ?? error.code,
    status: provider?.status ?? null,
    code: provider?.apiCode ?? null,
    message: error.message,
    request_id: provider?.requestId ?? null,
    reason: provider?.apiCode ?? provider?.kind ?? error.code,
    attempts,
    time: new Date(now).toISOString(),
  };
  if (artist.data !== undefined) record.artist_data = artist.data;
  return record;
}
