/** Turns output records into table rows, and checks what each target requires of them. */
import type { BioSource, OutputRecord } from '../core/types.js';
import type { ArtistBiosRow } from './schema.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;

/**
 * True for the hyphenated 8-4-4-4-12 hex form (any case). Catalog ids live in a UUID column, so
 * anything else would make PostgreSQL reject the whole statement.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** True when a record has text worth storing. */
export function hasBio(record: Pick<OutputRecord, 'response_text'>): boolean {
  return typeof record.response_text === 'string' && record.response_text.trim() !== '';
}

// Beyond this a JS Date cannot represent the instant.
const MAX_UNIX_SECONDS = 8.64e12;

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : null;
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The sources as JSON text, keeping only well-formed `{url, title}` entries; null when none. */
function sourcesJson(value: readonly BioSource[] | undefined): string | null {
  if (value === undefined) return null;
  const sources = value
    .filter((s) => typeof s.url === 'string' && s.url !== '')
    .map((s) => ({ url: s.url, title: typeof s.title === 'string' ? s.title : '' }));
  return sources.length === 0 ? null : JSON.stringify(sources);
}

/** Maps an output record to an `artist_bios` row stamped with `updatedAt` (ISO 8601). */
export function toBioRow(record: OutputRecord, updatedAt: string): ArtistBiosRow {
  const created = finiteOrNull(record.created);
  const usage = typeof record.usage === 'object' && record.usage !== null ? record.usage : undefined;
  const request = typeof record.request === 'object' && record.request !== null ? record.request : undefined;
  return {
    artist_id: record.artist_id,
    artist_name: typeof record.artist_name === 'string' ? record.artist_name : '',
    bio: record.response_text,
    response_id: textOrNull(record.response_id),
    prompt_id: textOrNull(request?.prompt_id),
    prompt_version: textOrNull(request?.version),
    model: textOrNull(record.model) ?? textOrNull(request?.model),
    input_tokens: finiteOrNull(usage?.input_tokens),
    output_tokens: finiteOrNull(usage?.output_tokens),
    total_tokens: finiteOrNull(usage?.total_tokens),
    sources: sourcesJson(record.sources),
    // `created` is Unix seconds; 0 means unknown.
    generated_at:
      created !== null && created > 0 && created < MAX_UNIX_SECONDS ? new Date(created * 1000).toISOString() : null,
    updated_at: updatedAt,
  };
}
