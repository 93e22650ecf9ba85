/**
 * Judges one line of an output JSONL before it is written to a database: parseable, an artist id,
 * no error, a non-empty bio, and (catalog mode only) a UUID id. Tolerates the original tool's
 * lines, which lack `usage`, `model` and friends.
 */
import type { BioSource, DbStatus, OutputRecord, RequestRecord, TokenUsage } from '../core/types.js';
import type { StoreTarget } from './types.js';

/** What a line turned out to be. */
export type LineVerdict =
  | { kind: 'blank' }
  | { kind: 'record'; record: OutputRecord }
  | { kind: 'invalid'; reason: string; artistId: string | undefined }
  | { kind: 'empty-bio'; artistId: string };

const DB_STATUSES: readonly string[] = ['pending', 'updated', 'inserted', 'skipped', 'error'];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function toUsage(value: unknown): TokenUsage {
  const usage = isObject(value) ? value : {};
  return {
    input_tokens: num(usage.input_tokens),
    output_tokens: num(usage.output_tokens),
    total_tokens: num(usage.total_tokens),
  };
}

function toRequest(value: unknown, artistName: string, artistData: string | undefined): RequestRecord {
  const request = isObject(value) ? value : {};
  const variables = isObject(request.variables) ? request.variables : {};
  const out: RequestRecord = {
    variables: {
      artist_name: str(variables.artist_name) ?? artistName,
      artist_data: str(variables.artist_data) ?? artistData ?? '',
    },
  };
  const promptId = str(request.prompt_id);
  const version = str(request.version);
  const model = str(request.model);
  if (promptId !== undefined) out.prompt_id = promptId;
  if (version !== undefined) out.version = version;
  if (model !== undefined) out.model = model;
  return out;
}

/** The well-formed `{url, title}` entries of a line's `sources` (grounded bios); others are dropped. */
function toSources(value: unknown): BioSource[] {
  if (!Array.isArray(value)) return [];
  const out: BioSource[] = [];
  for (const item of value as unknown[]) {
    if (!isObject(item)) continue;
    const url = str(item.url);
    if (url === undefined || url === '') continue;
    out.push({ url, title: str(item.title) ?? '' });
  }
  return out;
}

/** The `db_status` of a parsed line, or null when absent or not one of ours (e.g. `"null"`). */
export function dbStatusOf(record: { db_status: unknown }): DbStatus | null {
  const status = record.db_status;
  return typeof status === 'string' && DB_STATUSES.includes(status) ? (status as DbStatus) : null;
}

/**
 * Parses and validates one line for `target`. In catalog mode `idCheck` says why an id does not
 * fit the catalog's id column (see docs/hostile-servers.md#catalog-id-types); without it any id
 * is taken.
 */
export function judgeLine(
  lineText: string,
  target: StoreTarget,
  idCheck?: (id: string) => string | undefined,
): LineVerdict {
  if (lineText.trim() === '') return { kind: 'blank' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(lineText);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { kind: 'invalid', reason: `not valid JSON (${detail})`, artistId: undefined };
  }
  if (!isObject(parsed)) return { kind: 'invalid', reason: 'not a JSON object', artistId: undefined };
  const rawId = parsed.artist_id;
  const artistId = typeof rawId === 'number' ? String(rawId) : str(rawId)?.trim();
  if (artistId === undefined || artistId === '') {
    return { kind: 'invalid', reason: 'missing artist_id', artistId: undefined };
  }
  const error = parsed.error;
  if (error !== null && error !== undefined && error !== '') {
    const text = typeof error === 'string' ? error : JSON.stringify(error);
    return { kind: 'invalid', reason: `record has an error (${text.slice(0, 200)})`, artistId };
  }
  const text = parsed.response_text;
  if (typeof text !== 'string') return { kind: 'invalid', reason: 'missing response_text', artistId };
  if (text.trim() === '') return { kind: 'empty-bio', artistId };
  // PostgreSQL text cannot hold NUL; such a bio is damaged anyway.
  if (text.includes('\u0000')) return { kind: 'invalid', reason: 'bio contains a NUL character', artistId };
  const idProblem = target === 'catalog' ? idCheck?.(artistId) : undefined;
  if (idProblem !== undefined) return { kind: 'invalid', reason: `${idProblem} (catalog mode)`, artistId };
  const artistName = str(parsed.artist_name) ?? '';
  const artistData = str(parsed.artist_data);
  const record: OutputRecord = {
    artist_id: artistId,
    artist_name: artistName,
    request: toRequest(parsed.request, artistName, artistData),
    response_text: text,
    response_id: str(parsed.response_id) ?? '',
    created: num(parsed.created),
    model: str(parsed.model) ?? '',
    usage: toUsage(parsed.usage),
    attempts: num(parsed.attempts),
    duration_ms: num(parsed.duration_ms),
    db_status: dbStatusOf(parsed as { db_status: unknown }),
    error: null,
  };
  if (artistData !== undefined) record.artist_data = artistData;
  const sources = toSources(parsed.sources);
  if (sources.length > 0) record.sources = sources;
  return { kind: 'record', record };
}
