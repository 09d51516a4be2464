/**
 * The `file://DIR` mount: static files with default documents, directory
 * redirects, strong ETags, conditional requests, ranges, precompressed
 * siblings, cache policy, an error document and an SPA fallback, refusing
 * anything outside DIR. The body is read only as fast as the peer's credit
 * allows (file-body.ts).
 * @module
 */
import type { Stats } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isStreamClosed, type HeaderList, type Transaction } from '../lib/index.js';
import { httpDate } from '../lib/http/http-date.js';
import { cacheControlFor } from './cache-control.js';
import { evaluatePreconditions, ifRangeAllows, makeEtag, type Validators } from './conditional.js';
import { contentTypeFor, normaliseExtraTypes } from './content-type.js';
import { rankEncodings, SIBLING_SUFFIX, type Coding } from './encoding.js';
import { writeBody, type BodySource } from './file-body.js';
import type { FileCache } from './file-cache.js';
import type { MountLimits } from './limits.js';
import { planMultipart } from './multipart.js';
import { parseRange, type ByteRange } from './range.js';
import { respondText } from './respond-text.js';
import { safePath } from './safe-path.js';
import type { MountSpec } from './types.js';

/** A regular file found inside the root. */
interface Found {
  kind: 'file';
  /** The name as requested (its extension decides the Content-Type). */
  name: string;
  /** The resolved path, inside the root. */
  real: string;
  stat: Stats;
}

type Lookup = Found | { kind: 'dir' } | { kind: 'missing' } | { kind: 'escape' } | { kind: 'forbidden' };

/** A file system error that means "no such file here" rather than a server fault. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EINVAL']);
const FORBIDDEN = new Set(['EACCES', 'EPERM']);

/** The segments of a configured relative file name ('404.html', 'app/index.html'). */
function fileSegments(name: string): string[] {
  return name.split('/').filter((s) => s !== '' && s !== '.');
}

export class FileMount {
  readonly #root: string;
  readonly #cache: FileCache;
  readonly #limits: MountLimits;
  readonly #default: string;
  readonly #dotfiles: 'deny' | 'allow';
  readonly #precompressed: boolean;
  readonly #cacheControl: string;
  readonly #extraTypes: Map<string, string>;
  readonly #spa: string[] | null;
  readonly #errorDocument: string[] | null;

  /** `root` is an absolute directory; the cache may be shared by the mounts of one handler. */
  constructor(root: string, spec: MountSpec, cache: FileCache, limits: MountLimits) {
    this.#root = root;
    this.#cache = cache;
    this.#limits = limits;
    this.#default = fileSegments(spec.default ?? '').join('/') || 'index.html';
    this.#dotfiles = spec.dotfiles ?? 'deny';
    this.#precompressed = spec.precompressed ?? true;
    this.#cacheControl = cacheControlFor(spec);
    this.#extraTypes = normaliseExtraTypes(spec['extra-mimetypes']);
    this.#spa = spec.spa ? fileSegments(spec.spa) : null;
    this.#errorDocument = spec['error-document'] ? fileSegments(spec['error-document']) : null;
  }

  /** Answer `tx`; `rest` is the still-encoded pathname below the mountpoint ('' for the mountpoint itself). */
  async handle(tx: Transaction, rest: string): Promise<void> {
    const { method } = tx.request;
    if (method !== 'GET' && method !== 'HEAD') return respondText(tx, 405, 'Method Not Allowed', { allow: 'GET, HEAD' });
    const sp = safePath(rest, { dotfiles: this.#dotfiles });
    if (!sp.ok) return sp.status === 400 ? respondText(tx, 400, 'Bad Request') : this.#notFound(tx, false);
    const found = await this.#lookup(sp.segments);
    if (found.kind === 'dir') {
      if (!sp.trailingSlash) return this.#redirectToSlash(tx);
      const index = await this.#lookup([...sp.segments, this.#default]);
      if (index.kind === 'file') return this.#serve(tx, index, 200);
      return this.#notFound(tx, index.kind !== 'escape');
    }
    if (found.kind === 'file' && !sp.trailingSlash) return this.#serve(tx, found, 200);
    if (found.kind === 'forbidden') return respondText(tx, 403, 'Forbidden');
    return this.#notFound(tx, found.kind !== 'escape');
  }

  /**
   * The root's real path, resolved per request rather than once: a root that is a
   * symlink re-pointed by a deploy (`current -> releases/N`) is followed at once.
   */
  #realRoot(): Promise<string> {
    return realpath(this.#root);
  }

  /** Resolve segments below the root, following symlinks only while they stay inside it. */
  async #lookup(segments: string[]): Promise<Lookup> {
    let root: string;
    try {
      root = await this.#realRoot();
    } catch {
      return { kind: 'missing' };
    }
    const requested = path.join(root, ...segments);
    try {
      const real = await realpath(requested);
      if (real !== root && !real.startsWith(root + path.sep)) return { kind: 'escape' };
      const st = await stat(real);
      if (st.isDirectory()) return { kind: 'dir' };
      // Only regular files: never a FIFO, socket or device that happens to be in the tree.
      if (!st.isFile()) return { kind: 'missing' };
      return { kind: 'file', name: requested, real, stat: st };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (MISSING.has(code)) return { kind: 'missing' };
      if (FORBIDDEN.has(code)) return { kind: 'forbidden' };
      throw err;
    }
  }

  /** The precompressed sibling for the best acceptable coding, if one exists inside the root. */
  async #representation(tx: Transaction, file: Found): Promise<{ real: string; stat: Stats; coding: Coding | null }> {
    if (this.#precompressed) {
      const root = await this.#realRoot();
      for (const coding of rankEncodings(tx.request.header('accept-encoding'))) {
        const candidate = file.real + SIBLING_SUFFIX[coding];
        try {
          const real = await realpath(candidate);
          if (!real.startsWith(root + path.sep)) continue;
          const st = await stat(real);
          if (st.isFile()) return { real, stat: st, coding };
        } catch {
          // no such sibling: try the next coding
        }
      }
    }
    return { real: file.real, stat: file.stat, coding: null };
  }

