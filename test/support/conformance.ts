/**
 * Shared pieces of the HTTP/2 conformance suite (test/h2/conformance-*.test.ts):
 * an application that behaves like the one h2spec is pointed at, and the three
 * verdicts h2spec gives (connection error, stream error, still alive), made
 * strict: an accepted error must carry one of the listed codes, and a
 * connection error must be a GOAWAY followed by the close (RFC 9113 §5.4.1).
 */
import type { Test } from 'tap';
import { ErrorCode, errorCodeName } from '../../lib/h2/errors.js';
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from '../../lib/h2/hpack/huffman-table.js';
import type { HeaderList } from '../../lib/http/request-body.js';
import type { ServerOptions, SluiceServer, Transaction } from '../../lib/index.js';
import { Flag, FrameType, H2Peer, type Frame, type PeerOptions } from './h2-peer.js';
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
