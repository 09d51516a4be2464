/**
 * Limits of the HTTP/1.1 request parser. Each one bounds the memory or CPU a
 * peer can make the server spend before a single request is handed on.
 * @module
 */

export interface H1Limits {
  /** Longest request-target (414). 8 KiB matches common servers and every sane URL; longer ones are usually attacks or bugs (RFC 9112 §3 recommends supporting at least 8000 octets). */
  maxRequestTargetBytes: number;
  /** Request line + header lines + the empty line, CRLFs included (431). Bounds the memory one pending head may pin. */
  maxHeaderBytes: number;
  /** Header field lines per request (431). Bounds the per-request work of building and scanning the header list. */
  maxHeaderCount: number;
  /** Bytes of chunk-ext after one chunk-size, BWS and ";" included (400). Extensions carry nothing we use; they are only a place to hide bytes. */
  maxChunkExtensionBytes: number;
  /** Trailer section after the last chunk, CRLFs included (431). Same reason as maxHeaderBytes, and trailers are rarely used. */
  maxTrailerBytes: number;
  /** Empty lines tolerated before a request line (400 beyond). RFC 9112 §2.2 lets a server ignore "at least one"; a few cover sloppy clients, more is a slowloris. */
  maxEmptyLinesBeforeRequest: number;
}

export const DEFAULT_H1_LIMITS: Readonly<H1Limits> = Object.freeze({
  maxRequestTargetBytes: 8192,
  maxHeaderBytes: 16384,
  maxHeaderCount: 100,
  maxChunkExtensionBytes: 1024,
  maxTrailerBytes: 8192,
  maxEmptyLinesBeforeRequest: 4,
});

/** Defaults overlaid with `partial`; throws RangeError on a limit that is not a safe integer ≥ 0. */
export function resolveLimits(partial?: Partial<H1Limits>): H1Limits {
  const limits: H1Limits = { ...DEFAULT_H1_LIMITS };
  if (partial === undefined) return limits;
  for (const key of Object.keys(DEFAULT_H1_LIMITS) as Array<keyof H1Limits>) {
    const value = partial[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`H1 limit ${key} must be a safe integer >= 0, got ${String(value)}`);
    limits[key] = value;
  }
  return limits;
}
