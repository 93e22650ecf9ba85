/**
 * Small pieces every request builder shares: the artist variables, metadata, the fallback model
 * and the request fingerprint.
 */
import { createHash } from 'node:crypto';
import type { Artist } from '../core/types.js';

/** Text sent as `artist_data` when the CSV has none. */
export const NO_DATA_TEXT = 'No additional data provided';

/** Model used for templates that name none and runs without `--model` (README.md#model-choice-reasoning-effort-and-cost). */
export const FALLBACK_MODEL = 'gpt-6-luna';

/** The variables every prompt gets (docs/architecture.md#requests). */
export function artistVariables(artist: Artist): { artist_name: string; artist_data: string } {
  return { artist_name: artist.name, artist_data: artist.data ?? NO_DATA_TEXT };
}

/** Short stable hash of a request shape, e.g. `sha256:3f2a…` (16 hex digits). */
export function fingerprintOf(shape: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16)}`;
}

// OpenAI limits metadata values to 512 characters.
export const metadataFor = (artist: Artist): Record<string, string> => ({ artist_id: artist.id.slice(0, 512) });
