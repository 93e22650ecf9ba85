/**
 * id → first line, for duplicate detection. It is the only structure of the reader that grows
 * with the file, so it lives in typed arrays outside the JS heap and never holds an id string:
 * - canonical UUIDs (lowercase, hyphenated, the form databases export) are packed into 16 bytes;
 * - every other id is kept as its UTF-8 bytes in an arena.
 * At a million ids either table takes about 33 MB (a Map of short id strings took about 55 MB of
 * heap, and more in garbage-collector headroom).
 * Both tables are split into shards that grow one at a time, so a resize copies 1/64 of the
 * index instead of holding the old and the new table whole. Lookups are exact, and each row
 * costs a single probe sequence (get-or-insert), which also answers "already done?" on resume:
 * the done ids are loaded first, marked {@link DONE}.
 */

import { BytesShard, bytesHash, DONE_MARK, SHARD_BITS, UuidShard, uuidHash } from './id-shards.js';

export { DONE, NEW } from './id-shards.js';

const MIN_CAPACITY = 64;

/**
 * Initial capacity of shard `shard`: staggered between 64 and 96 so that the shards do not all
 * resize at the same count, which keeps the average load (and memory) steady as the file grows.
 */
function initialCapacity(shard: number): number {
  return Math.floor(MIN_CAPACITY * 1.5 ** (shard / (1 << SHARD_BITS)));
}

// ES2024, present in Node 20; the project's type library is ES2023.
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

// Value of each lowercase hex digit code, -1 for any other code below 256.
const HEX = new Int8Array(256).fill(-1);
for (let digit = 0; digit < 16; digit++) HEX[digit.toString(16).charCodeAt(0)] = digit;

// Where the 32 hex digits of a canonical UUID sit (hyphens at 8, 13, 18 and 23).
const DIGIT_AT = Uint8Array.from({ length: 36 }, (_, i) => i).filter(
  (i) => i !== 8 && i !== 13 && i !== 18 && i !== 23,
);

/**
 * Fills `out` with the 4 words of the canonical lowercase UUID in `data[start, end)`; false when
 * it is not one.
 */
function packUuid(data: Uint8Array, start: number, end: number, out: Uint32Array): boolean {
  if (end - start !== 36) return false;
  if (data[start + 8] !== 0x2d || data[start + 13] !== 0x2d || data[start + 18] !== 0x2d || data[start + 23] !== 0x2d) {
    return false;
  }
  let word = 0;
  for (let j = 0; j < 32; j++) {
    const value = HEX[data[start + (DIGIT_AT[j] ?? 0)] ?? 0] ?? -1;
    if (value < 0) return false;
    word = (word << 4) | value;
    if ((j & 7) === 7) out[j >> 3] = word;
  }
  return true;
}

/** {@link packUuid} for a string (no UTF-8 round trip for the common case). */
function packUuidText(id: string, out: Uint32Array): boolean {
  if (id.length !== 36) return false;
  if (
    id.charCodeAt(8) !== 0x2d ||
    id.charCodeAt(13) !== 0x2d ||
    id.charCodeAt(18) !== 0x2d ||
    id.charCodeAt(23) !== 0x2d
  ) {
    return false;
  }
  let word = 0;
  for (let j = 0; j < 32; j++) {
    const value = HEX[id.charCodeAt(DIGIT_AT[j] ?? 0)] ?? -1;
    if (value < 0) return false;
    word = (word << 4) | value;
    if ((j & 7) === 7) out[j >> 3] = word;
  }
  return true;
}

/**
 * Remembers the first line of every id seen, and which ids were already done. An id is given as
 * the UTF-8 bytes of its trimmed value, so two ids are the same exactly when their strings are.
 * Line numbers must be ≥ 1.
 */
export class FirstSeenIndex {
  readonly #uuids: (UuidShard | undefined)[] = [];
  readonly #others: (BytesShard | undefined)[] = [];
  readonly #key = new Uint32Array(4);
  #scratch = Buffer.allocUnsafe(256);

  /**
   * Loads ids that are already done (e.g. from the output on resume), so that
   * {@link FirstSeenIndex.firstOrAdd} answers {@link DONE} for the first row of each. Call it
   * first: the tables are sized for the set up front.
   */
  markDone(ids: ReadonlySet<string>): void {
    const key = this.#key;
    let reserved = false;
    for (const id of ids) {
      const uuid = packUuidText(id, key);
      if (!reserved) {
        // Sized by the first id's kind: done ids are nearly always all of one kind.
        this.#reserve(ids.size, uuid);
        reserved = true;
      }
      if (uuid) {
        this.#uuid(key, DONE_MARK);
        continue;
      }
      // A string with a lone surrogate has no UTF-8 form, and no row of a UTF-8 file can equal it.
      if (!isWellFormed(id)) continue;
      // A UTF-16 unit takes at most 3 bytes in UTF-8.
      if (this.#scratch.length < id.length * 3) this.#scratch = Buffer.allocUnsafe(id.length * 3);
      this.#other(this.#scratch, 0, this.#scratch.write(id, 0, 'utf8'), DONE_MARK);
    }
  }

  /** Creates the shards of one table big enough for `count` ids, so that loading them never resizes. */
  #reserve(count: number, uuids: boolean): void {
    // 5 % over the average share absorbs the uneven spread of ids over the shards.
    const share = Math.ceil(((count / (1 << SHARD_BITS)) * 1.05 * 4) / 3);
    for (let shard = 0; shard < 1 << SHARD_BITS; shard++) {
      const capacity = Math.max(initialCapacity(shard), share);
      if (uuids) this.#uuids[shard] ??= new UuidShard(capacity);
      else this.#others[shard] ??= new BytesShard(capacity);
    }
  }

  /**
   * Looks up the id `data[start, end)`: the line of its first row when it was seen before (the
   * row is a duplicate); {@link DONE} when it was marked done and this is its first row;
   * {@link NEW} when it is new. Either of the last two records it as seen on `line`.
   */
  firstOrAdd(data: Uint8Array, start: number, end: number, line: number): number {
    return packUuid(data, start, end, this.#key) ? this.#uuid(this.#key, line) : this.#other(data, start, end, line);
  }

  #uuid(key: Uint32Array, line: number): number {
    const hash = uuidHash(key[0] ?? 0, key[1] ?? 0, key[2] ?? 0, key[3] ?? 0);
    const shard = hash >>> (32 - SHARD_BITS);
    return (this.#uuids[shard] ??= new UuidShard(initialCapacity(shard))).firstOrAdd(key, hash, line);
  }

  #other(data: Uint8Array, start: number, end: number, line: number): number {
    const hash = bytesHash(data, start, end);
    const shard = hash >>> (32 - SHARD_BITS);
    return (this.#others[shard] ??= new BytesShard(initialCapacity(shard))).firstOrAdd(data, start, end, hash, line);
  }
}
