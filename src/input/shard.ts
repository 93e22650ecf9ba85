/**
 * `--shard I/N` (docs/ledger.md#shards): splits one input between N processes by a stable hash
 * of the artist id, so each artist belongs to exactly one shard whatever the row order, the
 * machine or the Node version.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../core/errors.js';

/** One shard of N, numbered from 1. */
export interface Shard {
  /** This process's shard, 1 ≤ index ≤ count. */
  index: number;
  /** How many shards the input is split into. */
  count: number;
}

/** Largest accepted shard count. */
export const MAX_SHARDS = 1000;

/**
 * Parses `I/N` (1-based: `1/3`, `2/3`, `3/3`).
 *
 * @throws UsageError (exit 2) naming what was expected and what was received
 */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/u.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    throw new UsageError(
      `--shard expects I/N with whole numbers 1 <= I <= N <= ${MAX_SHARDS} (shards are numbered from 1, e.g. 1/3, 2/3, 3/3); got ${JSON.stringify(text)}`,
    );
  }
  return { index, count };
}

/**
 * The shard (1…count) of an artist id: the first 8 bytes of SHA-256 of its UTF-8 text, as an
 * unsigned big-endian integer, modulo `count`, plus one. Ids are compared after the input's
 * trimming, as they appear in the output's `artist_id`.
 */
export function shardOf(artistId: string, count: number): number {
  const digest = createHash('sha256').update(artistId, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count)) + 1;
}

/** A filter that keeps the ids of `shard`. */
export function inShard(shard: Shard): (artistId: string) => boolean {
  if (shard.count === 1) return () => true;
  return (artistId) => shardOf(artistId, shard.count) === shard.index;
}

/** `2/3` for messages and reports. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
