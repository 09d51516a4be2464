/**
 * h2spec's "generic" group: what any HTTP/2 server must accept (RFC 9113
 * §3, §5.1, §6, §8.1 and RFC 7541 §6, numbered as h2spec numbers them).
 * h2spec: generic 1 (1 case), 2 (5), 3.1 (3), 3.2 (3), 3.3 (5), 3.4 (1),
 * 3.5 (1), 3.7 (1), 3.8 (1), 3.9 (2), 3.10 (2), 4 (4), 5 (15).
 */
import t from 'tap';
import type { Test } from 'tap';
import { Flag, FrameType, PREFACE, SettingsId, type H2Peer } from '../support/h2-peer.js';
import {
  ErrorCode,
  commonHeaders,
  expectPingAck,
  expectResponseHeaders,
  goawayPayload,
  headersFrame,
  hpackInt,
  hpackString,
  nextData,
  opaque,
  plainRequest,
  priority,
  serve,
  type Seen,
} from '../support/conformance.js';

const END = Flag.END_STREAM | Flag.END_HEADERS;
const USER_AGENT = 58; // RFC 7541 Appendix A

/** h2spec's VerifyStreamClose. */
async function streamClosed(peer: H2Peer, streamId: number): Promise<void> {
  await peer.next(
    (f) =>
      f.streamId === streamId &&
      (((f.type === FrameType.DATA || f.type === FrameType.HEADERS) && (f.flags & Flag.END_STREAM) !== 0) ||
        (f.type === FrameType.RST_STREAM && f.payload.readUInt32BE(0) === ErrorCode.NO_ERROR)),
  );
}

// --- 1 Starting HTTP/2 ---

t.test('generic 1/1 (RFC 9113 3.4) the server answers the client preface with SETTINGS first', async (t) => {
  const { peer } = await serve(t, { raw: true });
  peer.write(PREFACE);
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 65_535]]);
  const first = await peer.next();
  t.same([first.type, first.flags & Flag.ACK], [FrameType.SETTINGS, 0], 'SETTINGS without ACK');
});

// --- 2 Streams and multiplexing ---

t.test('generic 2/1 (RFC 9113 5.1) PRIORITY on an idle stream is accepted', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.PRIORITY, 0, 1, priority(0, 255));
  const data = Buffer.alloc(8);
  peer.ping(data);
  await expectPingAck(t, peer, data);
});

t.test('generic 2/2 (RFC 9113 5.1) WINDOW_UPDATE on a half-closed (remote) stream is accepted', async (t) => {
  const { peer, port } = await serve(t);
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 0]]);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  peer.windowUpdate(1, 1);
  const data = await nextData(peer, 1);
  t.equal(data.payload.length, 1, 'a DATA frame within the granted octet');
});

t.test('generic 2/3 (RFC 9113 5.1) PRIORITY on a half-closed (remote) stream is accepted', async (t) => {
  const { peer, port } = await serve(t);
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 0]]);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  peer.frame(FrameType.PRIORITY, 0, 1, priority(0, 255));
  peer.windowUpdate(1, 1);
  t.equal((await nextData(peer, 1)).payload.length, 1, 'a DATA frame');
});

t.test('generic 2/4 (RFC 9113 5.1) RST_STREAM on a half-closed (remote) stream is accepted', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  peer.rst(1, ErrorCode.CANCEL);
  const data = Buffer.alloc(8);
  peer.ping(data);
  await expectPingAck(t, peer, data);
});

t.test('generic 2/5 (RFC 9113 5.1) PRIORITY on a closed stream is accepted', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  await streamClosed(peer, 1);
  peer.frame(FrameType.PRIORITY, 0, 1, priority(0, 255));
  const data = Buffer.alloc(8);
  peer.ping(data);
  await expectPingAck(t, peer, data);
});

// --- 3 Frame definitions ---

t.test('generic 3.1/1 (RFC 9113 6.1) a DATA frame is accepted', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  peer.data(1, 'test', true);
  await expectResponseHeaders(t, peer, 1);
  await peer.response(1);
  t.equal(seen[0]?.body?.toString(), 'test');
});

t.test('generic 3.1/2 (RFC 9113 6.1) several DATA frames are accepted', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  peer.data(1, 'test');
  peer.data(1, 'test', true);
  await expectResponseHeaders(t, peer, 1);
  await peer.response(1);
  t.equal(seen[0]?.body?.toString(), 'testtest');
});

