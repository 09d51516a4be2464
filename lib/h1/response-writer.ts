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
const CRLF_LAST_CHUNK = Buffer.concat([CRLF, LAST_CHUNK]);
/** Pieces of a response up to this many octets are joined and written at once (one syscall); larger ones go out as one corked writev. */
const JOIN_MAX = 16 << 10;

/**
 * Writes of one tick leave in one syscall: the socket is corked until the end
 * of the tick (a tunnel that sends several messages in a tick, e.g. a chat
 * broadcast, then costs one writev instead of one write each).
 */
function writeAll(socket: Socket, head: Buffer | null, parts: Buffer[]): boolean {
  if (!socket.writableCorked) {
    socket.cork();
    process.nextTick(uncorkSocket, socket);
  }
  if (head) parts.unshift(head);
  if (parts.length === 1) return socket.write(parts[0]!);
  let total = 0;
  for (const p of parts) total += p.length;
  if (total <= JOIN_MAX) return socket.write(Buffer.concat(parts, total));
  let ok = true;
  for (const p of parts) ok = socket.write(p);
  return ok;
}

function uncorkSocket(socket: Socket): void {
  socket.uncork();
}

function flushHeldHeadAndUncork(response: H1Response, socket: Socket): void {
  response.flushHeldHead();
  socket.uncork();
}

/** Buffer's latin1 writer without the argument checks of `buf.write(s, offset, 'latin1')` (a third of renderHead's time). */
const latin1Write: (buf: Buffer, s: string, offset: number) => number =
  typeof (Buffer.prototype as { latin1Write?: unknown }).latin1Write === 'function'
    ? (buf, s, offset) => (buf as unknown as { latin1Write(s: string, o: number): number }).latin1Write(s, offset)
    : (buf, s, offset) => buf.write(s, offset, 'latin1');

/** A response head waiting to be rendered: the fields as the Transaction gave them, and the lines we add. */
interface PendingHead {
  statusLine: string;
  fields: HeaderList;
  /** Indexes of fields we leave out (Connection, Transfer-Encoding: ours to write), or null. */
  skip: number[] | null;
  /** Our framing lines and the blank line that ends the head. */
  tail: string;
}

