/**
 * The HTTP/1.1 side of the unified write API: a ResponseBackend that renders
 * the status line and header lines from the same calls the HTTP/2 stream
 * turns into HPACK, frames the body (Content-Length when known, chunked
 * otherwise, close-delimited on HTTP/1.0), and honours socket back-pressure:
 * write() resolves at once while the socket takes more, and on 'drain' when it
 * does not; writable events fire the same way.
 * @module
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { SluiceError, SluiceErrorCode } from '../errors.js';
import type { HeaderList } from '../http/request-body.js';
import type { ResponseBackend } from '../http/transaction.js';

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

export interface H1ResponseContext {
  socket: Socket;
  versionMinor: 0 | 1;
  /** The request asked for (or allows) a persistent connection. */
  keepAlive: boolean;
  /** HEAD: the head describes a body that is never sent. */
  head: boolean;
  /** Called once the response is complete; `reusable` says whether the connection may carry another request. */
  done(reusable: boolean): void;
}

export class H1Response implements ResponseBackend {
  readonly protocol = 'h1' as const;
  onWritable: (() => void) | null = null;
  onAbort: ((reason: Error) => void) | null = null;
  #ctx: H1ResponseContext;
  #chunked = false;
  #closeAfter = false;
  #finished = false;
  #aborted = false;
  #writableArmed = false;
  #headSent = false;

  constructor(ctx: H1ResponseContext) {
    this.#ctx = ctx;
  }

  get finished(): boolean {
    return this.#finished;
  }

  get headSent(): boolean {
    return this.#headSent;
  }

  /** Whether the response's head has asked to close the connection after it. */
  get closesConnection(): boolean {
    return this.#closeAfter;
  }

  sendHead(status: number, fields: HeaderList, endStream: boolean): void {
    const { socket, versionMinor } = this.#ctx;
    this.#headSent = true;
    let hasLength = false;
    let userClose = false;
    let out = `HTTP/1.${versionMinor} ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    for (const [name, value] of fields) {
      const lower = name.toLowerCase();
      if (lower === 'content-length') hasLength = true;
      else if (lower === 'connection') {
        if (/(?:^|,)\s*close\s*(?:,|$)/i.test(value)) userClose = true;
        continue; // we write the one Connection field ourselves
      } else if (lower === 'transfer-encoding') continue; // framing is ours to choose
      out += `${name}: ${value}\r\n`;
    }
    const bodyless = status === 204 || status === 304 || (status >= 100 && status < 200);
    if (!bodyless && !this.#ctx.head && !hasLength) {
      if (endStream) out += 'Content-Length: 0\r\n';
      else if (versionMinor === 1) {
        this.#chunked = true;
        out += 'Transfer-Encoding: chunked\r\n';
      } else this.#closeAfter = true; // HTTP/1.0 without a length: the body ends when we close (RFC 9112 §6.3)
    }
    if (!this.#ctx.keepAlive || userClose) this.#closeAfter = true;
    if (this.#closeAfter) out += 'Connection: close\r\n';
    else if (versionMinor === 0) out += 'Connection: keep-alive\r\n';
    out += '\r\n';
    if (!socket.destroyed && !socket.writableEnded) socket.write(Buffer.from(out, 'latin1'));
    if (endStream) this.#finish();
  }

  sendData(data: Buffer, end: boolean): Promise<void> {
    const { socket } = this.#ctx;
    if (this.#aborted || socket.destroyed || socket.writableEnded) return Promise.reject(new SluiceError(SluiceErrorCode.STREAM_CLOSED, 'the connection is closed'));
    if (this.#ctx.head) {
      if (end) this.#finish();
      return Promise.resolve();
    }
    let ok = true;
    if (this.#chunked) {
      if (data.length > 0) {
        socket.write(`${data.length.toString(16)}\r\n`, 'latin1');
        socket.write(data);
        ok = socket.write(end ? Buffer.concat([CRLF, LAST_CHUNK]) : CRLF);
      } else if (end) ok = socket.write(LAST_CHUNK);
    } else if (data.length > 0) ok = socket.write(data);
    if (end) this.#finish();
    if (ok || end) return Promise.resolve();
    return this.#drained();
  }

  allowance(): number {
    return Infinity;
  }

  requestWritable(): void {
    if (this.#writableArmed || this.#finished || this.#aborted) return;
    this.#writableArmed = true;
    const fire = (): void => {
      this.#writableArmed = false;
      if (!this.#finished && !this.#aborted) this.onWritable?.();
    };
    if (this.#ctx.socket.writableNeedDrain) this.#ctx.socket.once('drain', fire);
    else setImmediate(fire);
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#ctx.socket.destroy();
  }

  /** The connection died under this response. */
  connectionLost(reason: Error): void {
    if (this.#finished || this.#aborted) return;
    this.#aborted = true;
    this.onAbort?.(reason);
  }

  #drained(): Promise<void> {
    const { socket } = this.#ctx;
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        socket.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        socket.off('drain', onDrain);
        reject(new SluiceError(SluiceErrorCode.STREAM_CLOSED, 'the connection closed before the write drained'));
      };
      socket.once('drain', onDrain);
      socket.once('close', onClose);
    });
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#ctx.done(!this.#closeAfter);
  }
}