t.test('generic 3.1/3 (RFC 9113 6.1) a DATA frame with padding is accepted, even padding that is not zeros', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  // h2spec pads with the six octets "padded": a receiver MAY reject non-zero padding, but then fails h2spec.
  peer.frame(FrameType.DATA, Flag.PADDED | Flag.END_STREAM, 1, Buffer.concat([Buffer.from([6]), Buffer.from('test'), Buffer.from('padded')]));
  await expectResponseHeaders(t, peer, 1);
  await peer.response(1);
  t.equal(seen[0]?.body?.toString(), 'test');
});

t.test('generic 3.2/1 (RFC 9113 6.2) a HEADERS frame is accepted', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  await expectResponseHeaders(t, peer, 1);
});

t.test('generic 3.2/2 (RFC 9113 6.2) a HEADERS frame with padding is accepted', async (t) => {
  const { peer, port } = await serve(t);
  peer.frame(FrameType.HEADERS, END | Flag.PADDED, 1, Buffer.concat([Buffer.from([8]), peer.block(commonHeaders(port)), Buffer.alloc(8)]));
  await expectResponseHeaders(t, peer, 1);
});

t.test('generic 3.2/3 (RFC 9113 6.2) a HEADERS frame with priority is accepted', async (t) => {
  const { peer, port } = await serve(t);
  peer.frame(FrameType.HEADERS, END | Flag.PRIORITY, 1, Buffer.concat([priority(0, 255), peer.block(commonHeaders(port))]));
  await expectResponseHeaders(t, peer, 1);
});

for (const [i, what, stream, dep, weight, exclusive] of [
  [1, 'with weight 1', 1, 0, 0, false],
  [2, 'with weight 256', 1, 0, 255, false],
  [3, 'with a stream dependency', 3, 1, 0, false],
  [4, 'with the exclusive bit', 1, 0, 0, true],
  [5, 'for an idle stream, then HEADERS on a lower stream', 3, 0, 255, false],
] as const) {
  t.test(`generic 3.3/${i} (RFC 9113 6.3) PRIORITY ${what} is accepted`, async (t) => {
    const { peer, port } = await serve(t);
    peer.frame(FrameType.PRIORITY, 0, stream, priority(dep, weight, exclusive));
    headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
    await expectResponseHeaders(t, peer, 1);
  });
}

t.test('generic 3.4/1 (RFC 9113 6.4) RST_STREAM is accepted', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port)));
  peer.rst(1, ErrorCode.CANCEL);
  const data = Buffer.alloc(8);
  peer.ping(data);
  await expectPingAck(t, peer, data);
});

t.test('generic 3.5/1 (RFC 9113 6.5) SETTINGS with every defined parameter is acknowledged', async (t) => {
  const { peer } = await serve(t);
  peer.settings([
    [SettingsId.HEADER_TABLE_SIZE, 4096],
    [SettingsId.ENABLE_PUSH, 1],
    [SettingsId.MAX_CONCURRENT_STREAMS, 100],
    [SettingsId.INITIAL_WINDOW_SIZE, 65_535],
    [SettingsId.MAX_FRAME_SIZE, 16_384],
    [SettingsId.MAX_HEADER_LIST_SIZE, 100],
  ]);
  const f = await peer.next((x) => x.type === FrameType.SETTINGS);
  t.same([f.flags, f.payload.length], [Flag.ACK, 0], 'SETTINGS with ACK and no payload');
});

t.test('generic 3.7/1 (RFC 9113 6.7) PING is answered', async (t) => {
  const { peer } = await serve(t);
  const data = opaque('h2spec');
  peer.ping(data);
  await expectPingAck(t, peer, data);
});

t.test('generic 3.8/1 (RFC 9113 6.8) GOAWAY from the client with no stream open: the server closes the connection, without an error', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.GOAWAY, 0, 0, goawayPayload(0, ErrorCode.NO_ERROR, 'h2spec'));
  // h2spec's verdict is VerifyConnectionClose: only the close passes, a live connection times out.
  await peer.closedByServer();
  t.same(peer.frames.filter((f) => f.type === FrameType.GOAWAY || f.type === FrameType.RST_STREAM), [], 'no GOAWAY or RST_STREAM: nothing went wrong');
});

t.test('generic 3.9/1 (RFC 9113 6.9) WINDOW_UPDATE on stream 0 is accepted', async (t) => {
  const { peer } = await serve(t);
  peer.windowUpdate(0, 1);
  const data = Buffer.alloc(8);
  peer.ping(data);
  await expectPingAck(t, peer, data);
});