const statusLines = new Map<number, string>();
function statusLine(versionMinor: 0 | 1, status: number): string {
  const key = status * 2 + versionMinor;
  let line = statusLines.get(key);
  if (line === undefined) {
    line = `HTTP/1.${versionMinor} ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    if (statusLines.size < 1024) statusLines.set(key, line);
  }
  return line;
}

/**
 * The head's octets in one buffer with `room` spare octets after it (for the body). Field
 * names and values are latin1 (the Transaction validated them), so the string's length is its
 * length on the wire. (One string and one write measured 2.5x faster than a write per piece.)
 */
function renderHead(h: PendingHead, room: number): { buf: Buffer; end: number } {
  const { fields, skip } = h;
  let head = h.statusLine;
  for (let i = 0; i < fields.length; i++) {
    if (skip?.includes(i)) continue;
    const f = fields[i]!;
    head += f[0] + ': ' + f[1] + '\r\n';
  }
  head += h.tail;
  const buf = Buffer.allocUnsafe(head.length + room);
  return { buf, end: latin1Write(buf, head, 0) };
}

export interface H1ResponseContext {
  socket: Socket;
  versionMinor: 0 | 1;
  /** The request asked for (or allows) a persistent connection. */
  keepAlive: boolean;
  /** HEAD: the head describes a body that is never sent. */
  head: boolean;
  /** Called once the response is complete; `reusable` says whether the connection may carry another request. */
  done(reusable: boolean): void;
  /** Called when the head goes out; `tunnel` when it was a 101 that hands the connection to another protocol. */
  headSent?(tunnel: boolean): void;
  /** A write waiting for 'drain' while the peer reads nothing for this long destroys the connection (default: never). */
  sendStallTimeoutMs?: number;
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
  #pendingHead: PendingHead | null = null;

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
    let skip: number[] | null = null;
    for (let i = 0; i < fields.length; i++) {
      const [name, value] = fields[i]!;
      // Only the three names below matter here; lowercasing just their lengths (10, 14, 17) spares a string per header.
      const lower = name.length === 10 || name.length === 14 || name.length === 17 ? name.toLowerCase() : '';
      if (lower === 'content-length') hasLength = true;
      else if (lower === 'connection') {
        if (/(?:^|,)\s*close\s*(?:,|$)/i.test(value)) userClose = true;
        (skip ??= []).push(i); // we write the one Connection field ourselves
      } else if (lower === 'transfer-encoding') (skip ??= []).push(i); // framing is ours to choose
    }
    let tail = '';
    const bodyless = status === 204 || status === 304 || (status >= 100 && status < 200);
    if (!bodyless && !this.#ctx.head && !hasLength) {
      if (endStream) tail += 'Content-Length: 0\r\n';
      else if (versionMinor === 1) {
        this.#chunked = true;
        tail += 'Transfer-Encoding: chunked\r\n';
      } else this.#closeAfter = true; // HTTP/1.0 without a length: the body ends when we close (RFC 9112 §6.3)
    }
    if (!this.#ctx.keepAlive || userClose) this.#closeAfter = true;
    if (this.#closeAfter) tail += 'Connection: close\r\n';
    else if (versionMinor === 0) tail += 'Connection: keep-alive\r\n';
    tail += '\r\n';
    if (!socket.destroyed && !socket.writableEnded) {
      const head: PendingHead = { statusLine: statusLine(versionMinor, status), fields, skip, tail };
      // A head with a body to follow waits for the body's first write of this tick: a small response leaves in one write.
      if (endStream) socket.write(renderHead(head, 0).buf);
      else this.#holdHead(head);
    }
    this.#ctx.headSent?.(false);
    if (endStream) this.#finish();
  }

  /** 101 Switching Protocols (RFC 9110 §15.2.2): from here on the body is the tunnel's raw bytes, and ending it closes the connection. */
  startTunnel(fields: HeaderList): void {
    const { socket } = this.#ctx;
    this.#headSent = true;
    this.#closeAfter = true;
    let out = 'HTTP/1.1 101 Switching Protocols\r\n';
    for (const [name, value] of fields) if (name.toLowerCase() !== 'connection') out += `${name}: ${value}\r\n`;
    out += 'Connection: Upgrade\r\n\r\n';
    if (!socket.destroyed && !socket.writableEnded) socket.write(Buffer.from(out, 'latin1'));
    this.#ctx.headSent?.(true);
  }

  sendData(data: Buffer, end: boolean): Promise<void> {
    const { socket } = this.#ctx;
    if (this.#aborted || socket.destroyed || socket.writableEnded) return Promise.reject(new SluiceError(SluiceErrorCode.STREAM_CLOSED, 'the connection is closed'));
    if (this.#ctx.head) {
      if (end) this.#finish();
      return Promise.resolve();
    }
    const pending = this.#takeHead();
    let ok = true;
    if (pending && !this.#chunked && data.length > 0 && data.length <= JOIN_MAX) {
      // The common small response: head and body rendered into one buffer, one write.
      const { buf, end: at } = renderHead(pending, data.length);
      data.copy(buf, at);
      ok = writeAll(socket, null, [buf]);
      if (end) this.#finish();
      return ok || end ? Promise.resolve() : this.#drained();
    }
    const head = pending && renderHead(pending, 0).buf;
    if (this.#chunked && data.length > 0) ok = writeAll(socket, head, [Buffer.from(`${data.length.toString(16)}\r\n`, 'latin1'), data, end ? CRLF_LAST_CHUNK : CRLF]);
    else if (this.#chunked && end) ok = writeAll(socket, head, [LAST_CHUNK]);
    else if (data.length > 0) ok = writeAll(socket, head, [data]);
    else if (head) ok = socket.write(head);
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
    const { socket, sendStallTimeoutMs: stallMs } = this.#ctx;
    return new Promise((resolve, reject) => {
      // Progress is what the socket flushed; a slow reader moves it, a peer that reads nothing does not.
      const flushed = (): number => (socket.bytesWritten ?? 0) - socket.writableLength;
      let last = flushed();
      let since = Date.now();
      const watch =
        stallMs !== undefined && Number.isFinite(stallMs)
          ? setInterval(() => {
              const now = flushed();
              if (now !== last) {
                last = now;
                since = Date.now();
              } else if (Date.now() - since >= stallMs) socket.destroy();
            }, Math.max(10, stallMs / 4))
          : null;
      watch?.unref();
      const onDrain = (): void => {
        if (watch) clearInterval(watch);
        socket.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        if (watch) clearInterval(watch);
        socket.off('drain', onDrain);
        reject(new SluiceError(SluiceErrorCode.STREAM_CLOSED, 'the connection closed before the write drained'));
      };
      socket.once('drain', onDrain);
      socket.once('close', onClose);
    });
  }

  /** Hold the head until the body's first write (see sendHead); written alone at the end of the tick if none comes. */
  #holdHead(head: PendingHead): void {
    this.#pendingHead = head;
    const { socket } = this.#ctx;
    if (!socket.writableCorked) {
      // The usual case: this response corks the socket for the tick, and the one end-of-tick
      // callback writes the head if no body came, then uncorks (no second callback per response).
      socket.cork();
      process.nextTick(flushHeldHeadAndUncork, this, socket);
      return;
    }
    queueMicrotask(() => this.flushHeldHead()); // corked by an earlier response of this tick: its uncork comes first
  }

  /** Write the held head alone (no body write came in its tick). */
  flushHeldHead(): void {
    const held = this.#takeHead();
    const { socket } = this.#ctx;
    if (held && !socket.destroyed && !socket.writableEnded) socket.write(renderHead(held, 0).buf);
  }

  #takeHead(): PendingHead | null {
    const head = this.#pendingHead;
    this.#pendingHead = null;
    return head;
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#ctx.done(!this.#closeAfter);
  }
}
