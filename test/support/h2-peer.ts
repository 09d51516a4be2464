/**
 * A raw HTTP/2 client for tests: it speaks frames byte by byte, so tests can
 * send what real clients never would and see exactly what the server sends
 * back, including how much DATA it sends against how much credit it was given.
 */
import net from 'node:net';
import tls from 'node:tls';
import { Flag, FrameType, SettingsId } from '../../lib/h2/frame/constants.js';
import { encodeFrame, encodeHeaderBlock } from '../../lib/h2/frame/encode.js';
import { FrameReader } from '../../lib/h2/frame/frame-reader.js';
import { HpackDecoder, HpackEncoder } from '../../lib/h2/hpack/index.js';

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
  /** Decoded header list, on the frame that ends a header block. */
  headers?: Array<[string, string]>;
  /** Set instead of `headers` when the server's header block did not decode (an HPACK bug on its side). */
  decodeError?: Error;
}

/** What ended a wait for an error: RST_STREAM, GOAWAY, or the socket closing with neither. */
export interface ErrorOutcome {
  kind: 'stream' | 'connection' | 'closed';
  /** Error code of the RST_STREAM or GOAWAY; null when the connection closed without one. */
  code: number | null;
  /** The GOAWAY's last stream id. */
  lastStreamId?: number;
}

export interface PeerOptions {
  /** SETTINGS sent in the preface. */
  settings?: Array<[number, number]>;
  /** Skip the preface and SETTINGS exchange (tests of the preface itself). */
  raw?: boolean;
  /** Connect with TLS and ALPN "h2" (the certificate is not checked). */
  tls?: boolean;
}

