/**
 * A minimal static-file handler for the benchmark contender, used when the
 * mounts engineer's `createMountHandler` is not available. It does what the
 * anchors do (GET/HEAD, content-type, content-length, ETag, Last-Modified,
 * 304 on If-None-Match) and nothing else.
 *
 * Speed comes from two things: small files are held in memory with their
 * header values precomputed (revalidated with `stat` at most once per
 * REVALIDATE_MS), and big files are streamed in credit-sized chunks with
 * `await tx.write`, so a slow or window-limited peer costs one chunk of
 * memory per stream, never the whole file.
 * @module
 */
import { constants as fsc, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import mime from 'mime-types';
import { Token, WriteMode, type Handler, type Transaction } from '../lib/index.js';

export interface StaticOptions {
  /** Files up to this size are cached in memory (default 256 KiB): the anchors keep them in the page cache too. */
  smallFileMax?: number;
  /** Total bytes of cached file bodies (default 64 MiB); above it files are streamed from disk. */
  cacheBytesMax?: number;
  /** A cached entry is trusted this many ms before its file is stat()ed again (default 1000). */
  revalidateMs?: number;
  /** Largest chunk read from disk per write when streaming (default 256 KiB). */
  chunkMax?: number;
}

interface Entry {
  file: string;
  stats: Stats;
  checkedAt: number;
  contentType: string;
  etag: string;
  lastModified: string;
  /** The whole file when it is small enough to cache; null = stream it. */
  body: Buffer | null;
}

/** Smallest chunk worth a disk read when the peer's credit is smaller (the write then waits for WINDOW_UPDATE). */
const CHUNK_MIN = 64 << 10;
/** Chunks of one response queued for sending at a time (memory per stream <= QUEUE_DEPTH x chunk). */
const QUEUE_DEPTH = 3;

export function createStaticHandler(root: string, options: StaticOptions = {}): Handler {
  const docroot = path.resolve(root);
  const smallFileMax = options.smallFileMax ?? 256 << 10;
  const cacheBytesMax = options.cacheBytesMax ?? 64 << 20;
  const revalidateMs = options.revalidateMs ?? 1000;
  const chunkMax = options.chunkMax ?? 256 << 10;
  const cache = new Map<string, Entry>();
  let cachedBytes = 0;

  /** Maps a URL path to a file under the docroot, or null for anything that tries to leave it. */
  function resolve(pathname: string): string | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return null;
    }
    if (decoded.includes('\0')) return null;
    const file = path.join(docroot, decoded);
    if (file !== docroot && !file.startsWith(docroot + path.sep)) return null;
    return decoded.endsWith('/') ? path.join(file, 'index.html') : file;
  }

  async function load(file: string): Promise<Entry | null> {
    let stats: Stats;
    try {
      stats = await fsp.stat(file);
      if (stats.isDirectory()) {
        file = path.join(file, 'index.html');
        stats = await fsp.stat(file);
      }
    } catch {
      return null;
    }
    if (!stats.isFile()) return null;
    let body: Buffer | null = null;
    if (stats.size <= smallFileMax && cachedBytes + stats.size <= cacheBytesMax) {
      body = await fsp.readFile(file);
      if (body.length !== stats.size) body = null; // changed while we read it: stream it this time
      else cachedBytes += body.length;
    }
    return {
      file,
      stats,
      checkedAt: Date.now(),
      contentType: mime.contentType(path.extname(file)) || 'application/octet-stream',
      etag: `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`,
      lastModified: stats.mtime.toUTCString(),
      body,
    };
  }

  /** One stat/load per key at a time: a burst of requests for a cold or stale file waits for the same answer. */
  const inFlight = new Map<string, Promise<Entry | null>>();
  function lookup(key: string): Promise<Entry | null> {
    let p = inFlight.get(key);
    if (!p) {
      p = revalidate(key).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
    }
    return p;
  }

  async function revalidate(key: string): Promise<Entry | null> {
    const hit = cache.get(key);
    if (hit) {
      const now = Date.now();
      if (now - hit.checkedAt < revalidateMs) return hit;
      try {
        const st = await fsp.stat(hit.file);
        if (st.size === hit.stats.size && st.mtimeMs === hit.stats.mtimeMs && st.ino === hit.stats.ino) {
          hit.checkedAt = now;
          return hit;
        }
      } catch {
        /* gone: reload below */
      }
      cache.delete(key);
      if (hit.body) cachedBytes -= hit.body.length;
    }
    const file = resolve(key);
    const entry = file ? await load(file) : null;
    if (entry) cache.set(key, entry);
    return entry;
  }

  function send(tx: Transaction, e: Entry): Promise<void> | void {
    const notModified = ifNoneMatch(tx) === e.etag;
    tx.status(notModified ? 304 : 200)
      .headerByToken(Token.CONTENT_TYPE, e.contentType)
      .headerByToken(Token.CONTENT_LENGTH, notModified ? 0 : e.stats.size)
      .headerByToken(Token.ETAG, e.etag)
      .headerByToken(Token.LAST_MODIFIED, e.lastModified)
      .finalizeHeaders();
    if (tx.ended) return;
    if (e.body) return tx.write(e.body, WriteMode.HTTP_FINAL);
    return stream(tx, e);
  }

  /**
   * Credit-bounded streaming: each read is sized by the peer's allowance, and at most
   * QUEUE_DEPTH chunks wait in the stream's queue, so memory per stream stays bounded
   * while the next read overlaps the sending of the queued ones (the queue never runs
   * dry when a WINDOW_UPDATE arrives).
   */
  async function stream(tx: Transaction, e: Entry): Promise<void> {
    const fh = await fsp.open(e.file, fsc.O_RDONLY);
    try {
      const size = e.stats.size;
      if (size === 0) return await tx.write(Buffer.alloc(0), WriteMode.HTTP_FINAL);
      const queued: Array<Promise<void>> = [];
      let pos = 0;
      while (pos < size) {
        const allowance = tx.peerWriteAllowance();
        const n = Math.min(size - pos, chunkMax, Math.max(CHUNK_MIN, Number.isFinite(allowance) ? allowance : chunkMax));
        const buf = Buffer.allocUnsafe(n);
        const { bytesRead } = await fh.read(buf, 0, n, pos);
        if (bytesRead !== n) throw new Error(`${e.file} shrank while being sent`);
        pos += n;
        const written = tx.write(buf, pos >= size ? WriteMode.HTTP_FINAL : WriteMode.HTTP);
        written.catch(() => {}); // awaited below; this keeps a failure of a later write from going unhandled meanwhile
        queued.push(written);
        if (queued.length >= QUEUE_DEPTH) await queued.shift();
      }
      for (const w of queued) await w;
    } finally {
      await fh.close();
    }
  }

  return (tx: Transaction) => {
    const { method } = tx.request;
    if (method !== 'GET' && method !== 'HEAD') {
      return tx.respond(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }, 'method not allowed\n');
    }
    const key = tx.request.pathname;
    const hit = cache.get(key);
    // Fast path: a fresh cached entry is answered without leaving this tick.
    if (hit && Date.now() - hit.checkedAt < revalidateMs) return send(tx, hit);
    return lookup(key).then((e) => (e ? send(tx, e) : tx.respond(404, { 'content-type': 'text/plain' }, 'not found\n')));
  };
}

/** The If-None-Match value, read from the raw list (cheaper than building the header object per request). */
function ifNoneMatch(tx: Transaction): string | undefined {
  for (const [name, value] of tx.request.rawHeaders) if (name === 'if-none-match') return value;
  return undefined;
}