t.test('generic 3.9/2 (RFC 9113 6.9) WINDOW_UPDATE on stream 1 is accepted', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  peer.windowUpdate(1, 1);
  await expectResponseHeaders(t, peer, 1);
});

t.test('generic 3.10/1 (RFC 9113 6.10) CONTINUATION is accepted', async (t) => {
  const { peer, port } = await serve(t);
  const block = peer.block(commonHeaders(port));
  headersFrame(peer, 1, Flag.END_STREAM, block.subarray(0, 5));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block.subarray(5));
  await expectResponseHeaders(t, peer, 1);
});

t.test('generic 3.10/2 (RFC 9113 6.10) several CONTINUATION frames are accepted', async (t) => {
  const { peer, port } = await serve(t);
  const block = peer.block(commonHeaders(port));
  headersFrame(peer, 1, Flag.END_STREAM, block.subarray(0, 5));
  peer.frame(FrameType.CONTINUATION, 0, 1, block.subarray(5, 10));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block.subarray(10));
  await expectResponseHeaders(t, peer, 1);
});

// --- 4 HTTP message exchanges ---

t.test('generic 4/1 (RFC 9113 8.1) a GET request is answered', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  await expectResponseHeaders(t, peer, 1);
});

t.test('generic 4/2 (RFC 9113 8.1) a HEAD request is answered, without a body', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port, 'HEAD')));
  const head = await expectResponseHeaders(t, peer, 1);
  const res = await peer.response(1);
  t.equal(res.body.length, 0, 'no DATA');
  t.equal(head.flags & Flag.END_STREAM, Flag.END_STREAM, 'END_STREAM on HEADERS');
});

t.test('generic 4/3 (RFC 9113 8.1) a POST request is answered', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  peer.data(1, 'test', true);
  await expectResponseHeaders(t, peer, 1);
});

t.test('generic 4/4 (RFC 9113 8.1) a POST request with trailers is answered', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([...commonHeaders(port, 'POST'), ['trailer', 'x-test']]));
  peer.data(1, 'test');
  headersFrame(peer, 1, END, peer.block([['x-test', 'ok']]));
  await expectResponseHeaders(t, peer, 1);
  await peer.response(1);
  t.same(seen[0]?.trailers, [['x-test', 'ok']]);
});

// --- 5 HPACK (RFC 7541 §6) ---

/** A request whose block is the peer's encoding of the usual headers plus `rep`; the application must see `expect`. */
async function accepts(t: Test, rep: Buffer, expect: [string, string]): Promise<Seen[]> {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, END, Buffer.concat([peer.block(commonHeaders(port)), rep]));
  await expectResponseHeaders(t, peer, 1);
  t.same(seen[0]?.headers.at(-1), expect, `the application sees ${expect[0]}: ${expect[1]}`);
  return seen;
}

t.test('generic 5/1 (RFC 7541 6.1) an indexed field representation', async (t) => {
  await accepts(t, hpackInt(USER_AGENT, 7, 0x80), ['user-agent', '']);
});

const literals = [
  ['with incremental indexing', 0x40, 6],
  ['without indexing', 0x00, 4],
  ['never indexed', 0x10, 4],
] as const;
let n = 2;
for (const [kind, flags, prefix] of literals) {
  for (const newName of [false, true]) {
    for (const huffman of [false, true]) {
      const name = newName ? 'x-test' : 'user-agent';
      const rep = Buffer.concat([hpackInt(newName ? 0 : USER_AGENT, prefix, flags), newName ? hpackString(name, huffman) : Buffer.alloc(0), hpackString('h2spec', huffman)]);
      t.test(`generic 5/${n++} (RFC 7541 6.2) a literal field ${kind}, ${newName ? 'new' : 'indexed'} name${huffman ? ', Huffman-coded' : ''}`, async (t) => {
        await accepts(t, rep, [name, 'h2spec']);
      });
    }
  }
}

t.test('generic 5/14 (RFC 7541 6.3) a dynamic table size update', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, Buffer.concat([hpackInt(128, 5, 0x20), plainRequest(port)]));
  await expectResponseHeaders(t, peer, 1);
});

t.test('generic 5/15 (RFC 7541 4.2, 6.3) two dynamic table size updates (down, then up)', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, Buffer.concat([hpackInt(128, 5, 0x20), hpackInt(4096, 5, 0x20), plainRequest(port)]));
  await expectResponseHeaders(t, peer, 1);
});
