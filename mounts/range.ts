/**
 * The Range request header (RFC 9110 §14.1-§14.2) for the `bytes` unit:
 * single, open-ended (`bytes=N-`), suffix (`bytes=-N`) and multiple ranges.
 * Pure: a header and a size in, the ranges to send (or a verdict) out.
 * @module
 */

/** One byte range to send, both ends inclusive, as in `Content-Range`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * - `ignore`: send the whole representation with 200 (no Range, another unit,
 *   a syntax error, or a request the server declines, RFC 9110 §14.2);
 * - `unsatisfiable`: 416 with `Content-Range: bytes *\/size`;
 * - `ranges`: 206 with these ranges, in the order asked.
 */
export type RangeResult = { kind: 'ignore' } | { kind: 'unsatisfiable' } | { kind: 'ranges'; ranges: ByteRange[] };

const IGNORE: RangeResult = Object.freeze({ kind: 'ignore' });
/** Digits beyond this are not a position any file has; the spec is treated as malformed. */
const MAX_DIGITS = 15;
const RANGE_SPEC = /^(\d*)-(\d*)$/;

/**
 * Parse a Range field against a representation of `size` bytes.
 * `maxRanges` bounds how many range-specs are honoured; beyond it, and when the
 * ranges together ask for more bytes than the file has (overlaps), the header is
 * ignored, so a request can never make the server send more than the file.
 */
export function parseRange(header: string | undefined, size: number, maxRanges: number): RangeResult {
  if (header === undefined) return IGNORE;
  const eq = header.indexOf('=');
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return IGNORE;
  // An empty representation has no byte to point at: ranges are moot, send it whole.
  if (size === 0) return IGNORE;
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length === 0 || specs.length > maxRanges) return IGNORE;
  const ranges: ByteRange[] = [];
  let total = 0;
  for (const spec of specs) {
    const m = RANGE_SPEC.exec(spec);
    if (!m) return IGNORE;
    const [, first = '', last = ''] = m;
    if (first.length > MAX_DIGITS || last.length > MAX_DIGITS) return IGNORE;
    let range: ByteRange | null;
    if (first === '') {
      // suffix-range: the last N bytes; N = 0 is unsatisfiable (§14.1.1).
      if (last === '') return IGNORE;
      const n = Number(last);
      range = n === 0 ? null : { start: Math.max(0, size - n), end: size - 1 };
    } else {
      const start = Number(first);
      const end = last === '' ? Infinity : Number(last);
      if (end < start) return IGNORE; // invalid int-range: the whole field is invalid
      range = start >= size ? null : { start, end: Math.min(end, size - 1) };
    }
    if (range) {
      ranges.push(range);
      total += range.end - range.start + 1;
    }
  }
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  if (total > size) return IGNORE;
  return { kind: 'ranges', ranges };
}
