/**
 * Shared pieces of the HTTP/2 conformance suite (test/h2/conformance-*.test.ts):
 * an application that behaves like the one h2spec is pointed at, and the three
 * verdicts h2spec gives (connection error, stream error, still alive), made
 * strict: an accepted error must carry one of the listed codes, and a
 * connection error must be a GOAWAY followed by the close (RFC 9113 §5.4.1).
 */
import type { Test } from 'tap';
import { ErrorCode, errorCodeName } from '../../lib/h2/errors.js';
import { encodeFrame } from '../../lib/h2/frame/encode.js';
import { FrameReader } from '../../lib/h2/frame/frame-reader.js';
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from '../../lib/h2/hpack/huffman-table.js';
import { STATIC_NAMES, STATIC_TABLE_LENGTH, staticFieldIndex } from '../../lib/h2/hpack/static-table.js';
import type { HeaderList } from '../../lib/http/request-body.js';
import type { ServerOptions, SluiceServer, Transaction } from '../../lib/index.js';
import { Flag, FrameType, H2Peer, PREFACE, SettingsId, type Frame, type PeerOptions } from './h2-peer.js';
import { start } from './server.js';

export { ErrorCode };

/** The body of every plain response (more than the 5 octets h2spec's flow-control cases need). */
export const BODY = 'conformance response body\n';

/** What the application saw of one request that reached it. */
export interface Seen {
  method: string;
  path: string;
  headers: HeaderList;
  /** `Request.header('cookie')`: what an application reads. */
  cookie: string | undefined;
  body: Buffer | null;
  trailers: HeaderList | null;
}

/**
 * The application under test. Every request that reaches it is recorded in `seen`.
 * - a request with a body: the body is read to its end first (so the stream stays
 *   open while the peer sends), then 200 with BODY;
 * - CONNECT: 200, and the stream stays open (a tunnel);
 * - `/hold`: never answers (a stream that stays open until the test ends);
 * - `/big?n=N`: 200 with N octets of 'a';
 * - `/header?n=N`: 200 with an `x-big` header of N octets (a header block above one frame);
 * - anything else: 200 with BODY.
 */
export function application(seen: Seen[]) {
  return async (tx: Transaction): Promise<void> => {
    const r = tx.request;
    const entry: Seen = { method: r.method, path: r.path, headers: r.rawHeaders, cookie: r.header('cookie'), body: null, trailers: null };
    seen.push(entry);
    if (r.method === 'CONNECT') {
      tx.status(200).finalizeHeaders(); // the tunnel is up; it stays open
      return;
    }
    if (r.pathname === '/hold') {
      await new Promise<void>((resolve) => tx.onAbort(() => resolve()));
      return;
    }
    if (r.hasBody) {
      entry.body = await r.body.bytes();
      entry.trailers = r.body.trailers;
    }
    const n = Number(new URLSearchParams(r.search).get('n') ?? '0');
    if (r.pathname === '/big') return tx.respond(200, { 'content-type': 'application/octet-stream' }, Buffer.alloc(n, 0x61));
    if (r.pathname === '/header') return tx.respond(200, { 'content-type': 'text/plain', 'x-big': 'b'.repeat(n) }, BODY);
    return tx.respond(200, { 'content-type': 'text/plain' }, BODY);
  };
}

export interface Served {
  server: SluiceServer;
  peer: H2Peer;
  port: number;
  seen: Seen[];
}

/** A server running `application` (or `handler`), and a raw peer connected to it (preface and SETTINGS exchanged unless `raw`). */
export async function serve(
  t: Test,
  opts: PeerOptions & { server?: Partial<ServerOptions>; handler?: (tx: Transaction) => void | Promise<void> } = {},
): Promise<Served> {
  const seen: Seen[] = [];
  const { server, port } = await start(t, opts.handler ?? application(seen), opts.server ?? {});
  const peer = await H2Peer.connect(port, opts);
  t.teardown(() => peer.close());
  return { server, peer, port, seen };
}

/** h2spec's request: :method, :scheme, :path, :authority (host:port), in that order. */
export function commonHeaders(port: number, method = 'GET', path = '/'): Array<[string, string]> {
  return [
    [':method', method],
    [':scheme', 'http'],
    [':path', path],
    [':authority', `127.0.0.1:${port}`],
  ];
}

