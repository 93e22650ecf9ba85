import type { RunEmitter } from '../core/events.js';
import type { Artist } from '../core/types.js';
import { formatShard, inShard, planInput, readPlannedArtists, type Shard, type ToDoPlan } from '../input/index.js';

/** Counts of the run's pass over the input (the input layer's `scanInput` only counts; this one also plans and reports). */
export interface RunInputScan {
  valid: number;
  skipped: number;
  errors: number;
  alreadyDone: number;
  /** The first artists to do, for the dry-run preview. */
  preview: Artist[];
  /** Where the artists to do are, for {@link artistsToDo}. */
  plan: ToDoPlan;
  /** The shard this run does (`--shard`), and how many valid artists it left to the others. */
  shard?: { shard: Shard; otherShards: number };
}

/**
 * Streams the whole input once before any request: counts artists (for `i/N` progress and
 * ETA), reports every bad row, fails fast on an unreadable file, and notes where the artists to
 * do are so that the work pass reads only those. Memory stays flat, apart from the duplicate-id
 * index, which is dropped when the scan ends.
 */
export async function scanRunInput(
  path: string,
  skipIds: ReadonlySet<string> | undefined,
  events: RunEmitter,
  previewSize = 5,
  shard?: Shard,
): Promise<RunInputScan> {
  const { counts, preview, plan } = await planInput(path, {
    ...(skipIds ? { skipIds } : {}),
    ...(shard ? { include: inShard(shard) } : {}),
    previewSize,
    onRowError: (error) => events.emit('input:row-error', { line: error.line, reason: error.reason }),
  });
  events.emit('input:scanned', {
    valid: counts.valid,
    skipped: counts.skipped,
    errors: counts.errors,
    duplicates: counts.duplicates,
    alreadyDone: counts.alreadyDone,
    ...(shard ? { shard: formatShard(shard), otherShards: counts.otherShards ?? 0 } : {}),
  });
  const { valid, skipped, errors, alreadyDone } = counts;
  return {
    valid,
    skipped,
    errors,
    alreadyDone,
    preview,
    plan,
    ...(shard ? { shard: { shard, otherShards: counts.otherShards ?? 0 } } : {}),
  };
}

/**
 * The artists still to do, streamed lazily from the first of them (row errors were reported by
 * the scan). If the file changed since the scan, warns and reads it all again with `skipIds`.
 */
export async function* artistsToDo(
  plan: ToDoPlan,
  skipIds: ReadonlySet<string> | undefined,
  events: RunEmitter,
  shard?: Shard,
): AsyncGenerator<Artist> {
  yield* readPlannedArtists(plan, {
    ...(skipIds ? { skipIds } : {}),
    ...(shard ? { include: inShard(shard) } : {}),
    onFallback: (reason) =>
      events.log('warn', `Input file ${reason}: reading it again in full; its artists may differ from the count above`),
  });
}
