/**
 * id → first line, for duplicate detection. It is the only structure of the reader that grows
 * with the file, so it is kept small: canonical UUIDs (lowercase, hyphenated, the form databases
 * export) are packed into 16 bytes in a typed-array hash table (about 20 bytes per id instead of
 * about 90 for a string in a Map); every other id goes into an ordinary Map. Lookups are exact.
 */

const MIN_CAPACITY = 1024;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return -1;
}

/** Fills `out` with the 4 words of a canonical lowercase UUID; false when `id` is not one. */
function packUuid(id: string, out: Uint32Array): boolean {
  if (id.length !== 36) return false;
  let word = 0;
  let digits = 0;
  for (let i = 0; i < 36; i++) {
    const code = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 0x2d) return false;
      continue;
    }
    const value = hexValue(code);
    if (value < 0) return false;
    word = ((word << 4) | value) >>> 0;
    digits++;
    if (digits % 8 === 0) {
      out[digits / 8 - 1] = word;
      word = 0;
    }
  }
  return true;
}

function mix(h: number): number {
  let x = h;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Open-addressing table (linear probing, load ≤ 3/4) of 128-bit keys with a line number each;
 * line 0 marks an empty slot.
 */
class UuidTable {
  #keys = new Uint32Array(MIN_CAPACITY * 4);
  #lines = new Uint32Array(MIN_CAPACITY);
  #size = 0;

  #slotOf(key: Uint32Array, keys: Uint32Array, lines: Uint32Array): number {
    const capacity = lines.length;
    let slot = mix((key[0] ?? 0) ^ mix((key[1] ?? 0) ^ mix((key[2] ?? 0) ^ mix(key[3] ?? 0)))) % capacity;
    for (;;) {
      if (lines[slot] === 0) return slot;
      const at = slot * 4;
      if (keys[at] === key[0] && keys[at + 1] === key[1] && keys[at + 2] === key[2] && keys[at + 3] === key[3]) {
        return slot;
      }
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
  }

  get(key: Uint32Array): number | undefined {
    const line = this.#lines[this.#slotOf(key, this.#keys, this.#lines)] ?? 0;
    return line === 0 ? undefined : line;
  }

  set(key: Uint32Array, line: number): void {
    if ((this.#size + 1) * 4 > this.#lines.length * 3) this.#grow();
    const slot = this.#slotOf(key, this.#keys, this.#lines);
    if (this.#lines[slot] === 0) this.#size++;
    this.#keys.set(key, slot * 4);
    this.#lines[slot] = line;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldLines = this.#lines;
    // Growing by half (not doubling) keeps the table and the transient copy smaller at 1M ids.
    const capacity = Math.floor(oldLines.length * 1.5);
    const keys = new Uint32Array(capacity * 4);
    const lines = new Uint32Array(capacity);
    for (let slot = 0; slot < oldLines.length; slot++) {
      const line = oldLines[slot] ?? 0;
      if (line === 0) continue;
      const key = oldKeys.subarray(slot * 4, slot * 4 + 4);
      const target = this.#slotOf(key, keys, lines);
      keys.set(key, target * 4);
      lines[target] = line;
    }
    this.#keys = keys;
    this.#lines = lines;
  }
}

/** Remembers the first line of every id seen. Line numbers must be ≥ 1. */
export class FirstSeenIndex {
  readonly #uuids = new UuidTable();
  readonly #others = new Map<string, number>();
  readonly #scratch = new Uint32Array(4);

  /** The line where `id` was first recorded, if it was. */
  get(id: string): number | undefined {
    return packUuid(id, this.#scratch) ? this.#uuids.get(this.#scratch) : this.#others.get(id);
  }

  /** Records `id` as first seen on `line` (≥ 1). */
  set(id: string, line: number): void {
    if (packUuid(id, this.#scratch)) this.#uuids.set(this.#scratch, line);
    else this.#others.set(id, line);
  }
}