/** HEADERS carrying `block` as one frame with the given flags (END_HEADERS is not implied). */
export function headersFrame(peer: H2Peer, streamId: number, flags: number, block: Buffer): void {
  peer.frame(FrameType.HEADERS, flags, streamId, block);
}

const names = (codes: number[]): string => codes.map(errorCodeName).join(' or ');

/**
 * A connection error with one of `codes` (§5.4.1): the server sends GOAWAY with
 * that code and then closes the connection. Frames before the GOAWAY are ignored.
 */
export async function expectConnectionError(t: Test, peer: H2Peer, codes: number[]): Promise<Frame> {
  const goaway = await peer.next((f) => f.type === FrameType.GOAWAY);
  const code = goaway.payload.readUInt32BE(4);
  t.ok(codes.includes(code), `GOAWAY with ${names(codes)}`, { found: errorCodeName(code), debug: goaway.payload.subarray(8).toString() });
  await peer.closedByServer();
  t.pass('the server closed the connection after GOAWAY');
  return goaway;
}

/**
 * A stream error on `streamId` with one of `codes` (§5.4.2), or, where the RFC lets the
 * endpoint widen it, a connection error with one of them: h2spec's verdict for stream errors.
 */
export async function expectStreamError(t: Test, peer: H2Peer, streamId: number, codes: number[]): Promise<void> {
  const o = await peer.outcome(streamId);
  t.not(o.kind, 'closed', 'RST_STREAM or GOAWAY before the connection closed');
  t.ok(o.code !== null && codes.includes(o.code), `${o.kind === 'stream' ? `RST_STREAM on stream ${streamId}` : 'GOAWAY'} with ${names(codes)}`, {
    found: o.code === null ? null : errorCodeName(o.code),
  });
  if (o.kind === 'connection') await peer.closedByServer();
}

/** Strictly a stream error: RST_STREAM on `streamId` with `code`, and the connection lives on. */
export async function expectRstStream(t: Test, peer: H2Peer, streamId: number, code: number): Promise<void> {
  const o = await peer.outcome(streamId);
  t.same({ kind: o.kind, code: o.code === null ? null : errorCodeName(o.code) }, { kind: 'stream', code: errorCodeName(code) }, `RST_STREAM ${errorCodeName(code)} on stream ${streamId}`);
  await expectAlive(t, peer, []);
}

/**
 * The connection is healthy: a PING round trip completes, and the server sent no
 * GOAWAY and no RST_STREAM (on `streams`, or on any stream when omitted; `[]` checks GOAWAY only).
 */
export async function expectAlive(t: Test, peer: H2Peer, streams?: number[]): Promise<void> {
  await peer.sync();
  const errors = peer.frames.filter(
    (f) => f.type === FrameType.GOAWAY || (f.type === FrameType.RST_STREAM && (streams === undefined || streams.includes(f.streamId))),
  );
  t.same(
    errors.map((f) => `${f.type === FrameType.GOAWAY ? 'GOAWAY' : `RST_STREAM(${f.streamId})`} ${errorCodeName(f.payload.readUInt32BE(f.type === FrameType.GOAWAY ? 4 : 0))}`),
    [],
    'no GOAWAY or RST_STREAM, and PING answered',
  );
}

/** The response HEADERS on `streamId` (h2spec's VerifyHeadersFrame), with its decoded status. */
export async function expectResponseHeaders(t: Test, peer: H2Peer, streamId: number): Promise<Frame> {
  const f = await peer.next((x) => x.type === FrameType.HEADERS && x.streamId === streamId);
  t.equal(f.decodeError, undefined, 'the response header block decodes');
  t.ok(f.headers?.some(([n, v]) => n === ':status' && /^[1-5]\d\d$/.test(v)), `a response on stream ${streamId}`, { headers: f.headers });
  return f;
}

/** The next DATA frame (on `streamId` when given): h2spec waits for one to check its length. */
export function nextData(peer: H2Peer, streamId?: number): Promise<Frame> {
  return peer.next((f) => f.type === FrameType.DATA && (streamId === undefined || f.streamId === streamId));
}

/** A PING ACK carrying exactly `opaque` (h2spec's VerifyPingFrameWithAck: the first PING must be it). */
export async function expectPingAck(t: Test, peer: H2Peer, opaque: Buffer): Promise<void> {
  const f = await peer.next((x) => x.type === FrameType.PING);
  t.equal(f.flags & Flag.ACK, Flag.ACK, 'PING with ACK');
  t.same(f.payload, opaque, 'identical payload');
}

