/**
 * The two hash tables behind {@link FirstSeenIndex}, one shard each: 128-bit keys (packed UUIDs)
 * and byte strings. Open addressing with linear probing, load ≤ 3/4, growth by half; a slot's
 * line is 0 when it is empty. Internal to the input layer.
 */

/** Bits of a key's hash that pick its shard (the top ones); the rest pick its slot. */
export const SHARD_BITS = 6;
const SLOT_MASK = 0xffffffff >>> SHARD_BITS;

/** Line mark of an id loaded as already done and not seen in the file yet. Real lines are below it. */
export const DONE_MARK = 0xffffffff;

/** {@link FirstSeenIndex.firstOrAdd}: the id is new. */
export const NEW = 0;
/** {@link FirstSeenIndex.firstOrAdd}: the id was loaded as done and this is its first row. */
export const DONE = -1;

/** What a found slot's stored line means to the caller. */
function seen(stored: number): number {
  return stored === DONE_MARK ? DONE : stored;
}

// The murmur3 finaliser: spreads every input bit over the whole word.
function mix(h: number): number {
  let x = h;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** True when a shard of `capacity` slots must grow before taking one more entry (load ≤ 3/4). */
function full(size: number, capacity: number): boolean {
  return (size + 1) * 4 > capacity * 3;
}

// Growing by half (not doubling) keeps the tables smaller at a million ids.
function grown(capacity: number): number {
  return Math.floor(capacity * 1.5);
}

/** Hash of a packed UUID: each word multiplied by its own odd constant (a bijection), then one mix. */
export function uuidHash(k0: number, k1: number, k2: number, k3: number): number {
  return mix(k0 ^ Math.imul(k1, 0x9e3779b1) ^ Math.imul(k2, 0x85ebca77) ^ Math.imul(k3, 0xc2b2ae3d));
}

/**
 * Open addressing (linear probing) of 128-bit keys with a line each, 5 words a slot (line, key)
 * so that a probe touches one cache line; line 0 marks an empty slot.
 */
export class UuidShard {
  #slots: Uint32Array;
  #capacity: number;
  #size = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#slots = new Uint32Array(capacity * 5);
  }

  /**
   * The line stored for the key ({@link DONE} for a done mark), after which the slot holds `line`
   * unless it held an earlier one; {@link NEW} after storing `line` for a new key.
   */
  firstOrAdd(key: Uint32Array, hash: number, line: number): number {
    if (full(this.#size, this.#capacity)) this.#grow();
    const slots = this.#slots;
    const capacity = this.#capacity;
    const k0 = key[0] ?? 0;
    const k1 = key[1] ?? 0;
    const k2 = key[2] ?? 0;
    const k3 = key[3] ?? 0;
    for (let slot = (hash & SLOT_MASK) % capacity; ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      const at = slot * 5;
      const stored = slots[at] ?? 0;
      if (stored === 0) {
        slots[at] = line;
        slots[at + 1] = k0;
        slots[at + 2] = k1;
        slots[at + 3] = k2;
        slots[at + 4] = k3;
        this.#size++;
        return NEW;
      }
      if (slots[at + 1] === k0 && slots[at + 2] === k1 && slots[at + 3] === k2 && slots[at + 4] === k3) {
        if (stored === DONE_MARK) slots[at] = line;
        return seen(stored);
      }
    }
  }

  #grow(): void {
    const old = this.#slots;
    const capacity = grown(this.#capacity);
    const slots = new Uint32Array(capacity * 5);
    for (let from = 0; from < old.length; from += 5) {
      if (old[from] === 0) continue;
      const hash = uuidHash(old[from + 1] ?? 0, old[from + 2] ?? 0, old[from + 3] ?? 0, old[from + 4] ?? 0);
      let slot = (hash & SLOT_MASK) % capacity;
      while (slots[slot * 5] !== 0) slot = slot + 1 === capacity ? 0 : slot + 1;
      for (let w = 0; w < 5; w++) slots[slot * 5 + w] = old[from + w] ?? 0;
    }
    this.#slots = slots;
    this.#capacity = capacity;
  }
}

/** FNV-1a over bytes, finished with {@link mix}. */
export function bytesHash(data: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let p = start; p < end; p++) h = Math.imul(h ^ (data[p] ?? 0), 0x01000193);
  return mix(h);
}

/**
 * Open addressing of byte strings. Keys live in an arena, each as a varint length then its bytes;
 * a slot holds 3 words: its line, the key's hash (most mismatches stop there) and its arena offset.
 */
export class BytesShard {
  #slots: Uint32Array;
  #capacity: number;
  #size = 0;
  #arena = new Uint8Array(1024);
  #used = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#slots = new Uint32Array(capacity * 3);
  }

  /** Like {@link UuidShard.firstOrAdd}, for the key `data[start, end)`. */
  firstOrAdd(data: Uint8Array, start: number, end: number, hash: number, line: number): number {
    if (full(this.#size, this.#capacity)) this.#grow();
    const slots = this.#slots;
    const capacity = this.#capacity;
    for (let slot = (hash & SLOT_MASK) % capacity; ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      const at = slot * 3;
      const stored = slots[at] ?? 0;
      if (stored === 0) {
        slots[at] = line;
        slots[at + 1] = hash;
        slots[at + 2] = this.#append(data, start, end);
        this.#size++;
        return NEW;
      }
      if (slots[at + 1] === hash && this.#equals(slots[at + 2] ?? 0, data, start, end)) {
        if (stored === DONE_MARK) slots[at] = line;
        return seen(stored);
      }
    }
  }

  #equals(offset: number, data: Uint8Array, start: number, end: number): boolean {
    const arena = this.#arena;
    let at = offset;
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = arena[at++] ?? 0;
      length += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    if (length !== end - start) return false;
    for (let p = start; p < end; p++) if (arena[at++] !== data[p]) return false;
    return true;
  }

  #append(data: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const needed = this.#used + length + 5;
    if (needed > this.#arena.length) {
      const arena = new Uint8Array(Math.max(needed, grown(this.#arena.length)));
      arena.set(this.#arena.subarray(0, this.#used));
      this.#arena = arena;
    }
    const arena = this.#arena;
    const offset = this.#used;
    let at = offset;
    let rest = length;
    while (rest >= 0x80) {
      arena[at++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    arena[at++] = rest;
    arena.set(data.subarray(start, end), at);
    this.#used = at + length;
    return offset;
  }

  #grow(): void {
    const old = this.#slots;
    const capacity = grown(this.#capacity);
    const slots = new Uint32Array(capacity * 3);
    for (let from = 0; from < old.length; from += 3) {
      if (old[from] === 0) continue;
      let slot = ((old[from + 1] ?? 0) & SLOT_MASK) % capacity;
      while (slots[slot * 3] !== 0) slot = slot + 1 === capacity ? 0 : slot + 1;
      slots[slot * 3] = old[from] ?? 0;
      slots[slot * 3 + 1] = old[from + 1] ?? 0;
      slots[slot * 3 + 2] = old[from + 2] ?? 0;
    }
    this.#slots = slots;
    this.#capacity = capacity;
  }
}
