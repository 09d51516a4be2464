/**
 * The `file://DIR` mount: static files with default documents, directory
 * redirects, strong ETags, conditional requests, ranges, precompressed
 * siblings, cache policy, an error document and an SPA fallback, refusing
 * anything outside DIR. The body is read only as fast as the peer's credit
 * allows (file-body.ts).
 *
 * What a path resolved to is kept for `fileLookupTtlMs` (lookup-cache.ts): a
 * fresh hit whose body is in the file cache is answered synchronously, in the
 * handler's first tick; a file edited or a symlink re-pointed within the TTL is
 * seen when it ends (0 disables the cache: every request resolves again).
 * @module
 */
import type { Stats } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isStreamClosed, Token, WriteMode, type HeaderList, type Transaction } from '../lib/index.js';
import { httpDate } from '../lib/http/http-date.js';
import { cacheControlFor } from './cache-control.js';
import { evaluatePreconditions, ifRangeAllows, makeEtag, type ConditionalHeaders, type Validators } from './conditional.js';
import { contentTypeFor, normaliseExtraTypes } from './content-type.js';
import { rankEncodings, SIBLING_SUFFIX, type Coding } from './encoding.js';
import { writeBody, type BodyLimits, type BodySource } from './file-body.js';
import type { FileCache } from './file-cache.js';
import type { MountLimits } from './limits.js';
import { identityOf, LookupCache, sameIdentity, type Outcome, type Probe, type ServeEntry } from './lookup-cache.js';
import { planMultipart } from './multipart.js';
import { parseRange, type ByteRange } from './range.js';
import { respondText } from './respond-text.js';
import { SafePathMemo } from './safe-path.js';
import type { MountSpec } from './types.js';

/** A regular file found inside the root. */
interface Found {
  kind: 'file';
  /** The name as requested (its extension decides the Content-Type). */
  name: string;
  /** The resolved path, inside the root. */
  real: string;
  /** The root's real path when this was looked up. */
  root: string;
  stat: Stats;
}

type Lookup = Found | { kind: 'dir' } | { kind: 'missing' } | { kind: 'escape' } | { kind: 'forbidden' };

/** A file system error that means "no such file here" rather than a server fault. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EINVAL']);
const FORBIDDEN = new Set(['EACCES', 'EPERM']);
const REDIRECT: Outcome = Object.freeze({ kind: 'redirect' });
const FORBIDDEN_OUTCOME: Outcome = Object.freeze({ kind: 'forbidden' });

/** The segments of a configured relative file name ('404.html', 'app/index.html'). */
function fileSegments(name: string): string[] {
  return name.split('/').filter((s) => s !== '' && s !== '.');
}

/** What the request asks that matters here, from one pass over its raw fields. */
function scanRequest(raw: ReadonlyArray<readonly [string, string]>): { acceptEncoding: string | undefined; conditional: boolean } {
  let acceptEncoding: string | undefined;
  let conditional = false;
  for (const [name, value] of raw) {
    if (name === 'accept-encoding') acceptEncoding = acceptEncoding === undefined ? value : `${acceptEncoding}, ${value}`;
    else if (name === 'range' || name.startsWith('if-')) conditional = true;
  }
  return { acceptEncoding, conditional };
}

/** The headers of a request that has no conditional or range field: none to look at. */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const NO_VALIDATORS: Validators = Object.freeze({ etag: '', lastModified: 0 });

export class FileMount {
  readonly #root: string;
  readonly #cache: FileCache;
  readonly #lookups: LookupCache;
  readonly #limits: MountLimits & BodyLimits;
  readonly #default: string;
  readonly #dotfiles: 'deny' | 'allow';
  readonly #precompressed: boolean;
  readonly #cacheControl: string;
  readonly #extraTypes: Map<string, string>;
  readonly #spa: string[] | null;
  readonly #errorDocument: string[] | null;
  readonly #paths: SafePathMemo;

