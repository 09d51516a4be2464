/**
 * HPACK header block encoder (RFC 7541 §6).
 *
 * Per field, cheapest first: an indexed field (static, then dynamic exact
 * match), else a literal that references the name by index when it can,
 * added to the dynamic table when the entry is likely to repeat (see
 * POLICY). Strings are Huffman-coded only when strictly shorter.
 * Credentials are never-indexed literals (§6.2.3, §7.1.3).
 *
 * Strings are latin1: one octet per char, the char code's low 8 bits (as
 * Buffer's 'latin1'). Rejecting chars above 0xff is the caller's job.
 * @module
 */
import { DynamicTable, entrySize } from './dynamic-table.js';
import { huffmanEncode, huffmanEncodedLength } from './huffman.js';
import { encodeInteger } from './integer.js';
import { STATIC_BY_NAME, STATIC_TABLE_LENGTH } from './static-table.js';

export interface HpackEncoderOptions {
  /** Our cap on the dynamic table we keep for the peer (default 4096). */
  maxTableSize?: number;
}

/** RFC 9113 §6.5.2: initial SETTINGS_HEADER_TABLE_SIZE; the peer's decoder starts there. */
const INITIAL_TABLE_SIZE = 4096;

const INDEX = 0;
const NO_INDEX = 1;
const NEVER_INDEX = 2;

/**
 * How a name's values are represented when they are not already in a table.
 *
 * NEVER_INDEX (§6.2.3, §7.1.3): credentials. Indexing them would let an
 * attacker who can add headers on the same connection probe the table by
 * watching compressed sizes (CRIME-style guessing); short cookies are the
 * easiest to guess. Never-indexed also tells intermediaries to keep it so.
 * This costs compression on requests that repeat long cookies; we accept it.
 *
 * NO_INDEX: values that rarely repeat on a connection, so an entry would
 * only evict entries that do: `:path` (each resource is fetched once, and a
 * query makes it unique), per-resource validators and sizes (etag,
 * last-modified, content-length, content-range, if-*), per-response
 * counters (age, retry-after) and redirect targets (location). Only names
 * with a static index are listed: an unindexed literal of an unknown name
 * would resend the name every time, and the hpack-test-case corpus shows
 * that indexing even unique-valued custom headers (x-amz-cf-id, ...) is
 * cheaper overall. `date` and `expires` ARE indexed: responses sent in the
 * same second share them, and "expires" is often a fixed past date; on the
 * corpus not indexing `date` costs 14% and indexing `expires` saves 3%.
 * (`last-modified` is a wash there: it repeats across static assets but
 * evicts as much as it saves; not indexing `:path` saves 0.1%.)
 */
const POLICY: ReadonlyMap<string, number> = new Map([
  ['authorization', NEVER_INDEX],
  ['proxy-authorization', NEVER_INDEX],
  ['cookie', NEVER_INDEX],
  ['set-cookie', NEVER_INDEX],
  [':path', NO_INDEX],
  ['age', NO_INDEX],
  ['content-length', NO_INDEX],
  ['content-range', NO_INDEX],
  ['etag', NO_INDEX],
  ['if-match', NO_INDEX],
  ['if-modified-since', NO_INDEX],
  ['if-none-match', NO_INDEX],
  ['if-range', NO_INDEX],
  ['if-unmodified-since', NO_INDEX],
  ['last-modified', NO_INDEX],
  ['location', NO_INDEX],
  ['retry-after', NO_INDEX],
]);

/** Strings shorter than this are encoded each time (a lookup would cost about as much). */
const STRING_CACHE_MIN_LENGTH = 8;
/** Encoded strings kept (shared by all encoders); the cache is emptied when full, so it holds recent values only. */
const STRING_CACHE_ENTRIES = 1024;
/** Value -> its §5.2 encoding (length prefix and octets). */
const encodedStrings = new Map<string, Buffer>();

/** Upper bound on the octets an integer takes (2^31 - 1 with the smallest prefix). */
const INT_MAX_OCTETS = 6;

export class HpackEncoder {
  readonly #cap: number;
  readonly #table = new DynamicTable(INITIAL_TABLE_SIZE, true);
  /** Pending §4.2 signal: the smallest and the last effective size since the last block; -1 = none. */
  #pendingMin = -1;
  #pendingFinal = -1;
  /** Entries above this size are not indexed: they would flush most of the table for one field. */
  #indexLimit = (INITIAL_TABLE_SIZE * 3) >>> 2;
  #buf = Buffer.allocUnsafe(1024);
  #pos = 0;