export class H2Peer {
  readonly frames: Frame[] = [];
  /** Every chunk the server sent, as received (tests of bits the frame reader masks, like R). */
  readonly received: Buffer[] = [];
  readonly encoder = new HpackEncoder();
  readonly decoder = new HpackDecoder({ maxHeaderListSize: Infinity });
  /** Server SETTINGS as received. */
  serverSettings = new Map<number, number>();
  closed = false;
  #reader = new FrameReader(16_777_215);
  #waiters: Array<() => void> = [];
  #block: { streamId: number; parts: Buffer[] } | null = null;
  /** Frames already returned by next(): each is returned once. */
  #taken = new Set<Frame>();
  #pings = 0;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      this.#reader.push(chunk);
      let f;
      while ((f = this.#reader.next()) !== null) this.#onFrame({ ...f });
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number, options: PeerOptions = {}): Promise<H2Peer> {
    const socket = options.tls ? tls.connect({ port, host: '127.0.0.1', ALPNProtocols: ['h2'], rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once(options.tls ? 'secureConnect' : 'connect', resolve).once('error', reject));
    socket.setNoDelay(true);
    const peer = new H2Peer(socket);
    if (!options.raw) await peer.handshake(options.settings ?? []);
    return peer;
  }

  /** Preface + SETTINGS, wait for the server's SETTINGS, ACK it, and wait for the ACK of ours. */
  async handshake(settings: Array<[number, number]>): Promise<void> {
    this.write(PREFACE);
    this.settings(settings);
    const server = await this.next((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0);
    for (let i = 0; i + 6 <= server.payload.length; i += 6) this.serverSettings.set(server.payload.readUInt16BE(i), server.payload.readUInt32BE(i + 2));
    this.write(encodeFrame(FrameType.SETTINGS, Flag.ACK, 0));
    await this.next((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0);
  }

  #onFrame(f: Frame): void {
    if (f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0) {
      for (let i = 0; i + 6 <= f.payload.length; i += 6) this.serverSettings.set(f.payload.readUInt16BE(i), f.payload.readUInt32BE(i + 2));
    }
    if (f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION) {
      if (f.type === FrameType.HEADERS) {
        let p = f.payload;
        if (f.flags & Flag.PADDED) p = p.subarray(1, p.length - p[0]!);
        if (f.flags & Flag.PRIORITY) p = p.subarray(5);
        this.#block = { streamId: f.streamId, parts: [p] };
      } else this.#block?.parts.push(f.payload);
      if (f.flags & Flag.END_HEADERS && this.#block) {
        try {
          f.headers = this.decoder.decode(Buffer.concat(this.#block.parts)).headers;
        } catch (err) {
          f.decodeError = err as Error;
        }
        this.#block = null;
      }
    }
    this.frames.push(f);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  write(data: Buffer): void {
    this.socket.write(data);
  }

  frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): void {
    this.write(encodeFrame(type, flags, streamId, payload));
  }

  settings(params: Array<[number, number]>): void {
    const p = Buffer.alloc(params.length * 6);
    params.forEach(([id, v], i) => {
      p.writeUInt16BE(id, i * 6);
      p.writeUInt32BE(v, i * 6 + 2);
    });
    this.frame(FrameType.SETTINGS, 0, 0, p);
  }

  /** Encode a header block with this peer's HPACK context. */
  block(headers: Array<[string, string]>): Buffer {
    return this.encoder.encode(headers);
  }

  headers(streamId: number, headers: Array<[string, string]>, opts: { endStream?: boolean; endHeaders?: boolean } = {}): void {
    const block = this.block(headers);
    let flags = opts.endHeaders === false ? 0 : Flag.END_HEADERS;
    if (opts.endStream) flags |= Flag.END_STREAM;
    if (opts.endHeaders === false) this.frame(FrameType.HEADERS, flags, streamId, block);
    else this.write(encodeHeaderBlock(streamId, block, opts.endStream ?? false, 16_384));
  }

  /** A GET for `path` (or any method) with the usual pseudo-headers. */
  request(streamId: number, path = '/', opts: { method?: string; endStream?: boolean; extra?: Array<[string, string]> } = {}): void {
    const h: Array<[string, string]> = [
      [':method', opts.method ?? 'GET'],
      [':scheme', 'http'],
      [':authority', 'localhost'],
      [':path', path],
      ...(opts.extra ?? []),
    ];
    this.headers(streamId, h, { endStream: opts.endStream ?? true });
  }

  data(streamId: number, data: Buffer | string, endStream = false): void {
    this.frame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, Buffer.from(data));
  }

  windowUpdate(streamId: number, increment: number): void {
    const p = Buffer.alloc(4);
    p.writeUInt32BE(increment);
    this.frame(FrameType.WINDOW_UPDATE, 0, streamId, p);
  }

  rst(streamId: number, code: number): void {
    const p = Buffer.alloc(4);
    p.writeUInt32BE(code);
    this.frame(FrameType.RST_STREAM, 0, streamId, p);
  }

  ping(opaque: Buffer = Buffer.from('sluice!!')): void {
    this.frame(FrameType.PING, 0, 0, opaque);
  }

  /**
   * The earliest frame matching `pred` that next() has not returned yet, waiting for it if needed.
   * Rejects if the connection closes or `timeoutMs` passes first.
   */
  async next(pred: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    let scanned = 0;
    for (;;) {
      for (; scanned < this.frames.length; scanned++) {
        const f = this.frames[scanned]!;
        if (!this.#taken.has(f) && pred(f)) {
          this.#taken.add(f);
          return f;
        }
      }
      if (this.closed) throw new Error('connection closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The GOAWAY the server sends (its error code), failing if a different frame type ends the wait. */
  async goaway(timeoutMs = 5000): Promise<{ lastStreamId: number; errorCode: number; debug: string }> {
    const f = await this.next((x) => x.type === FrameType.GOAWAY, timeoutMs);
    return { lastStreamId: f.payload.readUInt32BE(0), errorCode: f.payload.readUInt32BE(4), debug: f.payload.subarray(8).toString() };
  }

  /** The RST_STREAM on `streamId` (its error code). */
  async rstCode(streamId: number, timeoutMs = 5000): Promise<number> {
    const f = await this.next((x) => x.type === FrameType.RST_STREAM && x.streamId === streamId, timeoutMs);
    return f.payload.readUInt32BE(0);
  }

  /**
   * Whatever error the server raises next: a stream error (RST_STREAM on `streamId`)
   * or a connection error (GOAWAY). h2spec-style tests accept either where the RFC does.
   */
  async error(streamId: number, timeoutMs = 5000): Promise<{ kind: 'stream' | 'connection'; code: number }> {
    const f = await this.next((x) => x.type === FrameType.GOAWAY || (x.type === FrameType.RST_STREAM && x.streamId === streamId), timeoutMs);
    return { kind: f.type === FrameType.GOAWAY ? 'connection' : 'stream', code: f.payload.readUInt32BE(f.type === FrameType.GOAWAY ? 4 : 0) };
  }

  /** Resolves once the server has closed the connection. */
  async closedByServer(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Response headers and body of one stream, once it ends. */
  async response(streamId: number, timeoutMs = 5000): Promise<{ headers: Array<[string, string]>; status: number; body: Buffer }> {
    const isHead = (f: Frame): boolean => f.streamId === streamId && f.headers !== undefined;
    const head = this.frames.find(isHead) ?? (await this.next(isHead, timeoutMs));
    const status = Number(head.headers!.find(([n]) => n === ':status')?.[1]);
    const parts: Buffer[] = [];
    let ended = (head.flags & Flag.END_STREAM) !== 0;
    while (!ended) {
      const f = await this.next((x) => x.streamId === streamId && (x.type === FrameType.DATA || x.type === FrameType.HEADERS || x.type === FrameType.RST_STREAM), timeoutMs);
      if (f.type === FrameType.RST_STREAM) throw new Error(`stream ${streamId} reset with ${f.payload.readUInt32BE(0)}`);
      if (f.type === FrameType.DATA) parts.push(f.payload);
      ended = (f.flags & Flag.END_STREAM) !== 0;
    }
    return { headers: head.headers!, status, body: Buffer.concat(parts) };
  }

  /** The next SETTINGS frame with ACK (the server applied our last SETTINGS). */
  settingsAck(timeoutMs = 5000): Promise<Frame> {
    return this.next((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0, timeoutMs);
  }

  /**
   * A PING round trip with a fresh payload: once its ACK is back, the server has
   * processed everything sent before it, and every frame it sent in reply is in `frames`.
   */
  async sync(timeoutMs = 5000): Promise<Frame> {
    const opaque = Buffer.alloc(8);
    opaque.write('sync', 0, 'latin1');
    opaque.writeUInt32BE(++this.#pings, 4);
    this.ping(opaque);
    return this.next((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0 && f.payload.equals(opaque), timeoutMs);
  }

  /**
   * h2spec's view of an error: the next RST_STREAM on `streamId` (on any stream when null),
   * GOAWAY, or the connection closing with neither. Other frames are skipped.
   */
  async outcome(streamId: number | null, timeoutMs = 5000): Promise<ErrorOutcome> {
    try {
      const f = await this.next((x) => x.type === FrameType.GOAWAY || (x.type === FrameType.RST_STREAM && (streamId === null || x.streamId === streamId)), timeoutMs);
      if (f.type === FrameType.RST_STREAM) return { kind: 'stream', code: f.payload.readUInt32BE(0) };
      return { kind: 'connection', code: f.payload.readUInt32BE(4), lastStreamId: f.payload.readUInt32BE(0) & 0x7fff_ffff };
    } catch (err) {
      if (this.closed) return { kind: 'closed', code: null };
      throw err;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

export { Flag, FrameType, SettingsId };
