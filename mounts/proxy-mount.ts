/**
 * The `http://…` / `https://…` mount: a reverse proxy to an upstream with
 * undici. The request body streams up as the upstream takes it; the response
 * streams down one chunk at a time, each `await tx.write()` waiting for the
 * client's credit before the next chunk is pulled from the upstream, and no chunk
 * pulled while the client has none, so a slow client slows the upstream instead of
 * growing server memory: a stream holds at most one chunk plus undici's body buffer.
 * Hop-by-hop fields are stripped both ways (RFC 9110 §7.6.1) and
 * `x-forwarded-for/-proto/-host` added. An upstream that cannot be reached is
 * 502 Bad Gateway; one that does not answer in time is 504 Gateway Timeout.
 * @module
 */
import { Pool } from 'undici';
import { isStreamClosed, type HeaderList, type Transaction } from '../lib/index.js';
import { DEFAULT_PROXY_TIMEOUT_MS } from './limits.js';
import { creditWaiter } from './read-ahead.js';
import { respondText } from './respond-text.js';

/** RFC 9110 §7.6.1 connection-specific fields, plus ones a proxy must not forward as-is. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
  // Not hop-by-hop, but the proxy decides them: the upstream's own host, and no 100-continue dance.
  'host',
  'expect',
]);

/** Error codes that mean the upstream did not answer in time. */
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Fields named in `Connection` are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionListed(value: string | string[] | undefined): Set<string> {
  const v = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    v
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** The client address as a proxy reports it: IPv4-mapped IPv6 shown as plain IPv4. */
function clientAddress(addr: string | undefined): string {
  if (!addr) return 'unknown';
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

export class ProxyMount {
  readonly #origin: string;
  readonly #basePath: string;
  readonly #timeoutMs: number;
  #pool: Pool | null = null;

  /** `target` is the upstream URL (its path is the base the request path is appended to). */
  constructor(target: URL, timeoutMs = DEFAULT_PROXY_TIMEOUT_MS) {
    this.#origin = target.origin;
    this.#basePath = target.pathname.endsWith('/') ? target.pathname.slice(0, -1) : target.pathname;
    this.#timeoutMs = timeoutMs;
  }

  /** The upstream request path for `rest` (the encoded pathname below the mountpoint) and the query. */
  upstreamPath(rest: string, search: string): string {
    return (this.#basePath + rest || '/') + (search ? `?${search}` : '');
  }

  /** Close the upstream connections (server shutdown). */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    await pool?.close();
  }

  #upstream(): Pool {
    return (this.#pool ??= new Pool(this.#origin, {
      headersTimeout: this.#timeoutMs,
      // Only counts while the response is being read: a paused (slow) client does not trip it.
      bodyTimeout: this.#timeoutMs,
      connectTimeout: this.#timeoutMs,
    }));
  }

  #requestHeaders(tx: Transaction): Record<string, string> {
    const req = tx.request;
    const src = req.headers;
    const listed = connectionListed(src.connection);
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(src)) {
      if (name.startsWith(':') || HOP_BY_HOP.has(name) || listed.has(name)) continue;
      out[name] = value;
    }
    const addr = clientAddress(req.remoteAddress);
    out['x-forwarded-for'] = src['x-forwarded-for'] ? `${src['x-forwarded-for']}, ${addr}` : addr;
    out['x-forwarded-proto'] = req.encrypted ? 'https' : req.scheme || 'http';
    out['x-forwarded-host'] = req.authority;
    return out;
  }

  async handle(tx: Transaction, rest: string): Promise<void> {
    const req = tx.request;
    const abort = new AbortController();
    tx.onAbort(() => abort.abort());
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    // undici destroys a body it could not send; a listener keeps that from becoming an uncaught 'error'.
    if (hasBody) req.body.on('error', () => {});
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.#upstream().request({
        origin: this.#origin,
        path: this.upstreamPath(rest, req.search),
        method: req.method as 'GET',
        headers: this.#requestHeaders(tx),
        body: hasBody ? req.body : null,
        signal: abort.signal,
      });
    } catch (err) {
      if (tx.aborted || tx.headersSent) return;
      const code = (err as { code?: string }).code ?? '';
      if (TIMEOUTS.has(code)) return respondText(tx, 504, 'Gateway Timeout');
      return respondText(tx, 502, 'Bad Gateway');
    }

    const listed = connectionListed(res.headers.connection);
    const fields: HeaderList = [];
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
      for (const v of Array.isArray(value) ? value : [value]) fields.push([name, v]);
    }
    try {
      tx.status(res.statusCode).headers(fields);
    } catch {
      // A status or field this server cannot forward (1xx, invalid bytes): the upstream is broken.
      res.body.destroy();
      tx.clearHeaders();
      return respondText(tx, 502, 'Bad Gateway');
    }
    tx.finalizeHeaders();
    try {
      // Nothing is pulled from upstream while the client has no credit: undici stops reading the
      // upstream socket once its body buffer (highWaterMark) is full, so the upstream is paced too.
      const waitCredit = creditWaiter(tx);
      const chunks = (res.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      for (;;) {
        if (tx.ended) {
          await chunks.return?.(); // HEAD, 204, 304: nothing to forward; let undici release the upstream
          break;
        }
        if (tx.peerWriteAllowance() === 0) await waitCredit();
        const next = await chunks.next();
        if (next.done) break;
        await tx.write(next.value);
      }
      if (!tx.ended) await tx.end();
    } catch (err) {
      res.body.destroy();
      if (isStreamClosed(err) || tx.aborted) return;
      tx.abort(); // the upstream failed mid-body: cut the response so the client sees it incomplete
    }
  }
}
