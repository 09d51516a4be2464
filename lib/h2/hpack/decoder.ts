/**
 * HPACK header block decoder (RFC 7541 §3, §6).
 *
 * Decodes one complete header block at a time (the session joins HEADERS and
 * CONTINUATION first). Any malformed input throws HpackError, which the
 * session turns into a connection error of type COMPRESSION_ERROR: after a
 * failed block the dynamic table can no longer be trusted (§2.3, RFC 9113
 * §4.3). HTTP semantics (name case, pseudo-headers) are the session's job.
 * @module
 */
import { HpackError } from '../errors.js';
import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import { huffmanDecode } from './huffman.js';
import { decodeInteger, type Cursor } from './integer.js';
import { STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from './static-table.js';

export type HeaderField = [name: string, value: string];

export interface DecodeResult {
  /** The fields in block order, duplicates kept; cut short when `oversized`. */
  headers: HeaderField[];
  /** RFC 9113 §6.5.2 size of the whole list: name + value + 32 per field. */
  listSize: number;
  /** `listSize` exceeded maxHeaderListSize: `headers` stops before the field that crossed it. */
  oversized: boolean;
}

export interface HpackDecoderOptions {
  /** Our SETTINGS_HEADER_TABLE_SIZE (default 4096, the protocol's initial value). */
  maxTableSize?: number;
  /** Our SETTINGS_MAX_HEADER_LIST_SIZE (default Infinity). */
  maxHeaderListSize?: number;
}

/** RFC 9113 §6.5.2: initial SETTINGS_HEADER_TABLE_SIZE, which both tables start with. */
const INITIAL_TABLE_SIZE = 4096;

/** §4.2 allows the shrink-then-grow pair; anything more at the start of a block is noise or an attack. */
const MAX_SIZE_UPDATES = 2;

export class HpackDecoder {
  readonly #table = new DynamicTable(INITIAL_TABLE_SIZE);
  readonly #maxHeaderListSize: number;
  readonly #cursor: Cursor = { pos: 0 };
  /** Our acknowledged SETTINGS_HEADER_TABLE_SIZE: no size update may exceed it. */
  #limit = INITIAL_TABLE_SIZE;
  /** Smallest limit acknowledged since the last block; the next block must go at least this low. */
  #lowWater = INITIAL_TABLE_SIZE;
  #updateRequired = false;

  /**
   * `maxTableSize` is taken as a SETTINGS value the peer has already
   * acknowledged: the table starts at the protocol's 4096, and a smaller
   * value requires a size update at the start of the first block, exactly
   * as `setMaxTableSize` after construction would.
   */
  constructor(opts: HpackDecoderOptions = {}) {
    this.#maxHeaderListSize = opts.maxHeaderListSize ?? Infinity;
    if (opts.maxTableSize !== undefined) this.setMaxTableSize(opts.maxTableSize);
  }

  /** The dynamic table, read-only use (tests, diagnostics). */
  get table(): DynamicTable {
    return this.#table;
  }

  /**
   * Our SETTINGS_HEADER_TABLE_SIZE changed and the peer ACKed it. If it went
   * below the table's current maximum, the peer's next block MUST start with
   * a size update at or below the lowest such value (§4.2).
   */
  setMaxTableSize(n: number): void {
    this.#limit = n;
    if (n < this.#lowWater) this.#lowWater = n;
    if (this.#lowWater < this.#table.maxSize) this.#updateRequired = true;
  }

  /** Decodes one complete header block. Throws HpackError. */
  decode(block: Buffer): DecodeResult {
    const c = this.#cursor;
    const end = block.length;
    const table = this.#table;
    c.pos = 0;

    // §4.2: size updates are only allowed at the start of a block.
    let updates = 0;
    let lowest = Infinity;
    while (c.pos < end && (block[c.pos]! & 0xe0) === 0x20) {
      if (++updates > MAX_SIZE_UPDATES) throw new HpackError('more than two dynamic table size updates');
      const size = decodeInteger(block, c, 5);
      // §6.3: the new maximum MUST be at most the SETTINGS_HEADER_TABLE_SIZE limit.
      if (size > this.#limit) throw new HpackError(`dynamic table size update ${size} above the limit ${this.#limit}`);
      if (size < lowest) lowest = size;
      table.setMaxSize(size);
    }
    if (this.#updateRequired && !(lowest <= this.#lowWater)) {
      throw new HpackError(`missing dynamic table size update to at most ${this.#lowWater}`);
    }
    this.#updateRequired = false;
    this.#lowWater = this.#limit;

    const headers: HeaderField[] = [];
    const maxListSize = this.#maxHeaderListSize;
    let listSize = 0;
    let oversized = false;
    while (c.pos < end) {
      const b = block[c.pos]!;
      let name: string;
      let value: string;
      if (b & 0x80) {
        // §6.1 indexed header field
        const index = decodeInteger(block, c, 7);
        if (index === 0) throw new HpackError('index 0 is not a valid header field index');
        if (index <= STATIC_TABLE_LENGTH) {
          name = STATIC_NAMES[index]!;
          value = STATIC_VALUES[index]!;
        } else {
          this.#checkDynamic(index);
          name = table.name(index - STATIC_TABLE_LENGTH);
          value = table.value(index - STATIC_TABLE_LENGTH);
        }
      } else if (b & 0x40) {
        // §6.2.1 literal with incremental indexing
        const index = decodeInteger(block, c, 6);
        name = index === 0 ? this.#string(block) : this.#name(index);
        value = this.#string(block);
        table.add(name, value);
      } else if (b & 0x20) {
        throw new HpackError('dynamic table size update after the start of the block');
      } else {
        // §6.2.2 without indexing (0000) / §6.2.3 never indexed (0001)
        const index = decodeInteger(block, c, 4);
        name = index === 0 ? this.#string(block) : this.#name(index);
        value = this.#string(block);
      }
      // Keep decoding an oversized block to the end so the table stays in sync with the encoder.
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (oversized) continue;
      if (listSize > maxListSize) oversized = true;
      else headers.push([name, value]);
    }
    return { headers, listSize, oversized };
  }

  #checkDynamic(index: number): void {
    if (index - STATIC_TABLE_LENGTH > this.#table.length) {
      throw new HpackError(`index ${index} beyond the table (${STATIC_TABLE_LENGTH} static + ${this.#table.length} dynamic)`);
    }
  }

  /** Name of a nonzero index (a literal's name reference). */
  #name(index: number): string {
    if (index <= STATIC_TABLE_LENGTH) return STATIC_NAMES[index]!;
    this.#checkDynamic(index);
    return this.#table.name(index - STATIC_TABLE_LENGTH);
  }

  /** §5.2 string literal: H flag, 7-bit prefix length, then raw or Huffman octets. */
  #string(block: Buffer): string {
    const c = this.#cursor;
    if (c.pos >= block.length) throw new HpackError('truncated header block: string literal expected');
    const huffman = (block[c.pos]! & 0x80) !== 0;
    const len = decodeInteger(block, c, 7);
    const start = c.pos;
    if (len > block.length - start) throw new HpackError('string literal runs past the end of the header block');
    c.pos = start + len;
    return huffman ? huffmanDecode(block, start, start + len) : block.toString('latin1', start, start + len);
  }
}
