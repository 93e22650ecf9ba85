/**
 * The exact text of output and error lines. Keys are written in a fixed order
 * (docs/architecture.md#output-files) so
 * that files diff cleanly and the resume scan can find `artist_id` first and `db_status`,
 * `error` last without parsing the whole line.
 */
import type { DbStatus, ErrorRecord, OutputRecord } from '../core/types.js';

/** Bytes reserved for a `db_status` string value: the longest one, `"inserted"`, with its quotes. */
export const DB_STATUS_WIDTH = 10;

/** `"status"` padded with spaces to {@link DB_STATUS_WIDTH} (spaces are JSON whitespace). */
export function encodeDbStatus(status: DbStatus): string {
  return JSON.stringify(status).padEnd(DB_STATUS_WIDTH, ' ');
}

/** Tail of every output line; the status slot sits just before it. */
export const LINE_TAIL = ',"error":null}\n';

/** A serialised output line. */
export interface SerializedLine {
  bytes: Buffer;
  /** Offset of the `db_status` value inside `bytes`, when it is a (patchable) string slot. */
  statusOffset: number | undefined;
}

/**
 * Serialises an output record as one JSONL line (with its `\n`), keys in the documented order
 * (docs/architecture.md#output-files).
 */
export function serializeOutputRecord(record: OutputRecord): SerializedLine {
  const { request, usage } = record;
  const head = {
    artist_id: record.artist_id,
    artist_name: record.artist_name,
    ...(record.artist_data === undefined ? {} : { artist_data: record.artist_data }),
    request: {
      ...(request.prompt_id === undefined ? {} : { prompt_id: request.prompt_id }),
      ...(request.version === undefined ? {} : { version: request.version }),
      ...(request.model === undefined ? {} : { model: request.model }),
      variables: { artist_name: request.variables.artist_name, artist_data: request.variables.artist_data },
    },
    response_text: record.response_text,
    response_id: record.response_id,
    created: record.created,
    model: record.model,
    usage: { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens, total_tokens: usage.total_tokens },
    ...(record.cost_usd === undefined ? {} : { cost_usd: record.cost_usd }),
    attempts: record.attempts,
    duration_ms: record.duration_ms,
    // Flex and batch lines say how they were made (docs/flex.md, docs/batch.md).
    ...(record.mode === undefined ? {} : { mode: record.mode }),
    ...(record.service_tier === undefined ? {} : { service_tier: record.service_tier }),
    ...(record.batch_id === undefined ? {} : { batch_id: record.batch_id }),
    // Grounded bios keep their cited pages; every line says which prompt wrote it (README.md#grounded-bios).
    ...(record.sources === undefined ? {} : { sources: record.sources.map((s) => ({ url: s.url, title: s.title })) }),
    ...(record.prompt_fingerprint === undefined ? {} : { prompt_fingerprint: record.prompt_fingerprint }),
  };
  const headJson = JSON.stringify(head);
  const status = record.db_status === null ? 'null' : encodeDbStatus(record.db_status);
  const text = `${headJson.slice(0, -1)},"db_status":${status}${LINE_TAIL}`;
  const bytes = Buffer.from(text, 'utf8');
  const statusOffset = record.db_status === null ? undefined : bytes.length - LINE_TAIL.length - DB_STATUS_WIDTH;
  return { bytes, statusOffset };
}

/** Serialises an error record as one JSONL line (with its `\n`), keys in the interface order. */
export function serializeErrorRecord(record: ErrorRecord): Buffer {
  const ordered = {
    artist_id: record.artist_id,
    artist_name: record.artist_name,
    ...(record.artist_data === undefined ? {} : { artist_data: record.artist_data }),
    error_class: record.error_class,
    error_kind: record.error_kind,
    status: record.status,
    code: record.code,
    message: record.message,
    request_id: record.request_id,
    ...(record.reason === undefined ? {} : { reason: record.reason }),
    attempts: record.attempts,
    time: record.time,
  };
  return Buffer.from(`${JSON.stringify(ordered)}\n`, 'utf8');
}