  constructor(opts: HpackEncoderOptions = {}) {
    this.#cap = opts.maxTableSize ?? INITIAL_TABLE_SIZE;
    // The peer's decoder starts at 4096; a smaller cap must be signalled in the first block.
    if (this.#cap < INITIAL_TABLE_SIZE) this.setPeerMaxTableSize(INITIAL_TABLE_SIZE);
  }

  /** The dynamic table, read-only use (tests, diagnostics). */
  get table(): DynamicTable {
    return this.#table;
  }

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE. We use min(it, our cap) and signal
   * the change at the start of the next block; if the size went down and up
   * again in between, the minimum is signalled first (§4.2).
   */
  setPeerMaxTableSize(n: number): void {
    const size = Math.min(n, this.#cap);
    this.#pendingFinal = size;
    if (this.#pendingMin < 0 || size < this.#pendingMin) this.#pendingMin = size;
  }

  /** Encodes a header list (names already lowercase) into one header block. */
  encode(headers: Iterable<readonly [string, string]>): Buffer {
    const view = this.encodeTransient(headers);
    const out = Buffer.allocUnsafe(view.length);
    view.copy(out, 0);
    return out;
  }

  /**
   * encode() without the copy: the block is a view of the encoder's scratch
   * buffer, valid only until the next call (the session frames it at once).
   */
  encodeTransient(headers: Iterable<readonly [string, string]>): Buffer {
    this.#pos = 0;
    if (this.#pendingFinal >= 0) this.#sizeUpdates();
    for (const field of headers) this.#field(field[0], field[1]);
    return this.#buf.subarray(0, this.#pos);
  }

  #sizeUpdates(): void {
    const table = this.#table;
    const min = this.#pendingMin;
    const final = this.#pendingFinal;
    this.#pendingMin = this.#pendingFinal = -1;
    this.#reserve(2 * INT_MAX_OCTETS);
    if (min < table.maxSize && min < final) this.#sizeUpdate(min);
    if (final !== table.maxSize) this.#sizeUpdate(final);
  }

  /** §6.3 dynamic table size update. */
  #sizeUpdate(size: number): void {
    this.#pos = encodeInteger(this.#buf, this.#pos, size, 5, 0x20);
    this.#table.setMaxSize(size);
    this.#indexLimit = (size * 3) >>> 2;
  }

  #field(name: string, value: string): void {
    this.#reserve(3 * INT_MAX_OCTETS + name.length + value.length);
    const policy = POLICY.get(name) ?? INDEX;
    const table = this.#table;
    const inStatic = STATIC_BY_NAME.get(name);

    if (policy !== NEVER_INDEX) {
      // Full matches first: one octet for any index below 127.
      const full = inStatic?.values.get(value);
      if (full !== undefined) return this.#indexed(full);
      const found = table.find(name, value);
      if (found > 0) return this.#indexed(STATIC_TABLE_LENGTH + found);
      // A static name index is never larger than a dynamic one.
      const nameIndex = inStatic ? inStatic.index : found < 0 ? STATIC_TABLE_LENGTH - found : 0;
      if (policy === INDEX && entrySize(name, value) <= this.#indexLimit) {
        // §6.2.1 literal with incremental indexing
        this.#literal(0x40, 6, nameIndex, name, value);
        table.add(name, value);
      } else {
        // §6.2.2 literal without indexing
        this.#literal(0x00, 4, nameIndex, name, value);
      }
      return;
    }
    // §6.2.3 never indexed. Referencing the name is fine (all these names are static): only the value is secret.
    this.#literal(0x10, 4, inStatic ? inStatic.index : 0, name, value);
  }

  /** §6.1 indexed header field. */
  #indexed(index: number): void {
    this.#pos = encodeInteger(this.#buf, this.#pos, index, 7, 0x80);
  }

  #literal(flags: number, prefixBits: number, nameIndex: number, name: string, value: string): void {
    this.#pos = encodeInteger(this.#buf, this.#pos, nameIndex, prefixBits, flags);
    if (nameIndex === 0) this.#string(name);
    // Never-indexed values (credentials) stay out of the shared cache of encoded strings.
    if (flags === 0x10) this.#string(value);
    else this.#cachedString(value);
  }

  /**
   * #string through a cache shared by every encoder: validators, dates and
   * types repeat per resource, and their Huffman coding is a pure function
   * of the value (no table state), so it is computed once.
   */
  #cachedString(s: string): void {
    if (s.length < STRING_CACHE_MIN_LENGTH) return this.#string(s);
    const hit = encodedStrings.get(s);
    const buf = this.#buf;
    if (hit) {
      let pos = this.#pos;
      for (let i = 0; i < hit.length; i++) buf[pos++] = hit[i]!;
      this.#pos = pos;
      return;
    }
    const start = this.#pos;
    this.#string(s);
    if (encodedStrings.size >= STRING_CACHE_ENTRIES) encodedStrings.clear();
    encodedStrings.set(s, Buffer.from(buf.subarray(start, this.#pos)));
  }

  /** §5.2 string literal, Huffman-coded only when strictly shorter. */
  #string(s: string): void {
    const buf = this.#buf;
    const len = s.length;
    const huffLen = huffmanEncodedLength(s);
    if (huffLen < len) {
      this.#pos = huffmanEncode(s, buf, encodeInteger(buf, this.#pos, huffLen, 7, 0x80));
      return;
    }
    let pos = encodeInteger(buf, this.#pos, len, 7, 0);
    if (len < 32) {
      // Short strings: a loop beats the native call's overhead.
      for (let i = 0; i < len; i++) buf[pos++] = s.charCodeAt(i);
    } else {
      pos += buf.write(s, pos, len, 'latin1');
    }
    this.#pos = pos;
  }

  /** Makes room for `n` more octets, keeping what was written. */
  #reserve(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }
}