  /** `root` is an absolute directory; the cache may be shared by the mounts of one handler. */
  constructor(root: string, spec: MountSpec, cache: FileCache, limits: MountLimits & BodyLimits) {
    this.#root = root;
    this.#cache = cache;
    this.#limits = limits;
    this.#lookups = new LookupCache({ ttlMs: limits.fileLookupTtlMs, maxEntries: limits.fileLookupMaxEntries });
    this.#default = fileSegments(spec.default ?? '').join('/') || 'index.html';
    this.#dotfiles = spec.dotfiles ?? 'deny';
    this.#paths = new SafePathMemo({ dotfiles: this.#dotfiles });
    this.#precompressed = spec.precompressed ?? true;
    this.#cacheControl = cacheControlFor(spec);
    this.#extraTypes = normaliseExtraTypes(spec['extra-mimetypes']);
    this.#spa = spec.spa ? fileSegments(spec.spa) : null;
    this.#errorDocument = spec['error-document'] ? fileSegments(spec['error-document']) : null;
  }

  /** The lookup cache (for tests: its size and revalidation count). */
  get lookups(): LookupCache {
    return this.#lookups;
  }

  /** Answer `tx`; `rest` is the still-encoded pathname below the mountpoint ('' for the mountpoint itself). */
  async handle(tx: Transaction, rest: string): Promise<void> {
    const { method } = tx.request;
    if (method !== 'GET' && method !== 'HEAD') return respondText(tx, 405, 'Method Not Allowed', { allow: 'GET, HEAD' });
    // The checks come first: only a path they accept ever reaches the lookup cache.
    const sp = this.#paths.get(rest);
    if (!sp.ok) return sp.status === 400 ? respondText(tx, 400, 'Bad Request') : this.#notFound(tx, false, []);
    const scan = scanRequest(tx.request.rawHeaders);
    const codings = this.#precompressed ? rankEncodings(scan.acceptEncoding) : [];
    const resolve = (): Promise<Outcome> => this.#resolve(sp.segments, sp.trailingSlash, codings);
    if (!this.#lookups.enabled) return this.#answer(tx, await resolve(), scan.conditional, codings, null);
    const key = codings.length === 0 ? sp.key : `${codings.join(',')}${sp.key}`;
    // The file differs from its entry (changed within the TTL): forget it, look it up afresh, uncached.
    const retry = async (): Promise<void> => {
      this.#lookups.forget(key);
      return this.#answer(tx, await resolve(), scan.conditional, codings, null);
    };
    const hit = this.#lookups.fresh(key);
    // Fast path: no await before the response is written.
    if (hit) return this.#send(tx, hit, 200, scan.conditional, retry);
    return this.#answer(tx, await this.#lookups.resolve(key, resolve), scan.conditional, codings, retry);
  }

  /** Act on an outcome; `retry` is set when a served entry came from the lookup cache. */
  #answer(tx: Transaction, outcome: Outcome, conditional: boolean, codings: readonly Coding[], retry: (() => Promise<void>) | null): Promise<void> {
    switch (outcome.kind) {
      case 'serve':
        return this.#send(tx, outcome.entry, 200, conditional, retry);
      case 'redirect':
        return this.#redirectToSlash(tx);
      case 'forbidden':
        return respondText(tx, 403, 'Forbidden');
      case 'not-found':
        return this.#notFound(tx, outcome.allowSpa, codings);
    }
  }

