/**
 * The unified write API: one request/response exchange, the same calls on
 * HTTP/1.1 and HTTP/2 (lws's `lws_add_http_header_*`, `lws_finalize_http_header`,
 * `lws_write`, `lws_get_peer_write_allowance`, `lws_callback_on_writable`).
 * The transport behind it is a ResponseBackend; this class owns the rules
 * every transport shares: order of calls, header validation, body framing.
 * @module
 */
import { SluiceError, SluiceErrorCode } from '../errors.js';
import { httpDate } from './http-date.js';
import type { Request } from './request.js';
import type { HeaderList } from './request-body.js';
import { Token, tokenCanonicalName, tokenName, type Token as TokenId } from './tokens.js';
import { WriteMode } from './write-mode.js';

/** What a transport (an h2 stream, an h1 connection) does for a Transaction. */
export interface ResponseBackend {
  readonly protocol: 'h1' | 'h2';
  /** Send the status and header fields; end the response now if `endStream`. */
  sendHead(status: number, fields: HeaderList, endStream: boolean): void;
  /**
   * Queue body bytes; resolves once they are handed to the socket (never past the peer's credit).
   * `flushed`, if given, is called once the transport holds no reference to `data` any more
   * (its last byte went to the kernel), so the buffer may be reused; it may never be called
   * (a reset, a transport that does not track it), and the buffer is then left to the GC.
   */
  sendData(data: Buffer, end: boolean, flushed?: () => void): Promise<void>;
  /** Octets the peer allows now: min(stream, connection window) on h2; Infinity on h1. */
  allowance(): number;
  /** Arm one writable event; the backend calls `onWritable` when credit and socket allow a write. */
  requestWritable(): void;
  onWritable: (() => void) | null;
  /** Called once if the exchange dies before it completes (peer reset, connection lost). */
  onAbort: ((reason: Error) => void) | null;
  /** Give up on the response (RST_STREAM on h2, close the connection on h1). */
  abort(): void;
  /**
   * HTTP/1.1 only: answer `101 Switching Protocols` with `fields` and hand the
   * connection to the tunnel: later sendData() writes raw bytes and the request
   * body carries the peer's raw bytes. (HTTP/2 tunnels are ordinary streams.)
   */
  startTunnel?(fields: HeaderList): void;
}

/** Turns a message into wire frames for a tunnel's protocol (the WebSocket layer installs RFC 6455 framing). */
export type Framer = (data: Buffer, mode: WriteMode) => Buffer | Buffer[];

export interface TransactionOptions {
  /** Add `Date` unless the handler set it (default true). */
  date?: boolean;
  /** `Server` value added unless the handler set it; false to omit (default 'sluice'). */
  server?: string | false;
  /** Extra headers every response of the vhost carries (lws per-vhost headers). */
  headers?: HeaderList;
  /** The name of the vhost answering (tx.vhost). */
  vhost?: string;
  /** Aborted when the server starts a graceful shutdown (tx.shutdown). */
  shutdown?: AbortSignal;
}

const NEVER = new AbortController().signal;

const enum Phase {
  BUILDING,
  SENT,
  ENDED,
}

/** RFC 9110 §5.6.2 token: what a field name may be. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Content-Length is 1*DIGIT (RFC 9110 §8.6); a module constant, as a literal would build a RegExp per call. */
const DIGITS = /^\d+$/;
/** RFC 9110 §5.5: VCHAR, SP, HTAB, obs-text; never CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Connection-specific fields have no meaning on HTTP/2 (RFC 9113 §8.2.2): dropped there, so h1 handlers run unchanged. */
const H2_DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

let nextId = 0;

export class Transaction {
  readonly request: Request;
  readonly #backend: ResponseBackend;
  readonly #options: TransactionOptions;
  #id: string | null = null;
  #phase = Phase.BUILDING;
  #status = 0;
  #fields: HeaderList = [];
  #hasDate = false;
  #hasServer = false;
  #declaredLength = -1;
  #written = 0;
  #noBody = false;
  #aborted: Error | null = null;
  #writableListener: (() => void) | null = null;
  #tunnel = false;
  #framer: Framer | null = null;
  #sent = 0;
  #finished = false;
  #finishListeners: Array<() => void> = [];
  #abortListeners: Array<(reason: Error) => void> = [];

  constructor(request: Request, backend: ResponseBackend, options: TransactionOptions = {}) {
    this.request = request;
    this.#backend = backend;
    this.#options = options;
    backend.onWritable = () => this.#writableListener?.();
    backend.onAbort = (reason) => this.#onAbort(reason);
  }

