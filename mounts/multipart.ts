/**
 * The framing of a `multipart/byteranges` response (RFC 9110 §14.6): the part
 * headers before each range and the closing delimiter, computed up front so
 * the exact Content-Length is known before any byte of the file is read.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { ByteRange } from './range.js';

export interface MultipartPlan {
  /** `multipart/byteranges; boundary=...` */
  contentType: string;
  /** Bytes to write before each range's data (delimiter and part header fields). */
  heads: Buffer[];
  /** The close delimiter, written after the last range. */
  tail: Buffer;
  /** Total body length: heads, ranges and tail. */
  length: number;
}

/** A boundary no file content is likely to contain (RFC 2046 §5.1.1: at most 70 characters). */
export function makeBoundary(): string {
  return `sluice-${randomBytes(12).toString('hex')}`;
}

/** Plan a multipart/byteranges body for `ranges` of a `size`-byte representation of type `partType`. */
export function planMultipart(ranges: readonly ByteRange[], size: number, partType: string, boundary = makeBoundary()): MultipartPlan {
  const heads = ranges.map((r, i) =>
    Buffer.from(`${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`, 'latin1'),
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  let length = tail.length;
  for (let i = 0; i < ranges.length; i++) length += heads[i]!.length + ranges[i]!.end - ranges[i]!.start + 1;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, heads, tail, length };
}