/** Eight octets for PING payloads. */
export function opaque(text: string): Buffer {
  const b = Buffer.alloc(8);
  b.write(text, 'latin1');
  return b;
}

/** A 32-bit big-endian payload (RST_STREAM, WINDOW_UPDATE). */
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** A PRIORITY payload: dependency, exclusive bit, weight (wire value 0..255). */
export function priority(dependency: number, weight: number, exclusive = false): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(((exclusive ? 0x8000_0000 : 0) | dependency) >>> 0);
  b[4] = weight;
  return b;
}

/** A GOAWAY payload. */
export function goawayPayload(lastStreamId: number, code: number, debug = ''): Buffer {
  return Buffer.concat([u32(lastStreamId), u32(code), Buffer.from(debug)]);
}

// --- HPACK (RFC 7541) building blocks: any representation, octet by octet ---

/** §5.1 integer with an N-bit prefix; `flags` are the representation bits above it. */
export function hpackInt(value: number, prefixBits: number, flags: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([flags | value]);
  const out = [flags | max];
  for (value -= max; value >= 128; value = Math.floor(value / 128)) out.push((value % 128) | 0x80);
  out.push(value);
  return Buffer.from(out);
}

/**
 * The Huffman code (Appendix B) of `symbols` (octets, or 256 for EOS), followed by
 * `padding`: the most significant bits of EOS (all ones, the valid padding), zeros,
 * or that plus a whole extra octet of ones (padding longer than 7 bits).
 */
export function huffmanBits(symbols: number[], padding: 'eos' | 'zeros' | 'eos+octet' = 'eos'): Buffer {
  let bits = '';
  for (const s of symbols) bits += HUFFMAN_CODES[s]!.toString(2).padStart(HUFFMAN_LENGTHS[s]!, '0');
  const fill = (8 - (bits.length % 8)) % 8;
  bits += (padding === 'zeros' ? '0' : '1').repeat(fill);
  if (padding === 'eos+octet') bits += '11111111';
  const out = Buffer.alloc(bits.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  return out;
}

/** §5.2 string literal, raw or Huffman-coded. */
export function hpackString(s: string, huffman = false): Buffer {
  const octets = Buffer.from(s, 'latin1');
  const body = huffman ? huffmanBits([...octets]) : octets;
  return Buffer.concat([hpackInt(body.length, 7, huffman ? 0x80 : 0), body]);
}

/** §6.2.2 literal without indexing, name by static index: leaves the dynamic table alone. */
export function literalNoIndex(nameIndex: number, value: string): Buffer {
  return Buffer.concat([hpackInt(nameIndex, 4, 0x00), hpackString(value)]);
}

/**
 * A request header block that uses only the static table and unindexed literals,
 * so the dynamic table is exactly what the test adds to it.
 */
export function plainRequest(port: number, method = 'GET', path = '/'): Buffer {
  const methodIndex = method === 'GET' ? 2 : method === 'POST' ? 3 : 0;
  return Buffer.concat([
    methodIndex ? hpackInt(methodIndex, 7, 0x80) : literalNoIndex(2, method),
    hpackInt(6, 7, 0x80), // :scheme http
    path === '/' ? hpackInt(4, 7, 0x80) : literalNoIndex(4, path),
    literalNoIndex(1, `127.0.0.1:${port}`), // :authority
  ]);
}

// --- h2spec's client, replayed: its HPACK encoder, its frame writer, its verdicts ---

const STATIC_LAST_BY_NAME = new Map<string, number>(STATIC_NAMES.map((n, i) => [n, i] as [string, number]).filter(([, i]) => i > 0));

/** §5.2 string as golang.org/x/net/http2/hpack writes it: Huffman only when strictly shorter. */
function goString(s: string): Buffer {
  const octets = Buffer.from(s, 'latin1');
  let bits = 0;
  for (const o of octets) bits += HUFFMAN_LENGTHS[o]!;
  const huffLength = Math.ceil(bits / 8);
  if (huffLength < octets.length) return Buffer.concat([hpackInt(huffLength, 7, 0x80), huffmanBits([...octets])]);
  return Buffer.concat([hpackInt(octets.length, 7, 0), octets]);
}

/**
 * The HPACK encoder h2spec uses (golang.org/x/net/http2/hpack `Encoder`, 4,096-octet
 * table, never resized): an exact static match is indexed, anything else is a
 * literal with incremental indexing (name by index when the static or dynamic table
 * has it), so a connection's blocks refer to entries its earlier blocks added.
 */
export class GoHpackEncoder {
  /** Dynamic table, newest first. */
  readonly #table: Array<[string, string]> = [];
  #size = 0;
  readonly maxSize = 4096;

  encode(fields: ReadonlyArray<readonly [string, string]>): Buffer {
    const out: Buffer[] = [];
    for (const [name, value] of fields) {
      const [index, exact] = this.#search(name, value);
      if (exact) {
        out.push(hpackInt(index, 7, 0x80));
        continue;
      }
      const indexing = name.length + value.length + 32 <= this.maxSize;
      if (indexing) this.#add(name, value);
      if (index === 0) out.push(Buffer.from([indexing ? 0x40 : 0x00]), goString(name), goString(value));
      else out.push(hpackInt(index, indexing ? 6 : 4, indexing ? 0x40 : 0x00), goString(value));
    }
    return Buffer.concat(out);
  }

  #search(name: string, value: string): [number, boolean] {
    const s = staticFieldIndex(name, value);
    if (s !== 0) return [s, true];
    const byName = STATIC_LAST_BY_NAME.get(name) ?? 0;
    const exact = this.#table.findIndex(([n, v]) => n === name && v === value);
    if (exact !== -1) return [exact + 1 + STATIC_TABLE_LENGTH, true];
    const named = this.#table.findIndex(([n]) => n === name);
    if (byName === 0 && named !== -1) return [named + 1 + STATIC_TABLE_LENGTH, false];
    return [byName, false];
  }

  #add(name: string, value: string): void {
    this.#table.unshift([name, value]);
    this.#size += name.length + value.length + 32;
    while (this.#size > this.maxSize) {
      const [n, v] = this.#table.pop()!;
      this.#size -= n.length + v.length + 32;
    }
  }
}

