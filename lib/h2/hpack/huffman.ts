/**
 * HPACK Huffman string coding (RFC 7541 §5.2, code table in Appendix B).
 *
 * Both directions are driven by the tables scripts/gen-huffman.mjs generates:
 * the encoder packs each octet's code into a 32-bit accumulator; the decoder
 * walks a 256-state machine one nibble at a time, so there is no per-bit
 * branching and no allocation besides the result string.
 * @module
 */
import { HpackError } from '../errors.js';
import { HUFFMAN_CODES, HUFFMAN_DECODE, HUFFMAN_FINAL, HUFFMAN_LENGTHS } from './huffman-table.js';

const EMITTED = 1 << 16;
const EOS_DECODED = 1 << 17;

/** Decoded-octet scratch, grown on demand and reused: the result is copied out as a string anyway. */
let scratch = Buffer.allocUnsafe(1024);

/**
 * Octets the Huffman encoding of `src` takes, padding included. Strings are
 * taken as latin1 (each char code's low 8 bits), like Buffer's 'latin1'.
 */
export function huffmanEncodedLength(src: Buffer | string): number {
  let bits = 0;
  if (typeof src === 'string') {
    for (let i = 0; i < src.length; i++) bits += HUFFMAN_LENGTHS[src.charCodeAt(i) & 0xff]!;
  } else {
    for (let i = 0; i < src.length; i++) bits += HUFFMAN_LENGTHS[src[i]!]!;
  }
  return (bits + 7) >>> 3;
}

/**
 * Huffman-encodes `src` into `out` at `offset`. The caller guarantees
 * `huffmanEncodedLength(src)` octets of room.
 * @returns the offset after the last octet written
 */
export function huffmanEncode(src: Buffer | string, out: Buffer, offset: number): number {
  const isString = typeof src === 'string';
  // `acc` holds `nbits` (< 8) pending bits in its low end; only the low 32
  // bits matter, so older bits may be shifted out once they were written.
  let acc = 0;
  let nbits = 0;
  let pos = offset;
  for (let i = 0; i < src.length; i++) {
    const sym = isString ? src.charCodeAt(i) & 0xff : src[i]!;
    let len = HUFFMAN_LENGTHS[sym]!;
    let code = HUFFMAN_CODES[sym]!;
    if (len > 24) {
      // 7 pending + up to 30 new bits would not fit in 32: push the high part first.
      const high = len - 16;
      acc = (acc << high) | (code >>> 16);
      nbits += high;
      while (nbits >= 8) {
        nbits -= 8;
        out[pos++] = acc >>> nbits;
      }
      len = 16;
      code &= 0xffff;
    }
    acc = (acc << len) | code;
    nbits += len;
    while (nbits >= 8) {
      nbits -= 8;
      out[pos++] = acc >>> nbits;
    }
  }
  // §5.2: pad with the most significant bits of EOS (all ones).
  if (nbits > 0) out[pos++] = (acc << (8 - nbits)) | (0xff >>> nbits);
  return pos;
}

/**
 * Decodes the Huffman-coded octets `src[start..end)` to a latin1 string.
 * Throws HpackError if the data contains EOS, or ends in padding that is
 * longer than 7 bits or not a prefix of EOS (§5.2).
 */
export function huffmanDecode(src: Buffer, start = 0, end = src.length): string {
  // The shortest code is 5 bits, so n octets hold at most 8n/5 symbols.
  const most = Math.floor(((end - start) * 8) / 5);
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, scratch.length * 2));
  const out = scratch;
  let n = 0;
  let state = 0;
  for (let i = start; i < end; i++) {
    const b = src[i]!;
    let e = HUFFMAN_DECODE[(state << 4) | (b >>> 4)]!;
    if (e >= EMITTED) {
      if (e & EOS_DECODED) throw new HpackError('Huffman string contains EOS');
      out[n++] = e >>> 8;
    }
    e = HUFFMAN_DECODE[((e & 0xff) << 4) | (b & 0x0f)]!;
    if (e >= EMITTED) {
      if (e & EOS_DECODED) throw new HpackError('Huffman string contains EOS');
      out[n++] = e >>> 8;
    }
    state = e & 0xff;
  }
  const final = HUFFMAN_FINAL[state]!;
  if (final === 1) throw new HpackError('Huffman padding longer than 7 bits');
  if (final === 2) throw new HpackError('Huffman padding is not a prefix of EOS');
  return out.toString('latin1', 0, n);
}
