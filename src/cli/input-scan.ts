import type { RunEmitter } from '../core/events.js';
import type { Artist } from '../core/types.js';
import { readArtists } from '../input/index.js';

/** Counts of a full pass over the input. */
export interface InputScanResult {
  valid: number;
  skipped: number;
  errors: number;
  alreadyDone: number;
  /** The first artists to do, for the dry-run preview. */
  preview: Artist[];
}

/**
 * Streams the whole input once before any request: counts artists (for `i/N` progress and
 * ETA), reports every bad row, and fails fast on an unreadable file. Memory stays flat.
 */
export async function scanInput(
  path: string,
  skipIds: ReadonlySet<string> | undefined,
  events: RunEmitter,
  previewSize = 5,
): Promise<InputScanResult> {
  const result: InputScanResult = { valid: 0, skipped: 0, errors: 0, alreadyDone: 0, preview: [] };
  for await (const item of readArtists(path, skipIds ? { skipIds } : {})) {
    switch (item.type) {
      case 'artist':
        result.valid++;
        if (result.preview.length < previewSize) result.preview.push(item.artist);
        break;
      case 'already-done':
        result.alreadyDone++;
        break;
      case 'skip':
        result.skipped++;
        break;
      case 'error':
        result.errors++;
        events.emit('input:row-error', { line: item.line, reason: item.reason });
        break;
    }
  }
  events.emit('input:scanned', {
    valid: result.valid,
    skipped: result.skipped,
    errors: result.errors,
    duplicates: 0,
    alreadyDone: result.alreadyDone,
  });
  return result;
}

/** The artists still to do, streamed lazily (row errors were reported by the scan). */
export async function* artistsToDo(path: string, skipIds: ReadonlySet<string> | undefined): AsyncGenerator<Artist> {
  for await (const item of readArtists(path, skipIds ? { skipIds } : {})) {
    if (item.type === 'artist') yield item.artist;
  }
}