/** h2spec's default --max-header-length: the value length of its dummy headers. */
export const H2SPEC_MAX_HEADER_LEN = 4000;

/** h2spec's DummyHeaders: x-dummy0..n-1, each with 4,000 'x'. */
export function dummyHeaders(n: number): Array<[string, string]> {
  return Array.from({ length: n }, (_, i) => [`x-dummy${i}`, 'x'.repeat(H2SPEC_MAX_HEADER_LEN)] as [string, string]);
}

/** What h2spec's event loop sees next: a frame, the connection closing, or its read timing out. */
export type H2specEvent = Frame | 'closed' | 'timeout';

/** A verdict as h2spec gives it: passed, and the last event it saw (for the failure message). */
export interface H2specVerdict {
  passed: boolean;
  actual: string;
}

/** golang.org/x/net/http2 HeadersFrameParam. */
export interface HeadersParam {
  streamId: number;
  block: Buffer;
  endStream: boolean;
  endHeaders: boolean;
  padLength?: number;
  priority?: { dependency: number; exclusive: boolean; weight: number };
}

const describe = (ev: H2specEvent | null): string =>
  ev === null ? 'nothing' : typeof ev === 'string' ? ev : `${Object.keys(FrameType).find((k) => FrameType[k as keyof typeof FrameType] === ev.type) ?? ev.type} frame (flags 0x${ev.flags.toString(16)}, stream ${ev.streamId}${ev.type === FrameType.GOAWAY ? `, ${errorCodeName(ev.payload.readUInt32BE(4))}` : ev.type === FrameType.RST_STREAM ? `, ${errorCodeName(ev.payload.readUInt32BE(0))}` : ''})`;

/**
 * h2spec's `spec.Conn`, replayed octet for octet over a raw socket: the same
 * handshake, the same HPACK encoder, the same frame writer (illegal frames
 * allowed), the same automatic WINDOW_UPDATEs, and the same verifiers. A case
 * written with it sends exactly what h2spec sends and passes exactly when h2spec
 * would, with one stricter rule: the server must send nothing but frames.
 */
export class H2specConn {
  readonly encoder = new GoHpackEncoder();
  /** The server's SETTINGS, as h2spec records them in the handshake. */
  readonly settings = new Map<number, number>();
  readonly #windows = new Map<number, number>([[0, 65_535]]);
  #done = false;
  /** Writes in order, `gapMs` apart: each frame reaches the server on its own. */
  #writes: Promise<void> = Promise.resolve();