  /** The full lookup of a request path: realpath checks, stats, siblings. */
  async #resolve(segments: string[], trailingSlash: boolean, codings: readonly Coding[]): Promise<Outcome> {
    const found = await this.#lookup(segments);
    if (found.kind === 'dir') {
      if (!trailingSlash) return REDIRECT;
      const indexSegments = [...segments, this.#default];
      const index = await this.#lookup(indexSegments);
      if (index.kind === 'file') return { kind: 'serve', entry: await this.#describe(index, indexSegments, codings) };
      return { kind: 'not-found', allowSpa: index.kind !== 'escape' };
    }
    if (found.kind === 'file' && !trailingSlash) return { kind: 'serve', entry: await this.#describe(found, segments, codings) };
    if (found.kind === 'forbidden') return FORBIDDEN_OUTCOME;
    return { kind: 'not-found', allowSpa: found.kind !== 'escape' };
  }

  /**
   * The root's real path, resolved per lookup rather than once: a root that is a
   * symlink re-pointed by a deploy (`current -> releases/N`) is followed at the
   * next lookup (at once with a TTL of 0, else when the cached entry's TTL ends).
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
      return { kind: 'file', name: requested, real, root, stat: st };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (MISSING.has(code)) return { kind: 'missing' };
      if (FORBIDDEN.has(code)) return { kind: 'forbidden' };
      throw err;
    }
  }

  /**
   * The representation to serve (the precompressed sibling for the best acceptable
   * coding, if one exists inside the root), with its header values and the probes
   * that revalidate it: the file through the configured root, then each sibling tried.
   */
  async #describe(file: Found, segments: string[], codings: readonly Coding[]): Promise<ServeEntry> {
    const probes: Probe[] = [{ path: path.join(this.#root, ...segments), id: identityOf(file.stat) }];
    let repr: { real: string; stat: Stats; coding: Coding | null } = { real: file.real, stat: file.stat, coding: null };
    for (const coding of codings) {
      const candidate = file.real + SIBLING_SUFFIX[coding];
      const st = await stat(candidate).catch(() => null);
      probes.push({ path: candidate, id: st && identityOf(st) });
      if (!st?.isFile()) continue;
      const real = await realpath(candidate).catch(() => null);
      if (real === null || !real.startsWith(file.root + path.sep)) continue;
      repr = { real, stat: st, coding };
      break;
    }
    const lastModifiedMs = repr.stat.mtimeMs;
    return {
      ...repr,
      etag: makeEtag(repr.stat, repr.coding ?? undefined),
      lastModifiedMs,
      lastModified: httpDate(lastModifiedMs),
      contentType: contentTypeFor(file.name, this.#extraTypes),
      probes,
      checkedAt: Date.now(),
    };
  }

  /**
   * Answer with `e`. Synchronous up to the first body write when the body is in the
   * file cache (or not needed). `retry` (an entry from the lookup cache) answers
   * afresh when the file turns out to differ from the entry.
   */
  async #send(tx: Transaction, e: ServeEntry, status: 200 | 404, conditional: boolean, retry: (() => Promise<void>) | null): Promise<void> {
    const req = tx.request;
    const size = e.stat.size;
    // Validators matter only to a request with a conditional or range field.
    const v: Validators = conditional ? { etag: e.etag, lastModified: e.lastModifiedMs } : NO_VALIDATORS;
    const headers: ConditionalHeaders & { range?: string; 'if-range'?: string } = conditional ? req.headers : NO_HEADERS;

    if (status === 200 && conditional) {
      const verdict = evaluatePreconditions(req.method, headers, v);
      if (verdict === 'not-modified') {
        tx.status(304);
        this.#common(tx, e, status).finalizeHeaders();
        return;
      }
      if (verdict === 'failed') return respondText(tx, 412, 'Precondition Failed');
    }

    const type = e.contentType;
    let code: number = status;
    let ranges: ByteRange[] = [{ start: 0, end: size - 1 }];
    let multipart: ReturnType<typeof planMultipart> | null = null;
    // RFC 9110 §14.2: range handling is defined for GET only.
    if (status === 200 && conditional && req.method === 'GET' && ifRangeAllows(headers['if-range'], v)) {
      const r = parseRange(headers.range, size, this.#limits.maxRanges);
      if (r.kind === 'unsatisfiable') {
        const fields: HeaderList = [['content-range', `bytes */${size}`], ['etag', e.etag], ['last-modified', e.lastModified], ['cache-control', this.#cacheControl]];
        if (this.#precompressed) fields.push(['vary', 'accept-encoding']);
        return respondText(tx, 416, 'Range Not Satisfiable', fields);
      }
      if (r.kind === 'ranges') {
        code = 206;
        ranges = r.ranges;
        if (ranges.length > 1) multipart = planMultipart(ranges, size, type);
      }
    }
    let length = multipart ? multipart.length : 0;
    if (!multipart) for (const r of ranges) length += r.end - r.start + 1;

    // Find the bytes before the headers go out, so a file that vanished is still a clean 404.
    let cached: Buffer | null = null;
    let handle: FileHandle | null = null;
    if (req.method !== 'HEAD' && length > 0) {
      if (this.#cache.fits(size)) cached = this.#cache.get(e.real, e.stat) ?? (await this.#cache.read(e.real, e.stat).catch(() => null));
      if (!cached) {
        const opened = await this.#open(e, retry !== null);
        if (opened === 'changed') return retry!();
        if (opened === 'missing') return retry ? retry() : respondText(tx, 404, 'Not Found');
        handle = opened;
      }
    }
    try {
      tx.status(code).headerByToken(Token.CONTENT_TYPE, multipart ? multipart.contentType : type).headerByToken(Token.CONTENT_LENGTH, length);
      if (code === 206 && !multipart) tx.headerByToken(Token.CONTENT_RANGE, `bytes ${ranges[0]!.start}-${ranges[0]!.end}/${size}`);
      if (status === 200) tx.headerByToken(Token.ACCEPT_RANGES, 'bytes');
      if (e.coding) tx.headerByToken(Token.CONTENT_ENCODING, e.coding);
      this.#common(tx, e, status).finalizeHeaders();
      if (tx.ended) return; // HEAD: the headers are the whole answer
      // The common case, a whole small file from memory within the peer's credit: one write, no chunking.
      if (cached && code === 200 && cached.length <= Math.min(tx.peerWriteAllowance(), this.#limits.readChunkMaxBytes)) return await tx.write(cached, WriteMode.HTTP_FINAL);
      const source: BodySource = cached ? { kind: 'buffer', data: cached } : handle ? { kind: 'file', handle } : { kind: 'buffer', data: Buffer.alloc(0) };
      await writeBody(tx, source, ranges, multipart, this.#limits);
    } catch (err) {
      if (isStreamClosed(err) || tx.aborted) return; // the peer went away: nothing left to do
      if (tx.headersSent) tx.abort();
      throw err;
    } finally {
      if (handle) await handle.close();
    }
  }

  /**
   * Open the representation; with `check` (an entry trusted for its TTL), 'changed'
   * when the file is no longer the one the entry describes: never new bytes under old headers.
   */
  async #open(e: ServeEntry, check: boolean): Promise<FileHandle | 'changed' | 'missing'> {
    let handle: FileHandle;
    try {
      handle = await open(e.real, 'r');
    } catch (err) {
      if (MISSING.has((err as NodeJS.ErrnoException).code ?? '')) return 'missing';
      throw err;
    }
    if (!check) return handle;
    try {
      if (sameIdentity(identityOf(await handle.stat()), identityOf(e.stat))) return handle;
    } catch {
      // treated as changed
    }
    await handle.close();
    return 'changed';
  }

  /** The validator and cache fields every answer about `e` carries (304, 416, 200/206, 404 document). */
  #common(tx: Transaction, e: ServeEntry, status: 200 | 404): Transaction {
    if (status === 200) tx.headerByToken(Token.ETAG, e.etag).headerByToken(Token.LAST_MODIFIED, e.lastModified);
    tx.headerByToken(Token.CACHE_CONTROL, status === 200 ? this.#cacheControl : 'no-cache');
    if (this.#precompressed) tx.headerByToken(Token.VARY, 'accept-encoding');
    return tx;
  }

  /** A directory without its trailing slash: redirect so relative links in its index resolve. */
  #redirectToSlash(tx: Transaction): Promise<void> {
    // One leading slash only: `//host` in Location would be another origin.
    const target = tx.request.pathname.replace(/^\/+/, '/') + '/' + (tx.request.search ? `?${tx.request.search}` : '');
    return respondText(tx, 301, 'Moved Permanently', { location: target });
  }

  /** 404, unless an SPA fallback answers (not for refused paths), or an error document is configured. Never cached. */
  async #notFound(tx: Transaction, allowSpa: boolean, codings: readonly Coding[]): Promise<void> {
    const conditional = scanRequest(tx.request.rawHeaders).conditional;
    if (allowSpa && this.#spa) {
      const spa = await this.#lookup(this.#spa);
      if (spa.kind === 'file') return this.#send(tx, await this.#describe(spa, this.#spa, codings), 200, conditional, null);
    }
    if (this.#errorDocument) {
      const doc = await this.#lookup(this.#errorDocument);
      if (doc.kind === 'file') return this.#send(tx, await this.#describe(doc, this.#errorDocument, codings), 404, conditional, null);
    }
    return respondText(tx, 404, 'Not Found');
  }
}
