/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO of (name, value)
 * entries, newest first, bounded by a size in octets.
 * @module
 */

/** Per-entry overhead counted in the table size (§4.1); also used for header list size (RFC 9113 §6.5.2). */
export const ENTRY_OVERHEAD = 32;

/** Size of an entry (§4.1). Strings are latin1, so length = octets. */
export function entrySize(name: string, value: string): number {
  return name.length + value.length + ENTRY_OVERHEAD;
}

/** The encoder's per-name index: sequence numbers of live entries with that name. */
interface NameSlot {
  /** Sequence number of the newest entry with this name. */
  latest: number;
  /** value → sequence number of the newest entry with that name and value. */
  readonly values: Map<string, number>;
}

/**
 * Entries live in a ring buffer (two parallel arrays, power-of-two
 * capacity). Every insert gets a sequence number; an entry's index is
 * `inserted - seq` (1 = newest, §2.3.3), so the encoder's lookup maps can
 * store sequence numbers that stay valid as entries are added and evicted.
 */
export class DynamicTable {
  #names: (string | undefined)[] = new Array<string | undefined>(16);
  #values: (string | undefined)[] = new Array<string | undefined>(16);
  #mask = 15;
  /** Ring position of the oldest entry. */
  #head = 0;
  #length = 0;
  #size = 0;
  #maxSize: number;
  /** Sequence number the next entry will get. */
  #inserted = 0;
  readonly #lookup: Map<string, NameSlot> | null;

  /** @param indexed keep name/value lookup maps (the encoder needs them, the decoder does not) */
  constructor(maxSize: number, indexed = false) {
    this.#maxSize = maxSize;
    this.#lookup = indexed ? new Map() : null;
  }

  /** Number of entries. */
  get length(): number {
    return this.#length;
  }

  /** Sum of entry sizes (§4.1). */
  get size(): number {
    return this.#size;
  }

  /** Current maximum size (the last size update, §4.2). */
  get maxSize(): number {
    return this.#maxSize;
  }

  /** Name of entry `index` (1 = newest); the caller checks 1 <= index <= length. */
  name(index: number): string {
    return this.#names[(this.#head + this.#length - index) & this.#mask]!;
  }

  /** Value of entry `index` (1 = newest); the caller checks 1 <= index <= length. */
  value(index: number): string {
    return this.#values[(this.#head + this.#length - index) & this.#mask]!;
  }

  /**
   * Adds an entry at index 1, evicting from the end until it fits (§4.4).
   * An entry larger than the maximum size empties the table and is not
   * added; that is not an error.
   */
  add(name: string, value: string): void {
    const size = entrySize(name, value);
    if (size > this.#maxSize) {
      this.#evictTo(0);
      return;
    }
    this.#evictTo(this.#maxSize - size);
    if (this.#length > this.#mask) this.#grow();
    const at = (this.#head + this.#length) & this.#mask;
    this.#names[at] = name;
    this.#values[at] = value;
    this.#length++;
    this.#size += size;
    const seq = this.#inserted++;
    if (this.#lookup) {
      const slot = this.#lookup.get(name);
      if (slot) {
        slot.latest = seq;
        slot.values.set(value, seq);
      } else {
        this.#lookup.set(name, { latest: seq, values: new Map([[value, seq]]) });
      }
    }
  }

  /** Applies a new maximum size, evicting entries that no longer fit (§4.3). */
  setMaxSize(maxSize: number): void {
    this.#maxSize = maxSize;
    this.#evictTo(maxSize);
  }

  /**
   * Encoder lookup, O(1): the index of the newest entry equal to
   * (name, value) as a positive number; else minus the index of the newest
   * entry with that name; else 0. Only on an `indexed` table.
   */
  find(name: string, value: string): number {
    const slot = this.#lookup?.get(name);
    if (!slot) return 0;
    const seq = slot.values.get(value);
    // A slot only exists while its newest entry is live, so both indices are >= 1.
    return seq === undefined ? slot.latest - this.#inserted : this.#inserted - seq;
  }

  #evictTo(limit: number): void {
    while (this.#size > limit) {
      const at = this.#head;
      const name = this.#names[at]!;
      const value = this.#values[at]!;
      this.#names[at] = undefined;
      this.#values[at] = undefined;
      this.#head = (at + 1) & this.#mask;
      this.#size -= entrySize(name, value);
      const seq = this.#inserted - this.#length;
      this.#length--;
      if (this.#lookup) {
        const slot = this.#lookup.get(name)!;
        // The oldest entry being the newest of its name means it is the only one.
        if (slot.latest === seq) this.#lookup.delete(name);
        else if (slot.values.get(value) === seq) slot.values.delete(value);
      }
    }
  }

  #grow(): void {
    const cap = (this.#mask + 1) * 2;
    const names = new Array<string | undefined>(cap);
    const values = new Array<string | undefined>(cap);
    for (let i = 0; i < this.#length; i++) {
      names[i] = this.#names[(this.#head + i) & this.#mask];
      values[i] = this.#values[(this.#head + i) & this.#mask];
    }
    this.#names = names;
    this.#values = values;
    this.#head = 0;
    this.#mask = cap - 1;
  }
}
