/**
 * The programmatic server: listeners (cleartext with protocol sniffing, TLS
 * with ALPN), connection bookkeeping, handler dispatch through the unified
 * write API, and graceful shutdown.
 * @module
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import { isStreamClosed, SluiceError, SluiceErrorCode } from '../errors.js';
import { CLIENT_PREFACE } from '../h2/frame/constants.js';
import type { H2Limits } from '../h2/limits.js';
import type { H2Session } from '../h2/session.js';
import type { H2Stream } from '../h2/stream.js';
import { Request } from '../http/request.js';
import { Transaction, type ResponseBackend, type TransactionOptions } from '../http/transaction.js';
import type { H1Limits } from '../h1/request-parser.js';
import type { H1Response } from '../h1/response-writer.js';
import { ConnectionGate, processConnectionGate, type ConnectionLimits } from './connection-limits.js';
import { DEFAULT_H1_TIMEOUTS, H1Connection, type H1Timeouts } from './h1-connection.js';
import { serveH2 } from './h2-connection.js';

export type Handler = (tx: Transaction) => void | Promise<void>;

export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
}

/** A virtual host (lws vhost): chosen by Host / :authority, and by SNI for its TLS certificate. */
export interface VhostOptions {
  /** The vhost's name, also matched as a host name. */
  name: string;
  /** More host names it answers; `*.example.com` matches any subdomain. */
  hostnames?: string[];
  /** Answers the vhost's requests. */
  handler: Handler;
  /** Automatic response headers of this vhost (its extra headers; Date and Server on or off). */
  response?: Omit<TransactionOptions, 'vhost'>;
  /** The certificate this vhost presents when a TLS client names it (SNI). */
  tls?: TlsOptions;
  /** Advertise RFC 8441 extended CONNECT on this server (set when the vhost hosts WebSocket protocols). */
  enableConnectProtocol?: boolean;
  /** Sees every transaction of the vhost before anything answers it, the server's own 501 included (an access log). */
  onTransaction?: (tx: Transaction) => void;
}

export interface ServerOptions {
  /** Answers every request through the unified write API (when no vhosts are given). */
  handler?: Handler;
  /** Virtual hosts; the first is the default for a Host / :authority no vhost names. */
  vhosts?: VhostOptions[];
  /** Serve TLS (ALPN `h2`, then `http/1.1`) instead of cleartext. */
  tls?: TlsOptions;
  /** HTTP/2 limits (see lib/h2/limits.ts for names, defaults and reasons). */
  h2?: Partial<H2Limits>;
  /** HTTP/1.1 parser limits (lib/h1/limits.ts) and timeouts (lib/server/h1-connection.ts). */
  h1?: Partial<H1Limits> & Partial<H1Timeouts>;
  /** Advertise RFC 8441 extended CONNECT (WebSocket over HTTP/2). */
  enableConnectProtocol?: boolean;
  /** Automatic response headers (Date, Server, per-vhost extras). */
  response?: TransactionOptions;
  /** A cleartext connection must show its first bytes within this many ms (default 10 s), or it is closed. */
  sniffTimeoutMs?: number;
  /**
   * Methods beyond RFC 9110's and PATCH that handlers implement (WebDAV's PROPFIND, say). A
   * request with any other method gets 501 before a handler sees it (RFC 9110 §9.1); methods
   * are case-sensitive, so `get` is unknown.
   */
  extraMethods?: readonly string[];
  /**
   * Connection limits (lib/server/connection-limits.ts): a gate to share (the config shares one
   * among its listeners), or limits for a gate of this server's own. Default: the process-wide gate.
   */
  connections?: ConnectionGate | Partial<ConnectionLimits>;
  /** Errors that are not the peer's fault (handler exceptions, bugs). Default: console.error. */
  onError?: (err: Error, tx?: Transaction) => void;
}

interface Conn {
  socket: Socket;
  h2: H2Session | null;
  h1: H1Connection | null;
}