  async #serve(tx: Transaction, file: Found, status: 200 | 404): Promise<void> {
    const req = tx.request;
    const repr = await this.#representation(tx, file);
    const size = repr.stat.size;
    const v: Validators = { etag: makeEtag(repr.stat, repr.coding ?? undefined), lastModified: repr.stat.mtimeMs };
    const common: HeaderList = [];
    if (status === 200) common.push(['etag', v.etag], ['last-modified', httpDate(v.lastModified)]);
    common.push(['cache-control', status === 200 ? this.#cacheControl : 'no-cache']);
    if (this.#precompressed) common.push(['vary', 'accept-encoding']);

    if (status === 200) {
      const verdict = evaluatePreconditions(req.method, req.headers, v);
      if (verdict === 'not-modified') {
        tx.status(304).headers(common).finalizeHeaders();
        return;
      }
      if (verdict === 'failed') return respondText(tx, 412, 'Precondition Failed');
    }

    const type = contentTypeFor(file.name, this.#extraTypes);
    let code: number = status;
    let ranges: ByteRange[] = [{ start: 0, end: size - 1 }];
    let multipart: ReturnType<typeof planMultipart> | null = null;
    const fields: HeaderList = [];
    // RFC 9110 §14.2: range handling is defined for GET only.
    if (status === 200 && req.method === 'GET' && ifRangeAllows(req.header('if-range'), v)) {
      const r = parseRange(req.header('range'), size, this.#limits.maxRanges);
      if (r.kind === 'unsatisfiable') return respondText(tx, 416, 'Range Not Satisfiable', [['content-range', `bytes */${size}`], ...common]);
      if (r.kind === 'ranges') {
        code = 206;
        ranges = r.ranges;
        if (ranges.length === 1) fields.push(['content-range', `bytes ${ranges[0]!.start}-${ranges[0]!.end}/${size}`]);
        else multipart = planMultipart(ranges, size, type);
      }
    }
    const length = multipart ? multipart.length : ranges.reduce((n, r) => n + r.end - r.start + 1, 0);

    // Open (or fetch from the cache) before the headers go out, so a file that vanished is still a clean 404.
    let cached: Buffer | null = null;
    let handle: FileHandle | null = null;
    if (req.method !== 'HEAD' && length > 0) {
      cached = await this.#cache.read(repr.real, repr.stat).catch(() => null);
      if (!cached) {
        try {
          handle = await open(repr.real, 'r');
        } catch (err) {
          if (MISSING.has((err as NodeJS.ErrnoException).code ?? '')) return respondText(tx, 404, 'Not Found');
          throw err;
        }
      }
    }
    try {
      tx.status(code)
        .headers([['content-type', multipart ? multipart.contentType : type], ['content-length', String(length)], ...fields])
        .headers(status === 200 ? [['accept-ranges', 'bytes']] : [])
        .headers(repr.coding ? [['content-encoding', repr.coding]] : [])
        .headers(common)
        .finalizeHeaders();
      if (tx.ended) return; // HEAD: the headers are the whole answer
      const source: BodySource = cached ? { kind: 'buffer', data: cached } : handle ? { kind: 'file', handle } : { kind: 'buffer', data: Buffer.alloc(0) };
      await writeBody(tx, source, ranges, multipart, this.#limits);
    } catch (err) {
      if (isStreamClosed(err) || tx.aborted) return; // the peer went away: nothing left to do
      if (tx.headersSent) tx.abort();
      throw err;
    } finally {
      await handle?.close();
    }
  }

  /** A directory without its trailing slash: redirect so relative links in its index resolve. */
  #redirectToSlash(tx: Transaction): Promise<void> {
    // One leading slash only: `//host` in Location would be another origin.
    const target = tx.request.pathname.replace(/^\/+/, '/') + '/' + (tx.request.search ? `?${tx.request.search}` : '');
    return respondText(tx, 301, 'Moved Permanently', { location: target });
  }

  /** 404, unless an SPA fallback answers (not for refused paths), or an error document is configured. */
  async #notFound(tx: Transaction, allowSpa: boolean): Promise<void> {
    if (allowSpa && this.#spa) {
      const spa = await this.#lookup(this.#spa);
      if (spa.kind === 'file') return this.#serve(tx, spa, 200);
    }
    if (this.#errorDocument) {
      const doc = await this.#lookup(this.#errorDocument);
      if (doc.kind === 'file') return this.#serve(tx, doc, 404);
    }
    return respondText(tx, 404, 'Not Found');
  }
}
