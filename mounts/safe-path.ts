/**
 * Turning the request path below a file mount into safe path segments:
 * percent-decode each segment first, then normalise, so an encoded `..`
 * (`%2e%2e`) or separator (`%2f`, `%5c`) cannot slip past the checks.
 * Pure: no file system access (symlinks are checked by the file mount).
 * @module
 */

export type SafePath =
  | {
      ok: true;
      /** Decoded segments, without empty and `.` ones. */
      segments: string[];
      /** The path ended in `/` (a directory request). */
      trailingSlash: boolean;
    }
  | { ok: false; status: 400 | 404; reason: string };

export interface SafePathOptions {
  /** `deny` (default): any segment starting with `.` is 404, except a leading `.well-known` (RFC 8615). */
  dotfiles?: 'deny' | 'allow';
}

function refuse(status: 400 | 404, reason: string): SafePath {
  return { ok: false, status, reason };
}

/**
 * Decode and check `rawPath` (still percent-encoded, `/`-separated, the part of the
 * pathname below the mountpoint):
 * - malformed percent-encoding, NUL, an encoded `/` or `\`, a `\`, or a `..` segment → 400;
 * - a dotfile segment when dotfiles are denied → 404 (as if it did not exist).
 */
export function safePath(rawPath: string, options: SafePathOptions = {}): SafePath {
  const segments: string[] = [];
  const raw = rawPath.split('/');
  for (const part of raw) {
    // Without a '%' there is nothing to decode (decodeURIComponent would return the part as it is).
    let seg = part;
    if (part.includes('%')) {
      if (/%(?:2f|5c)/i.test(part)) return refuse(400, 'encoded path separator');
      try {
        seg = decodeURIComponent(part);
      } catch {
        return refuse(400, 'malformed percent-encoding');
      }
    }
    if (seg.includes('\0')) return refuse(400, 'NUL byte in path');
    if (seg.includes('\\')) return refuse(400, 'backslash in path');
    if (seg === '..') return refuse(400, 'parent directory segment');
    if (seg === '' || seg === '.') continue;
    segments.push(seg);
  }
  if (options.dotfiles !== 'allow') {
    const hidden = segments.findIndex((s, i) => s.startsWith('.') && !(i === 0 && s === '.well-known'));
    if (hidden !== -1) return refuse(404, 'dotfile');
  }
  return { ok: true, segments, trailingSlash: rawPath === '' ? false : rawPath.endsWith('/') };
}

/** A path safePath() accepted, with the path part of the file mount's lookup-cache key. */
export type PreparedPath = SafePath & { ok: true; key: string };

/**
 * Request paths whose safePath() result a SafePathMemo keeps (4096; when full it starts over),
 * each at most SAFE_PATH_MEMO_MAX_CHARS long: checking and splitting the same hot paths on every
 * request was a few percent of a small-file request; the bounds keep it under ~10 MB whatever is asked.
 */
export const SAFE_PATH_MEMO_MAX_ENTRIES = 4096;
export const SAFE_PATH_MEMO_MAX_CHARS = 1024;

/** safePath() remembered per raw path for one set of options (a pure function, so nothing goes stale). */
export class SafePathMemo {
  readonly #options: SafePathOptions;
  readonly #known = new Map<string, PreparedPath>();

  constructor(options: SafePathOptions = {}) {
    this.#options = options;
  }

  get size(): number {
    return this.#known.size;
  }

  /** safePath(rawPath) and, when accepted, its key (`\0`, a `/` for a trailing slash, the segments joined). */
  get(rawPath: string): PreparedPath | (SafePath & { ok: false }) {
    const known = this.#known.get(rawPath);
    if (known) return known;
    const sp = safePath(rawPath, this.#options);
    if (!sp.ok) return sp;
    const prepared: PreparedPath = { ...sp, key: `\0${sp.trailingSlash ? '/' : ''}${sp.segments.join('/')}` };
    if (rawPath.length <= SAFE_PATH_MEMO_MAX_CHARS) {
      if (this.#known.size >= SAFE_PATH_MEMO_MAX_ENTRIES) this.#known.clear();
      this.#known.set(rawPath, prepared);
    }
    return prepared;
  }
}