  private constructor(
    readonly peer: H2Peer,
    readonly port: number,
    readonly timeoutMs: number,
    readonly gapMs: number,
  ) {}

  /** h2spec's Dial: a TCP connection, nothing sent. `gapMs` > 0 spaces the writes (h2spec writes each frame on its own). */
  static async dial(t: Test, port: number, opts: { timeoutMs?: number; gapMs?: number } = {}): Promise<H2specConn> {
    const peer = await H2Peer.connect(port, { raw: true });
    t.teardown(() => peer.close());
    return new H2specConn(peer, port, opts.timeoutMs ?? 5000, opts.gapMs ?? 0);
  }

  #out(bytes: Buffer): void {
    if (this.gapMs === 0) return this.peer.write(bytes);
    this.#writes = this.#writes.then(() => new Promise<void>((resolve) => setTimeout(() => {
      this.peer.write(bytes);
      resolve();
    }, this.gapMs)));
  }

  #frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): void {
    this.#out(encodeFrame(type, flags, streamId, payload));
  }

  /** h2spec's CommonHeaders: :method GET, :scheme http, :path /, :authority host:port. */
  commonHeaders(): Array<[string, string]> {
    return commonHeaders(this.port);
  }

  /** h2spec's Handshake: preface, SETTINGS_INITIAL_WINDOW_SIZE 65,535, then read until the server's SETTINGS (ACKed) and our ACK. */
  async handshake(): Promise<void> {
    this.send(PREFACE);
    this.writeSettings([[SettingsId.INITIAL_WINDOW_SIZE, 65_535]]);
    let local = false;
    let remote = false;
    while (!(local && remote)) {
      await this.#writes;
      const f = await this.peer.next(() => true, this.timeoutMs);
      if (f.type !== FrameType.SETTINGS) continue;
      if (f.flags & Flag.ACK) local = true;
      else {
        remote = true;
        for (let i = 0; i + 6 <= f.payload.length; i += 6) this.settings.set(f.payload.readUInt16BE(i), f.payload.readUInt32BE(i + 2));
        this.writeSettingsAck();
      }
    }
  }

  encodeHeaders(fields: ReadonlyArray<readonly [string, string]>): Buffer {
    return this.encoder.encode(fields);
  }

  maxFrameSize(): number {
    return this.settings.get(SettingsId.MAX_FRAME_SIZE) ?? 16_384;
  }

  send(bytes: Buffer | string): void {
    this.#out(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  writeData(streamId: number, endStream: boolean, data: Buffer | string, pad?: Buffer | string): void {
    const body = Buffer.from(data);
    if (pad === undefined) return this.#frame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, body);
    const p = Buffer.from(pad);
    this.#frame(FrameType.DATA, (endStream ? Flag.END_STREAM : 0) | Flag.PADDED, streamId, Buffer.concat([Buffer.from([p.length]), body, p]));
  }

  writeHeaders(p: HeadersParam): void {
    const pr = p.priority && (p.priority.dependency !== 0 || p.priority.exclusive || p.priority.weight !== 0) ? p.priority : null;
    const flags = (p.padLength ? Flag.PADDED : 0) | (p.endStream ? Flag.END_STREAM : 0) | (p.endHeaders ? Flag.END_HEADERS : 0) | (pr ? Flag.PRIORITY : 0);
    const parts = [p.padLength ? Buffer.from([p.padLength]) : Buffer.alloc(0), pr ? priority(pr.dependency, pr.weight, pr.exclusive) : Buffer.alloc(0), p.block, Buffer.alloc(p.padLength ?? 0)];
    this.#frame(FrameType.HEADERS, flags, p.streamId, Buffer.concat(parts));
  }

  writePriority(streamId: number, dependency: number, exclusive: boolean, weight: number): void {
    this.#frame(FrameType.PRIORITY, 0, streamId, priority(dependency, weight, exclusive));
  }

  writeRstStream(streamId: number, code: number): void {
    this.#frame(FrameType.RST_STREAM, 0, streamId, u32(code));
  }

  writeSettings(params: Array<[number, number]>): void {
    this.#frame(FrameType.SETTINGS, 0, 0, Buffer.concat(params.map(([id, v]) => Buffer.concat([Buffer.from([id >> 8, id & 0xff]), u32(v)]))));
  }

  writeSettingsAck(): void {
    this.#frame(FrameType.SETTINGS, Flag.ACK, 0);
  }

  writePing(ack: boolean, data: Buffer): void {
    this.#frame(FrameType.PING, ack ? Flag.ACK : 0, 0, data);
  }

  writeGoAway(lastStreamId: number, code: number, debug: Buffer | string): void {
    this.#frame(FrameType.GOAWAY, 0, 0, Buffer.concat([u32(lastStreamId & 0x7fff_ffff), u32(code), Buffer.from(debug)]));
  }

  writeWindowUpdate(streamId: number, increment: number): void {
    this.#frame(FrameType.WINDOW_UPDATE, 0, streamId, u32(increment));
  }

  writeContinuation(streamId: number, endHeaders: boolean, block: Buffer): void {
    this.#frame(FrameType.CONTINUATION, endHeaders ? Flag.END_HEADERS : 0, streamId, block);
  }

  writePushPromise(streamId: number, promiseId: number, endHeaders: boolean, block: Buffer): void {
    this.#frame(FrameType.PUSH_PROMISE, endHeaders ? Flag.END_HEADERS : 0, streamId, Buffer.concat([u32(promiseId), block]));
  }

  /** h2spec's WaitEvent: the next frame (DATA also refills h2spec's windows), the close, or a timeout; the last two end the connection for h2spec. */
  async waitEvent(): Promise<H2specEvent> {
    if (this.#done) return this.peer.closed ? 'closed' : 'timeout';
    await this.#writes;
    try {
      const f = await this.peer.next(() => true, this.timeoutMs);
      if (f.type === FrameType.DATA) this.#refill(f);
      return f;
    } catch {
      this.#done = true;
      return this.peer.closed ? 'closed' : 'timeout';
    }
  }

  #refill(f: Frame): void {
    const len = f.payload.length;
    for (const id of [f.streamId, 0]) {
      const w = (this.#windows.get(id) ?? 65_535) - len;
      if (w <= 0) {
        this.writeWindowUpdate(id, 65_535 - w);
        this.#windows.set(id, 65_535);
      } else this.#windows.set(id, w);
    }
  }

  /** h2spec's WaitEventByType: the next event of that frame type, or failure at the close or a timeout. */
  async waitEventByType(type: number): Promise<{ event: H2specEvent | null; found: boolean }> {
    let last: H2specEvent | null = null;
    for (;;) {
      const ev = await this.waitEvent();
      if (typeof ev !== 'string' && ev.type === type) return { event: ev, found: true };
      if (typeof ev === 'string') return { event: last ?? ev, found: false };
      last = ev;
    }
  }

  /** The loop shared by h2spec's VerifyConnectionClose/Error, VerifyStreamError, VerifyStreamClose, VerifyPingFrameOrConnectionClose. */
  async #until(pass: (ev: H2specEvent) => boolean): Promise<H2specVerdict> {
    let actual: H2specEvent | null = null;
    for (;;) {
      const ev = await this.waitEvent();
      if (pass(ev)) return { passed: true, actual: describe(ev) };
      if (typeof ev === 'string') return { passed: false, actual: describe(actual ?? ev) };
      actual = ev;
    }
  }

  /** h2spec's strict 5.4.1/2: a GOAWAY (any code) arrives before the connection closes. */
  verifyGoAway(): Promise<H2specVerdict> {
    return this.#until((ev) => typeof ev !== 'string' && ev.type === FrameType.GOAWAY);
  }

  /** The loop of h2spec's 6.7/1 and 6.7/2: a PING ACK with `data`; a PING echoing `forbidden` fails at once. */
  async verifyPingAckNot(data: Buffer, forbidden?: Buffer): Promise<H2specVerdict> {
    for (;;) {
      const ev = await this.waitEvent();
      if (typeof ev === 'string') return { passed: false, actual: ev };
      if (ev.type !== FrameType.PING) continue;
      if (forbidden && ev.payload.equals(forbidden)) return { passed: false, actual: `${describe(ev)} echoing the PING ACK` };
      if ((ev.flags & Flag.ACK) !== 0 && ev.payload.equals(data)) return { passed: true, actual: describe(ev) };
    }
  }

  verifyConnectionClose(): Promise<H2specVerdict> {
    return this.#until((ev) => ev === 'closed');
  }

  verifyConnectionError(...codes: number[]): Promise<H2specVerdict> {
    return this.#until((ev) => ev === 'closed' || (typeof ev !== 'string' && ev.type === FrameType.GOAWAY && codes.includes(ev.payload.readUInt32BE(4))));
  }

  verifyStreamError(...codes: number[]): Promise<H2specVerdict> {
    return this.#until(
      (ev) =>
        ev === 'closed' ||
        (typeof ev !== 'string' &&
          ((ev.type === FrameType.GOAWAY && codes.includes(ev.payload.readUInt32BE(4))) || (ev.type === FrameType.RST_STREAM && codes.includes(ev.payload.readUInt32BE(0))))),
    );
  }

  verifyStreamClose(): Promise<H2specVerdict> {
    return this.#until(
      (ev) =>
        typeof ev !== 'string' &&
        (((ev.type === FrameType.DATA || ev.type === FrameType.HEADERS) && (ev.flags & Flag.END_STREAM) !== 0) ||
          (ev.type === FrameType.RST_STREAM && ev.payload.readUInt32BE(0) === ErrorCode.NO_ERROR)),
    );
  }

  verifyPingFrameOrConnectionClose(data: Buffer): Promise<H2specVerdict> {
    return this.#until((ev) => ev === 'closed' || (typeof ev !== 'string' && ev.type === FrameType.PING && (ev.flags & Flag.ACK) !== 0 && ev.payload.equals(data)));
  }

  /** VerifyEventType, and the typed checks built on WaitEventByType (`check` looks at the frame found). */
  async verifyEventType(type: number, check: (f: Frame) => boolean = () => true): Promise<H2specVerdict> {
    const { event, found } = await this.waitEventByType(type);
    return { passed: found && typeof event !== 'string' && event !== null && check(event), actual: describe(event) };
  }

  verifyHeadersFrame(streamId: number): Promise<H2specVerdict> {
    return this.verifyEventType(FrameType.HEADERS, (f) => f.streamId === streamId);
  }

  verifyPingFrameWithAck(data: Buffer): Promise<H2specVerdict> {
    return this.verifyEventType(FrameType.PING, (f) => (f.flags & Flag.ACK) !== 0 && f.payload.equals(data));
  }
}

