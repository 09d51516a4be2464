/**
 * A WebSocket client over HTTP/2 extended CONNECT (RFC 8441) for tests:
 * node:http2 for the stream, ws's Sender.frame (masked) and Receiver
 * (isServer: false) for the frames.
 */
import http2 from 'node:http2';
import { Receiver, Sender } from '../../../lib/ws/ws-lib.js';
import { OP } from './frames.js';

export interface Received {
  data: Buffer;
  isBinary: boolean;
}

/** Connect and wait for the server's SETTINGS (node refuses :protocol until ENABLE_CONNECT_PROTOCOL is seen). */
export async function h2Connect(port: number, settings: http2.Settings = {}, tls = false): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(`${tls ? 'https' : 'http'}://127.0.0.1:${port}`, { settings, ...(tls && { rejectUnauthorized: false }) });
  session.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    session.once('remoteSettings', () => resolve());
    session.once('error', reject);
  });
  return session;
}

export class H2WsClient {
  readonly stream: http2.ClientHttp2Stream;
  readonly headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader;
  readonly #receiver = new Receiver({ isServer: false, maxPayload: 0 });
  readonly #messages: Received[] = [];
  readonly #waiters: Array<(m: Received) => void> = [];
  readonly pongs: Buffer[] = [];
  /** The server's close frame (code, reason), once received. */
  closeFrame: { code: number; reason: string } | null = null;
  readonly ended: Promise<void>;

  private constructor(stream: http2.ClientHttp2Stream, headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader) {
    this.stream = stream;
    this.headers = headers;
    this.#receiver.on('message', (data: Buffer, isBinary: boolean) => {
      const m = { data, isBinary };
      const w = this.#waiters.shift();
      if (w) w(m);
      else this.#messages.push(m);
    });
    this.#receiver.on('pong', (d: Buffer) => this.pongs.push(d));
    this.#receiver.on('conclude', (code: number, reason: Buffer) => {
      this.closeFrame = { code, reason: reason.toString() };
    });
    this.#receiver.on('error', () => {});
    stream.on('data', (c: Buffer) => {
      if (this.closeFrame === null) this.#receiver.write(c);
    });
    this.ended = new Promise((resolve) => {
      stream.once('end', () => resolve());
      stream.once('close', () => resolve());
    });
  }

  /** Open a WebSocket stream; resolves with the client on any response (check `status`). */
  static open(
    session: http2.ClientHttp2Session,
    opts: { path?: string; protocols?: string[]; version?: string; scheme?: string; extraHeaders?: Record<string, string> } = {},
  ): Promise<H2WsClient> {
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': opts.scheme ?? 'http',
      ':path': opts.path ?? '/',
      ':authority': 'localhost',
      'sec-websocket-version': opts.version ?? '13',
      ...opts.extraHeaders,
    };
    if (opts.protocols) headers['sec-websocket-protocol'] = opts.protocols.join(', ');
    const stream = session.request(headers, { endStream: false });
    return new Promise((resolve, reject) => {
      stream.once('response', (h) => resolve(new H2WsClient(stream, h)));
      stream.once('error', reject);
    });
  }

  get status(): number {
    return Number(this.headers[':status']);
  }

  /** Send one masked frame. */
  frame(opcode: number, payload: Buffer | string, fin = true): void {
    const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
    this.stream.write(Buffer.concat(Sender.frame(Buffer.from(data), { opcode, fin, mask: true, readOnly: false })));
  }

  send(payload: Buffer | string): void {
    this.frame(typeof payload === 'string' ? OP.TEXT : OP.BINARY, payload);
  }

  close(code = 1000, reason = ''): void {
    const r = Buffer.from(reason);
    const p = Buffer.alloc(2 + r.length);
    p.writeUInt16BE(code, 0);
    r.copy(p, 2);
    this.frame(OP.CLOSE, p);
  }

  next(ms = 10_000): Promise<Received> {
    const m = this.#messages.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message in time')), ms);
      this.#waiters.push((msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
    });
  }

  /** Body text of a refused (non-200) response. */
  async text(): Promise<string> {
    let s = '';
    for await (const c of this.stream) s += (c as Buffer).toString();
    return s;
  }
}
