/**
 * A small WebSocket client over HTTP/2 extended CONNECT (RFC 8441) for tests:
 * node:http2 opens the stream (`:method CONNECT`, `:protocol websocket`),
 * ws's Receiver parses the server's frames and ws's Sender builds masked
 * client frames. Several clients may share one HTTP/2 session.
 */
import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import * as wsModule from 'ws';

interface ReceiverLike extends NodeJS.WritableStream {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'conclude', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'ping', listener: (data: Buffer) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: string, listener: (...args: never[]) => void): this;
}

// Named exports of ws's ESM wrapper (its default export is the bare WebSocket class).
const wsLib = wsModule as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number; binaryType: 'nodebuffer' }) => ReceiverLike;
  Sender: { frame(data: Buffer, options: { opcode: number; fin: boolean; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] };
};

/** An HTTP/2 session to `url` that has seen the server's SETTINGS (so `:protocol` may be used). */
export async function connectH2(url: string, options: http2.SecureClientSessionOptions = {}): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(url, options);
  await new Promise<void>((resolve, reject) => {
    session.once('error', reject);
    session.once('remoteSettings', (settings) => {
      session.off('error', reject);
      if (!settings.enableConnectProtocol) reject(new Error('the server does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL'));
      else resolve();
    });
  });
  // A large connection window: only the per-stream window of a stream we stop reading closes.
  session.setLocalWindowSize(64 * 1024 * 1024);
  session.on('error', () => {});
  return session;
}

export interface H2WsEvents {
  message: [text: string, isBinary: boolean];
  close: [code: number, reason: string];
}

export class H2WebSocket extends EventEmitter<H2WsEvents> {
  readonly stream: http2.ClientHttp2Stream;
  readonly #receiver: ReceiverLike;
  #closed = false;
  #closeSent = false;

  private constructor(stream: http2.ClientHttp2Stream) {
    super();
    this.stream = stream;
    this.#receiver = new wsLib.Receiver({ isServer: false, maxPayload: 64 * 1024 * 1024, binaryType: 'nodebuffer' });
    this.#receiver.on('message', (data, isBinary) => this.emit('message', data.toString(), isBinary));
    this.#receiver.on('ping', (data) => this.#write(0xa, data)); // pong
    this.#receiver.on('conclude', (code, reason) => {
      if (!this.#closeSent) this.#sendClose(code === 1005 ? undefined : code);
      this.#finish(code, reason.toString());
    });
    this.#receiver.on('error', (err) => {
      this.stream.close(http2.constants.NGHTTP2_CANCEL);
      this.#finish(1006, err.message);
    });
    stream.on('data', (chunk: Buffer) => this.#receiver.write(chunk));
    stream.on('close', () => this.#finish(1006, 'stream closed'));
    stream.on('error', () => {});
  }

  /** Open a WebSocket on `session`. Rejects with the status if the server refuses. */
  static open(session: http2.ClientHttp2Session, path = '/', protocol: string | null = 'lws-minimal'): Promise<H2WebSocket> {
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':path': path,
      'sec-websocket-version': '13',
    };
    if (protocol) headers['sec-websocket-protocol'] = protocol;
    const stream = session.request(headers, { endStream: false });
    return new Promise((resolve, reject) => {
      stream.once('error', reject);
      stream.once('response', (h) => {
        stream.off('error', reject);
        const status = Number(h[':status']);
        if (status !== 200) {
          stream.close();
          reject(new Error(`extended CONNECT refused with ${status}`));
          return;
        }
        resolve(new H2WebSocket(stream));
      });
    });
  }

  send(text: string): void {
    this.#write(0x1, Buffer.from(text));
  }

  close(code = 1000): void {
    if (!this.#closeSent) this.#sendClose(code);
  }

  /** Stop reading: the stream's receive window is no longer reopened, so the server runs out of credit. */
  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  #sendClose(code: number | undefined): void {
    this.#closeSent = true;
    const payload = Buffer.alloc(code === undefined ? 0 : 2);
    if (code !== undefined) payload.writeUInt16BE(code, 0);
    this.#write(0x8, payload);
  }

  #write(opcode: number, data: Buffer): void {
    if (this.stream.destroyed || this.stream.writableEnded) return;
    for (const part of wsLib.Sender.frame(data, { opcode, fin: true, mask: true, readOnly: true, rsv1: false })) this.stream.write(part);
  }

  #finish(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close', code, reason);
    if (!this.stream.destroyed) this.stream.end();
  }
}