  /** A short unique id for logs and `x-request-id`. */
  get id(): string {
    return (this.#id ??= `${process.pid.toString(36)}-${(nextId++).toString(36)}`);
  }

  /** The vhost answering this request ('' when the server has none). */
  get vhost(): string {
    return this.#options.vhost ?? '';
  }

  /**
   * Aborted when the server begins a graceful close(): long-lived exchanges
   * (tunnels, streams of events) should wind down, e.g. WebSocket close 1001.
   */
  get shutdown(): AbortSignal {
    return this.#options.shutdown ?? NEVER;
  }

  /** The status sent (101 for an HTTP/1.1 tunnel), or the one set so far; 0 before status(). */
  get statusCode(): number {
    return this.#tunnel && this.protocol === 'h1' ? 101 : this.#status;
  }

  /** Body (or tunnel payload) bytes accepted by write() so far; a HEAD response counts none. */
  get bytesWritten(): number {
    return this.#sent;
  }

  /**
   * Run `listener` once when the exchange is over: the last body byte handed to
   * the socket, a header-only response sent, a tunnel closed, or an abort.
   * (Access logs and metrics hang off this.)
   */
  onFinish(listener: () => void): this {
    if (this.#finished) listener();
    else this.#finishListeners.push(listener);
    return this;
  }

  /** Whether tunnel() accepted an upgrade: the body is now the tunnel's bytes both ways. */
  get tunneled(): boolean {
    return this.#tunnel;
  }

  get protocol(): 'h1' | 'h2' {
    return this.#backend.protocol;
  }

  get headersSent(): boolean {
    return this.#phase !== Phase.BUILDING;
  }

  get ended(): boolean {
    return this.#phase === Phase.ENDED;
  }

  /** The reason the exchange died early, or null. */
  get aborted(): Error | null {
    return this.#aborted;
  }

  /** Set the status code (once). */
  status(code: number): this {
    this.#assertBuilding('status');
    if (this.#status !== 0) throw new SluiceError(SluiceErrorCode.STATUS_ALREADY_SET, `status already set to ${this.#status}`);
    if (!Number.isInteger(code) || code < 200 || code > 599) throw new SluiceError(SluiceErrorCode.INVALID_STATUS, `invalid status ${code}: must be an integer in 200..599`);
    this.#status = code;
    return this;
  }

  /** Add a header by name (validated; lowercased on HTTP/2). */
  headerByName(name: string, value: string | number): this {
    this.#assertBuilding('header');
    if (!FIELD_NAME.test(name)) throw new SluiceError(SluiceErrorCode.INVALID_HEADER, `invalid header name ${JSON.stringify(name)}`);
    const lower = name.toLowerCase();
    this.#add(lower, this.protocol === 'h2' ? lower : name, value);
    return this;
  }

  /** Add a header by token (`Token.CONTENT_TYPE`): no name validation, canonical HTTP/1 spelling. */
  headerByToken(token: TokenId, value: string | number): this {
    this.#assertBuilding('header');
    const lower = tokenName(token);
    this.#add(lower, this.protocol === 'h2' ? lower : tokenCanonicalName(token), value);
    return this;
  }

  /** Add several headers by name. */
  headers(fields: Record<string, string | number | ReadonlyArray<string>> | HeaderList): this {
    const entries = Array.isArray(fields) ? fields : Object.entries(fields);
    for (const [name, value] of entries) {
      if (Array.isArray(value)) for (const v of value as ReadonlyArray<string>) this.headerByName(name, v);
      else this.headerByName(name, value as string | number);
    }
    return this;
  }

  /** Discard the status and headers set so far (before finalizeHeaders), e.g. to answer with an error instead. */
  clearHeaders(): this {
    this.#assertBuilding('clearHeaders');
    this.#status = 0;
    this.#fields = [];
    this.#hasDate = this.#hasServer = false;
    this.#declaredLength = -1;
    return this;
  }

  /**
   * Finish the header block and send it. A response that cannot have a body
   * (HEAD, 204, 304) ends here; later writes to a HEAD response are discarded.
   */
  finalizeHeaders(): this {
    this.#assertBuilding('finalizeHeaders');
    if (this.#status === 0) throw new SluiceError(SluiceErrorCode.NO_STATUS, 'finalizeHeaders() before status()');
    const opts = this.#options;
    if (opts.headers) for (const [n, v] of opts.headers) if (!this.#has(n)) this.#add(n, n, v);
    if (opts.date !== false && !this.#hasDate) this.#fields.push([this.protocol === 'h2' ? 'date' : 'Date', httpDate()]);
    const server = opts.server ?? 'sluice';
    if (server !== false && !this.#hasServer) this.#fields.push([this.protocol === 'h2' ? 'server' : 'Server', server]);
    const status = this.#status;
    this.#noBody = status === 204 || status === 304 || this.request.method === 'HEAD';
    this.#phase = this.#noBody ? Phase.ENDED : Phase.SENT;
    if (this.#aborted) return this;
    this.#backend.sendHead(status, this.#fields, this.#noBody);
    if (this.#noBody) this.#finish();
    return this;
  }

  /**
   * Accept the upgrade the request asked for and turn the exchange into a
   * tunnel: `101 Switching Protocols` with `fields` on HTTP/1.1, `200` on an
   * RFC 8441 extended CONNECT stream. From then on `request.body` yields the
   * peer's raw bytes, `write()` sends raw bytes (on HTTP/2 never past credit),
   * message modes (TEXT, BINARY, PING…) go through the framer, and `end()`
   * closes the tunnel.
   */
  tunnel(fields: Record<string, string | number> | HeaderList = {}): this {
    this.#assertBuilding('tunnel');
    if (!this.request.upgradeProtocol) {
      throw new SluiceError(SluiceErrorCode.NOT_UPGRADABLE, 'tunnel() needs a request that asks for an upgrade (HTTP/1.1 Upgrade, or CONNECT with :protocol on HTTP/2)');
    }
    if (this.protocol === 'h2') {
      this.status(200).headers(fields);
      this.#tunnel = true;
      return this.finalizeHeaders();
    }
    if (!this.#backend.startTunnel) throw new SluiceError(SluiceErrorCode.NOT_UPGRADABLE, 'this transport cannot switch protocols');
    this.headers(fields);
    this.#tunnel = true;
    this.#phase = Phase.SENT;
    if (!this.#aborted) this.#backend.startTunnel(this.#fields);
    return this;
  }

  /** Install the framer that message write modes (TEXT, BINARY, CONTINUATION, PING, PONG, CLOSE) go through. */
  useFramer(framer: Framer): this {
    this.#framer = framer;
    return this;
  }

  /**
   * Write body bytes (`WriteMode.HTTP`) or the last of them (`WriteMode.HTTP_FINAL`, may be empty).
   * Resolves when the bytes are handed to the socket; on HTTP/2 never past the peer's credit,
   * so a write larger than `peerWriteAllowance()` waits for WINDOW_UPDATE.
   */
  write(data: Buffer | string, mode: WriteMode = WriteMode.HTTP, flushed?: () => void): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (mode !== WriteMode.HTTP && mode !== WriteMode.HTTP_FINAL) {
      if (!this.#tunnel || !this.#framer) {
        return Promise.reject(new SluiceError(SluiceErrorCode.INVALID_WRITE_MODE, `write mode ${mode} needs a tunnel (tunnel()) with a framer (useFramer())`));
      }
      if (this.#phase !== Phase.SENT) return Promise.reject(new SluiceError(SluiceErrorCode.RESPONSE_ENDED, 'write() after the tunnel closed'));
      if (this.#aborted) return Promise.reject(this.#closedError());
      this.#sent += buf.length;
      const framed = this.#framer(buf, mode);
      if (!Array.isArray(framed)) return this.#backend.sendData(framed, false);
      // Frame header and payload go down as they are: one payload broadcast to many tunnels is never copied per tunnel.
      const last = framed.length - 1;
      for (let i = 0; i < last; i++) this.#backend.sendData(framed[i]!, false).catch(() => {}); // the last write's promise reports failures
      return this.#backend.sendData(framed[last] ?? Buffer.alloc(0), false);
    }
    const end = mode === WriteMode.HTTP_FINAL;
    if (this.#phase === Phase.BUILDING) return Promise.reject(new SluiceError(SluiceErrorCode.HEADERS_NOT_SENT, 'write() before finalizeHeaders()'));
    if (this.#phase === Phase.ENDED) {
      if (this.#noBody && this.request.method === 'HEAD') return Promise.resolve();
      if (this.#noBody && buf.length === 0) return Promise.resolve();
      if (this.#noBody) return Promise.reject(new SluiceError(SluiceErrorCode.BODY_NOT_ALLOWED, `a ${this.#status} response has no body`));
      return Promise.reject(new SluiceError(SluiceErrorCode.RESPONSE_ENDED, 'write() after the response ended'));
    }
    if (this.#aborted) return Promise.reject(this.#closedError());
    const total = this.#written + buf.length;
    if (this.#declaredLength >= 0 && (total > this.#declaredLength || (end && total < this.#declaredLength))) {
      if (end) this.abort();
      return Promise.reject(
        new SluiceError(SluiceErrorCode.CONTENT_LENGTH_MISMATCH, `body of ${end ? '' : 'at least '}${total} bytes does not match content-length ${this.#declaredLength}`),
      );
    }
    this.#written = total;
    if (this.request.method !== 'HEAD') this.#sent += buf.length;
    if (!end) return this.#backend.sendData(buf, false, flushed);
    this.#phase = Phase.ENDED;
    const sent = this.#backend.sendData(buf, true, flushed);
    sent.then(
      () => this.#finish(),
      () => this.#finish(),
    );
    return sent;
  }

  /** `write(data, HTTP_FINAL)`. */
  end(data: Buffer | string = Buffer.alloc(0)): Promise<void> {
    return this.write(data, WriteMode.HTTP_FINAL);
  }

  /** A whole response in one call: status, headers, body (content-length set from it). */
  async respond(status: number, headers: Record<string, string | number> | HeaderList = {}, body: Buffer | string = ''): Promise<void> {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    this.status(status).headers(headers);
    if (this.#declaredLength < 0 && status !== 204 && status !== 304) this.headerByToken(Token.CONTENT_LENGTH, buf.length);
    this.finalizeHeaders();
    if (!this.ended) await this.write(buf, WriteMode.HTTP_FINAL);
  }

  /** lws_get_peer_write_allowance(): octets the peer accepts now (h2 tx credit); Infinity on HTTP/1. */
  peerWriteAllowance(): number {
    return this.#aborted ? 0 : this.#backend.allowance();
  }

  /** The writable event handler (lws SERVER_WRITEABLE). */
  onWritable(listener: () => void): this {
    this.#writableListener = listener;
    return this;
  }

  /** Arm one writable event: it fires when the peer's credit is above zero and the socket can take more. */
  requestWritable(): void {
    if (this.#aborted || this.#phase === Phase.ENDED) return;
    this.#backend.requestWritable();
  }

  /** Run `listener` if the exchange dies early (peer reset, connection lost). */
  onAbort(listener: (reason: Error) => void): this {
    if (this.#aborted) listener(this.#aborted);
    else this.#abortListeners.push(listener);
    return this;
  }

  /** Give up on the response: RST_STREAM on HTTP/2, connection close on HTTP/1. */
  abort(): void {
    if (this.#phase === Phase.ENDED && !this.#aborted) {
      this.#backend.abort();
      return;
    }
    this.#phase = Phase.ENDED;
    this.#backend.abort();
  }

  #closedError(): SluiceError {
    return new SluiceError(SluiceErrorCode.STREAM_CLOSED, `the exchange was aborted: ${this.#aborted?.message ?? 'closed'}`);
  }

  #onAbort(reason: Error): void {
    if (this.#aborted) return;
    this.#aborted = reason;
    for (const l of this.#abortListeners.splice(0)) l(reason);
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const l of this.#finishListeners.splice(0)) l();
  }

  #assertBuilding(what: string): void {
    if (this.#phase !== Phase.BUILDING) throw new SluiceError(SluiceErrorCode.HEADERS_SENT, `${what}() after finalizeHeaders()`);
  }

  #has(lowerName: string): boolean {
    const h2 = this.protocol === 'h2';
    return this.#fields.some(([n]) => (h2 ? n : n.toLowerCase()) === lowerName);
  }

  #add(lower: string, wireName: string, value: string | number): void {
    let v = typeof value === 'number' ? String(value) : value;
    if (typeof v !== 'string' || !FIELD_VALUE.test(v)) throw new SluiceError(SluiceErrorCode.INVALID_HEADER, `invalid value for header ${lower}`);
    v = v.trim();
    if (lower === 'content-length') {
      if (!DIGITS.test(v)) throw new SluiceError(SluiceErrorCode.INVALID_HEADER, `content-length must be digits, got ${JSON.stringify(v)}`);
      this.#declaredLength = Number(v);
    } else if (lower === 'date') this.#hasDate = true;
    else if (lower === 'server') this.#hasServer = true;
    if (this.protocol === 'h2' && H2_DROPPED.has(lower)) return;
    this.#fields.push([wireName, v]);
  }
}