/**
 * Everything the server sent parses as HTTP/2 frames of defined types, the first
 * being SETTINGS, with no octet left over once the connection is closed: an
 * HTTP/1 answer or stray bytes fail h2spec even where its verdict passed.
 */
export function onlyFrames(peer: H2Peer, firstSettings = true): { ok: boolean; why: string } {
  const bytes = Buffer.concat(peer.received);
  const reader = new FrameReader(16_777_215);
  reader.push(bytes);
  let f;
  let first = true;
  try {
    while ((f = reader.next()) !== null) {
      if (f.type > FrameType.CONTINUATION) return { ok: false, why: `a frame of undefined type 0x${f.type.toString(16)}: ${bytes.toString('latin1', 0, 40)}` };
      if (first && firstSettings && f.type !== FrameType.SETTINGS) return { ok: false, why: `the first frame is of type ${f.type}, not SETTINGS` };
      first = false;
    }
  } catch (err) {
    return { ok: false, why: (err as Error).message };
  }
  if (peer.closed && reader.buffered > 0) return { ok: false, why: `${reader.buffered} octets that are not a whole frame: ${bytes.toString('latin1', 0, 40)}` };
  return { ok: true, why: '' };
}

/** Assert h2spec's verdict, and that the server spoke only HTTP/2 frames. */
export function h2specPassed(t: Test, conn: H2specConn, verdict: H2specVerdict, what: string, firstSettings = true): void {
  t.ok(verdict.passed, what, { actual: verdict.actual });
  const frames = onlyFrames(conn.peer, firstSettings);
  t.ok(frames.ok, 'the server sent only HTTP/2 frames', { why: frames.why });
}

/** An application that answers at once, reading nothing of the request (like the demo's "/"): responses often end before requests do. */
export function answerAtOnce(seen: Seen[]) {
  return (tx: Transaction): Promise<void> => {
    const r = tx.request;
    seen.push({ method: r.method, path: r.path, headers: r.rawHeaders, cookie: r.header('cookie'), body: null, trailers: null });
    return tx.respond(200, { 'content-type': 'text/plain' }, BODY);
  };
}