export class SluiceServer {
  readonly #options: ServerOptions;
  readonly #listener: net.Server;
  readonly #conns = new Set<Conn>();
  readonly #vhosts: VhostTable;
  readonly #shutdown = new AbortController();
  readonly #methods: ReadonlySet<string>;
  readonly #gate: ConnectionGate;
  #closing = false;

  constructor(options: ServerOptions) {
    this.#options = options;
    this.#vhosts = new VhostTable(options, this.#shutdown.signal);
    this.#methods = new Set([...KNOWN_METHODS, ...(options.extraMethods ?? [])]);
    const c = options.connections;
    this.#gate = c instanceof ConnectionGate ? c : c ? new ConnectionGate(c) : processConnectionGate;
    const defaultTls = options.tls ?? options.vhosts?.find((v) => v.tls)?.tls;
    if (defaultTls) {
      const contexts = new Map<string, tls.SecureContext>();
      for (const v of options.vhosts ?? []) if (v.tls) for (const name of [v.name, ...(v.hostnames ?? [])]) contexts.set(name.toLowerCase(), tls.createSecureContext(v.tls));
      this.#listener = tls.createServer(
        {
          cert: defaultTls.cert,
          key: defaultTls.key,
          ALPNProtocols: ['h2', 'http/1.1'],
          SNICallback: (servername, cb) => cb(null, matchHost(contexts, servername.toLowerCase()) ?? undefined),
        },
        (socket) => this.#onTls(socket),
      );
      // The raw socket, before its handshake: an over-limit client gets no handshake.
      this.#listener.on('connection', (raw: Socket) => {
        const verdict = this.#gate.admit(raw);
        if (verdict !== 'ok') this.#gate.tellAndClose(raw, verdict, true);
      });
      this.#listener.on('tlsClientError', () => {});
    } else {
      this.#listener = net.createServer((socket) => {
        const verdict = this.#gate.admit(socket);
        if (verdict === 'ok') this.#onCleartext(socket);
        else this.#gate.tellAndClose(socket, verdict, false);
      });
    }
  }

  /** Start listening; resolves with the bound address (port 0 picks a free one). */
  listen(port = 7681, host = '127.0.0.1'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#listener.once('error', reject);
      this.#listener.listen(port, host, () => {
        this.#listener.off('error', reject);
        resolve(this.#listener.address() as AddressInfo);
      });
    });
  }

  address(): AddressInfo {
    return this.#listener.address() as AddressInfo;
  }

  /** Connections currently open. */
  get connections(): number {
    return this.#conns.size;
  }

  /** The connection gate this server counts against (shared per process unless its options gave one). */
  get gate(): ConnectionGate {
    return this.#gate;
  }

  /**
   * Graceful shutdown: stop accepting, send GOAWAY on HTTP/2 and let in-flight
   * streams finish, then force-close whatever is left after `timeoutMs`.
   */
  close(timeoutMs = 10_000): Promise<void> {
    this.#closing = true;
    this.#shutdown.abort();
    const closed = new Promise<void>((resolve) => this.#listener.close(() => resolve()));
    for (const c of this.#conns) {
      if (c.h2) c.h2.close();
      else if (c.h1) c.h1.close();
      else c.socket.destroy();
    }
    const force = setTimeout(() => {
      for (const c of this.#conns) c.socket.destroy();
    }, timeoutMs);
    force.unref();
    return closed.finally(() => clearTimeout(force));
  }

  #track(socket: Socket): Conn {
    const conn: Conn = { socket, h2: null, h1: null };
    this.#conns.add(conn);
    socket.once('close', () => this.#conns.delete(conn));
    return conn;
  }

  #onTls(socket: tls.TLSSocket): void {
    const conn = this.#track(socket);
    if (socket.alpnProtocol === 'h2') conn.h2 = this.#startH2(socket, Buffer.alloc(0));
    else this.#startH1(conn, Buffer.alloc(0));
  }

  /** Cleartext: the client preface (prior knowledge, RFC 9113 §3.3) means HTTP/2, anything else HTTP/1.1. */
  #onCleartext(socket: Socket): void {
    const conn = this.#track(socket);
    let buffered: Buffer = Buffer.alloc(0);
    // A request line trickled byte by byte is slowloris as much as slow headers are.
    const headersTimeout = this.#options.h1?.headersTimeoutMs ?? DEFAULT_H1_TIMEOUTS.headersTimeoutMs;
    const timer = setTimeout(() => socket.destroy(), Math.min(this.#options.sniffTimeoutMs ?? 10_000, headersTimeout));
    timer.unref();
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const n = Math.min(buffered.length, CLIENT_PREFACE.length);
      const isPrefacePrefix = buffered.subarray(0, n).equals(CLIENT_PREFACE.subarray(0, n));
      if (isPrefacePrefix && n < CLIENT_PREFACE.length) return; // need more bytes to decide
      // A first line that is the preface's ("PRI * HTTP/2.0") is HTTP/2 even if what follows is not: the session refuses it with GOAWAY.
      const kind = isPrefacePrefix || buffered.subarray(0, PREFACE_LINE.length).equals(PREFACE_LINE) ? 'h2' : classifyFirstLine(buffered);
      if (kind === 'undecided') return;
      clearTimeout(timer);
      socket.off('data', onData);
      if (kind === 'h2') conn.h2 = this.#startH2(socket, buffered);
      else if (kind === 'h1') this.#startH1(conn, buffered);
      else socket.destroy(); // neither HTTP/1.x nor the HTTP/2 preface (RFC 9113 §3.4): nothing sensible to answer
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  }

  #startH2(socket: Socket, initial: Buffer): H2Session {
    const session = serveH2(
      socket,
      initial,
      { limits: this.#options.h2 ?? {}, enableConnectProtocol: this.#vhosts.enableConnectProtocol },
      { onRequest: (stream, sock) => this.#dispatchH2(stream, sock), onError: (err) => this.#reportError(err) },
    );
    if (this.#closing) session.close();
    return session;
  }

  #startH1(conn: Conn, initial: Buffer): void {
    const o = this.#options;
    conn.h1 = new H1Connection(
      conn.socket,
      initial,
      { limits: o.h1 ?? {}, timeouts: o.h1 ?? {}, encrypted: conn.socket instanceof tls.TLSSocket, serverHeader: this.#vhosts.default.response.server ?? 'sluice' },
      { onRequest: (request, response) => this.#dispatchH1(request, response) },
    );
    if (this.#closing) conn.h1.close();
  }

  #dispatchH1(request: Request, response: H1Response): void {
    this.#run(request, response);
  }

  #dispatchH2(stream: H2Stream, socket: Socket): void {
    const r = stream.request;
    const request = new Request({
      method: r.method,
      scheme: r.scheme,
      authority: r.authority,
      path: r.path,
      httpVersion: '2',
      headers: r.headers,
      upgradeProtocol: r.protocol,
      body: stream.body,
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
      encrypted: socket instanceof tls.TLSSocket,
    });
    this.#run(request, stream);
  }

  #run(request: Request, backend: ResponseBackend): void {
    const vhost = this.#vhosts.find(request.hostname);
    const tx = new Transaction(request, backend, vhost.response);
    vhost.onTransaction?.(tx);
    if (!this.#methods.has(request.method)) {
      // RFC 9110 §9.1: a method the server does not recognise is 501; 405 is a known method a resource refuses.
      tx.respond(501, [['content-type', 'text/plain; charset=utf-8']], 'Not Implemented\n').catch(() => {});
      return;
    }
    try {
      const result = vhost.handler(tx);
      if (result && typeof result.then === 'function') result.then(undefined, (err: unknown) => this.#handlerFailed(tx, err));
    } catch (err) {
      this.#handlerFailed(tx, err);
    }
  }

  /** A handler threw: 500 if nothing was sent yet, otherwise the response is cut (it cannot be fixed). */
  #handlerFailed(tx: Transaction, err: unknown): void {
    if (isStreamClosed(err) || tx.aborted) return;
    this.#reportError(err instanceof Error ? err : new Error(String(err)), tx);
    if (!tx.headersSent) tx.clearHeaders().respond(500, { 'content-type': 'text/plain; charset=utf-8' }, 'Internal Server Error\n').catch(() => {});
    else tx.abort();
  }

  #reportError(err: Error, tx?: Transaction): void {
    if (this.#options.onError) this.#options.onError(err, tx);
    else console.error(`sluice: ${tx ? `${tx.request.method} ${tx.request.path}: ` : ''}${err.stack ?? err.message}`);
  }
}

interface Vhost {
  handler: Handler;
  response: TransactionOptions;
  onTransaction: ((tx: Transaction) => void) | undefined;
}

/** Host name → vhost; exact names first, then the longest `*.suffix` wildcard, then the default. */
class VhostTable {
  readonly default: Vhost;
  readonly enableConnectProtocol: boolean;
  readonly #byName = new Map<string, Vhost>();
  readonly #single: boolean;

  constructor(options: ServerOptions, shutdown: AbortSignal) {
    const o = options;
    const list: VhostOptions[] = o.vhosts?.length ? o.vhosts : o.handler ? [{ name: '', handler: o.handler }] : [];
    if (list.length === 0) throw new SluiceError(SluiceErrorCode.CONFIG, 'createServer() needs a handler or at least one vhost');
    let connect = o.enableConnectProtocol ?? false;
    const vhosts = list.map((v) => {
      connect ||= v.enableConnectProtocol ?? false;
      const vhost: Vhost = { handler: v.handler, response: { ...o.response, ...v.response, vhost: v.name, shutdown }, onTransaction: v.onTransaction };
      for (const name of [v.name, ...(v.hostnames ?? [])]) if (name && !this.#byName.has(name.toLowerCase())) this.#byName.set(name.toLowerCase(), vhost);
      return vhost;
    });
    this.default = vhosts[0]!;
    this.#single = vhosts.length === 1;
    this.enableConnectProtocol = connect;
  }

  find(hostname: string): Vhost {
    if (this.#single) return this.default; // one vhost answers everything: skip the lookup on the hot path
    return matchHost(this.#byName, hostname) ?? this.default;
  }
}

/** Exact host first, then `*.suffix` wildcards from the most specific. */
function matchHost<T>(table: Map<string, T>, host: string): T | null {
  const exact = table.get(host);
  if (exact !== undefined) return exact;
  for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
    const wild = table.get(`*${host.slice(dot)}`);
    if (wild !== undefined) return wild;
  }
  return null;
}

/** RFC 9110 §9.3's methods and PATCH (RFC 5789): what the server recognises unless `extraMethods` adds more. */
export const KNOWN_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/** Longest first line the sniffer waits for before leaving the verdict (414, 400) to the HTTP/1 parser. */
const SNIFF_LINE_MAX = 16 * 1024;
const PREFACE_LINE = CLIENT_PREFACE.subarray(0, CLIENT_PREFACE.indexOf('\n') + 1);
/** A first line naming an HTTP version, however malformed, is HTTP/1's to answer (400, 505). */
const HTTP1_LINE = /HTTP\//i;

/**
 * What a cleartext connection speaks, judged from its first line: a line that
 * names an HTTP version is HTTP/1 (the parser answers its errors, 400 and 505
 * included); a complete line that names none is neither protocol (an invalid
 * h2 preface, HTTP/0.9, noise) and gets no HTTP/1 text back.
 */
function classifyFirstLine(buffered: Buffer): 'h1' | 'neither' | 'undecided' {
  let start = 0; // empty lines before the request line are the parser's to allow or refuse (RFC 9112 §2.2)
  while (start < buffered.length && (buffered[start] === 0x0d || buffered[start] === 0x0a)) start++;
  const lf = buffered.indexOf(0x0a, start);
  if (lf === -1) return buffered.length > SNIFF_LINE_MAX ? 'h1' : 'undecided';
  return HTTP1_LINE.test(buffered.toString('latin1', start, lf)) ? 'h1' : 'neither';
}

export function createServer(options: ServerOptions): SluiceServer {
  return new SluiceServer(options);
}
