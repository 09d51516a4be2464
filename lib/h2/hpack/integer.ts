/**
 * HPACK prefix integers (RFC 7541 §5.1).
 *
 * A value below 2^N - 1 fits in the N-bit prefix of the first octet; larger
 * values set the prefix to all ones and continue in 7-bit groups, least
 * significant first, with the high bit of each octet meaning "more follows".
 * @module
 */
import { HpackError } from '../errors.js';

/**
 * Largest integer we accept. Every HPACK integer is a length, an index or a
 * table size; none of those can usefully exceed 2^31 - 1, and staying below
 * it keeps the arithmetic exact and bounded (§5.1: "integer encodings that
 * exceed implementation limits — in value or octet length — MUST be treated
 * as decoding errors").
 */
export const MAX_INTEGER = 0x7fffffff;

/**
 * Most continuation octets we read: 2^31 - 1 needs at most ceil(31 / 7) = 5
 * of them whatever the prefix, so a sixth can only be padding or overflow.
 */
const MAX_CONTINUATION_OCTETS = 5;

/** A read position shared between the integer and string readers, so no result objects are allocated. */
export interface Cursor {
  pos: number;
}

/**
 * Writes `value` with an N-bit prefix (`prefixBits` 1..8) into `out` at `pos`;
 * `flags` are the representation bits above the prefix. The caller
 * guarantees room (at most 6 octets for values up to 2^31 - 1).
 * @returns the position after the integer
 */
export function encodeInteger(out: Buffer, pos: number, value: number, prefixBits: number, flags: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[pos++] = flags | value;
    return pos;
  }
  out[pos++] = flags | max;
  value -= max;
  while (value >= 0x80) {
    out[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[pos++] = value;
  return pos;
}

/** Octets `encodeInteger` writes for `value` with an N-bit prefix. */
export function integerLength(value: number, prefixBits: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) return 1;
  let n = 2;
  for (value -= max; value >= 0x80; value >>>= 7) n++;
  return n;
}

/**
 * Reads an integer with an N-bit prefix from `src` at `cursor.pos` and
 * advances the cursor. Throws HpackError on truncation, on values above
 * MAX_INTEGER and on more continuation octets than such a value needs.
 */
export function decodeInteger(src: Buffer, cursor: Cursor, prefixBits: number): number {
  let pos = cursor.pos;
  const end = src.length;
  if (pos >= end) throw new HpackError('truncated integer');
  const max = (1 << prefixBits) - 1;
  let value = src[pos++]! & max;
  if (value < max) {
    cursor.pos = pos;
    return value;
  }
  // Multiplication, not <<: the fifth group would shift past bit 31.
  let scale = 1;
  for (let i = 0; i < MAX_CONTINUATION_OCTETS; i++) {
    if (pos >= end) throw new HpackError('truncated integer');
    const b = src[pos++]!;
    value += (b & 0x7f) * scale;
    if (value > MAX_INTEGER) throw new HpackError('integer exceeds 2^31-1');
    if ((b & 0x80) === 0) {
      cursor.pos = pos;
      return value;
    }
    scale *= 0x80;
  }
  throw new HpackError('integer uses too many continuation octets');
}
