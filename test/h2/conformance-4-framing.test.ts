/**
 * RFC 9113 §4: frame format (§4.1), frame size (§4.2), field section
 * compression and decompression (§4.3).
 * h2spec: http2 4.1 (3 cases), 4.2 (3), 4.3 (3).
 */
import t from 'tap';
import { Flag, FrameType, SettingsId, type H2Peer } from '../support/h2-peer.js';
import {
  ErrorCode,
  commonHeaders,
  expectAlive,
  expectConnectionError,
  expectPingAck,
  expectResponseHeaders,
  expectStreamError,
  headersFrame,
  opaque,
  priority,
  serve,
} from '../support/conformance.js';

const END = Flag.END_STREAM | Flag.END_HEADERS;

/** A frame's 9-octet header followed by its payload, written exactly as given. */
function rawFrame(length: number, type: number, flags: number, streamWord: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamWord >>> 0, 5);
  return Buffer.concat([h, payload]);
}

/** 4000-octet values, as h2spec's dummy headers. */
const dummyHeaders = (n: number): Array<[string, string]> => Array.from({ length: n }, (_, i) => [`x-dummy${i}`, 'x'.repeat(4000)]);

/** Every frame header the server sent, parsed from the raw octets (the peer's reader masks the R bit). */
function rawHeaders(peer: H2Peer): Array<{ length: number; type: number; flags: number; streamWord: number; payload: Buffer }> {
  const bytes = Buffer.concat(peer.received);
  const out = [];
  for (let i = 0; i + 9 <= bytes.length; ) {
    const length = bytes.readUIntBE(i, 3);
    out.push({ length, type: bytes[i + 3]!, flags: bytes[i + 4]!, streamWord: bytes.readUInt32BE(i + 5), payload: bytes.subarray(i + 9, i + 9 + length) });
    i += 9 + length;
  }
  return out;
}

/** Flags RFC 9113 §6 defines per frame type. */
const DEFINED_FLAGS: Record<number, number> = {
  [FrameType.DATA]: Flag.END_STREAM | Flag.PADDED,
  [FrameType.HEADERS]: Flag.END_STREAM | Flag.END_HEADERS | Flag.PADDED | Flag.PRIORITY,
  [FrameType.PRIORITY]: 0,
  [FrameType.RST_STREAM]: 0,
  [FrameType.SETTINGS]: Flag.ACK,
  [FrameType.PUSH_PROMISE]: Flag.END_HEADERS | Flag.PADDED,
  [FrameType.PING]: Flag.ACK,
  [FrameType.GOAWAY]: 0,
  [FrameType.WINDOW_UPDATE]: 0,
  [FrameType.CONTINUATION]: Flag.END_HEADERS,
};

t.test('4.1 (h2spec http2/4.1/1) a frame of unknown type is ignored and discarded', async (t) => {
  const { peer } = await serve(t);
  peer.write(rawFrame(8, 0x16, 0, 0, Buffer.alloc(8)));
  const data = opaque('');
  peer.ping(data);
  await expectPingAck(t, peer, data);
});

t.test('4.1 (h2spec http2/4.1/2) flags without defined semantics are ignored', async (t) => {
  const { peer } = await serve(t);
  // PING with flags 0x16: ACK (0x1) clear, the rest undefined for PING.
  peer.write(rawFrame(8, FrameType.PING, 0x16, 0, Buffer.alloc(8)));
  await expectPingAck(t, peer, Buffer.alloc(8));
});

t.test('4.1 (h2spec http2/4.1/3) the reserved bit of the stream identifier is ignored', async (t) => {
  const { peer } = await serve(t);
  peer.write(rawFrame(8, FrameType.PING, 0x16, 0x8000_0000, Buffer.alloc(8)));
  await expectPingAck(t, peer, Buffer.alloc(8));
});

t.test('4.1 the reserved bit on a HEADERS stream identifier is ignored: the request is stream 1', async (t) => {
  const { peer, port } = await serve(t);
  const block = peer.block(commonHeaders(port));
  peer.write(rawFrame(block.length, FrameType.HEADERS, END, 0x8000_0001, block));
  await expectResponseHeaders(t, peer, 1);
});

t.test('4.1 frames the server sends have the reserved bit unset and no undefined flags', async (t) => {
  const { peer, port } = await serve(t, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 1 << 20]] });
  peer.windowUpdate(0, 1 << 20);
  peer.headers(1, commonHeaders(port, 'GET', '/big?n=40000'), { endStream: true });
  peer.headers(3, commonHeaders(port, 'POST', '/'), { endStream: false });
  peer.data(3, 'x'.repeat(10_000));
  peer.data(3, 'x'.repeat(10_000), true);
  await peer.response(1);
  await peer.response(3);
  await peer.sync();
  peer.frame(FrameType.GOAWAY, 0, 1, Buffer.alloc(8)); // provoke a GOAWAY too
  await peer.closedByServer();
  const frames = rawHeaders(peer);
  t.ok(frames.some((f) => f.type === FrameType.GOAWAY) && frames.some((f) => f.type === FrameType.WINDOW_UPDATE), 'GOAWAY and WINDOW_UPDATE were among them');
  for (const f of frames) {
    if ((f.streamWord & 0x8000_0000) !== 0) t.fail(`type ${f.type}: R bit set in the stream identifier`);
    const defined = DEFINED_FLAGS[f.type];
    if (defined === undefined) t.fail(`unknown frame type ${f.type} sent`);
    else if ((f.flags & ~defined) !== 0) t.fail(`type ${f.type}: undefined flags 0x${(f.flags & ~defined).toString(16)} set`);
    if (f.type === FrameType.WINDOW_UPDATE && (f.payload.readUInt32BE(0) & 0x8000_0000) !== 0) t.fail('WINDOW_UPDATE: reserved bit set');
    if (f.type === FrameType.GOAWAY && (f.payload.readUInt32BE(0) & 0x8000_0000) !== 0) t.fail('GOAWAY: reserved bit set');
  }
  t.pass(`${frames.length} frames checked`);
});

t.test('4.2 (h2spec http2/4.2/1) a DATA frame of 2^14 octets is accepted', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  peer.data(1, Buffer.alloc(peer.serverSettings.get(SettingsId.MAX_FRAME_SIZE) ?? 16_384, 0x78), true);
  await expectResponseHeaders(t, peer, 1);
});

t.test('4.2 (h2spec http2/4.2/2) a DATA frame above SETTINGS_MAX_FRAME_SIZE is FRAME_SIZE_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  peer.data(1, Buffer.alloc((peer.serverSettings.get(SettingsId.MAX_FRAME_SIZE) ?? 16_384) + 1, 0x78), true);
  await expectStreamError(t, peer, 1, [ErrorCode.FRAME_SIZE_ERROR]);
});

t.test('4.2 (h2spec http2/4.2/3) a HEADERS frame above SETTINGS_MAX_FRAME_SIZE is a connection error FRAME_SIZE_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  const block = peer.block([...commonHeaders(port), ...dummyHeaders(5)]);
  t.ok(block.length > 16_384, 'the block does not fit one frame');
  headersFrame(peer, 1, END, block);
  await expectConnectionError(t, peer, [ErrorCode.FRAME_SIZE_ERROR]);
});

t.test('4.2 the server never sends a frame above the peer SETTINGS_MAX_FRAME_SIZE (default 16,384)', async (t) => {
  const { peer, port } = await serve(t, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 1 << 20]] });
  peer.windowUpdate(0, 1 << 20);
  peer.headers(1, commonHeaders(port, 'GET', '/big?n=100000'), { endStream: true });
  const res = await peer.response(1);
  t.equal(res.body.length, 100_000);
  const sizes = peer.frames.map((f) => f.payload.length);
  t.ok(Math.max(...sizes) <= 16_384, 'no frame above 16,384 octets', { largest: Math.max(...sizes) });
});

t.test('4.2 the server never sends a frame above a larger peer SETTINGS_MAX_FRAME_SIZE', async (t) => {
  const { peer, port } = await serve(t, {
    settings: [
      [SettingsId.INITIAL_WINDOW_SIZE, 1 << 20],
      [SettingsId.MAX_FRAME_SIZE, 20_000],
    ],
  });
  peer.windowUpdate(0, 1 << 20);
  peer.headers(1, commonHeaders(port, 'GET', '/big?n=100000'), { endStream: true });
  const res = await peer.response(1);
  t.equal(res.body.length, 100_000);
  t.ok(Math.max(...peer.frames.map((f) => f.payload.length)) <= 20_000, 'no frame above 20,000 octets');
});

t.test('4.2/4.3 a response header block above SETTINGS_MAX_FRAME_SIZE is HEADERS + CONTINUATION, contiguous', async (t) => {
  const { peer, port } = await serve(t);
  peer.headers(1, commonHeaders(port, 'GET', '/header?n=40000'), { endStream: true });
  const res = await peer.response(1);
  t.equal(res.headers.find(([n]) => n === 'x-big')?.[1].length, 40_000, 'the header arrives whole');
  const block = peer.frames.filter((f) => f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION);
  t.ok(block.length >= 2, 'split into several frames');
  t.ok(block.every((f) => f.payload.length <= 16_384), 'each at most 16,384 octets');
  const first = peer.frames.indexOf(block[0]!);
  t.same(
    peer.frames.slice(first, first + block.length).map((f) => f.type),
    [FrameType.HEADERS, ...Array<number>(block.length - 1).fill(FrameType.CONTINUATION)],
    'no other frame interleaved',
  );
  t.equal(block.filter((f) => f.flags & Flag.END_HEADERS).length, 1, 'END_HEADERS once');
  t.equal(block.at(-1)!.flags & Flag.END_HEADERS, Flag.END_HEADERS, 'on the last frame');
});

t.test('4.2 a HEADERS frame with PRIORITY too short for its priority fields is a connection error FRAME_SIZE_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.HEADERS, END | Flag.PRIORITY, 1, Buffer.from([0, 0, 0]));
  await expectConnectionError(t, peer, [ErrorCode.FRAME_SIZE_ERROR]);
});

t.test('4.2 a PADDED DATA frame with no room for the Pad Length is FRAME_SIZE_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  peer.frame(FrameType.DATA, Flag.PADDED, 1, Buffer.alloc(0));
  await expectStreamError(t, peer, 1, [ErrorCode.FRAME_SIZE_ERROR]);
});

t.test('4.2 a GOAWAY shorter than 8 octets is a connection error FRAME_SIZE_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.GOAWAY, 0, 0, Buffer.alloc(7));
  await expectConnectionError(t, peer, [ErrorCode.FRAME_SIZE_ERROR]);
});

t.test('4.2 a WINDOW_UPDATE of 5 octets on a stream is a connection error FRAME_SIZE_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  peer.frame(FrameType.WINDOW_UPDATE, 0, 1, Buffer.from([0, 0, 0, 1, 0]));
  await expectConnectionError(t, peer, [ErrorCode.FRAME_SIZE_ERROR]);
});

t.test('4.3 (h2spec http2/4.3/1) a header block that does not decode is a connection error COMPRESSION_ERROR', async (t) => {
  const { peer } = await serve(t);
  // A literal with incremental indexing and a new name, cut before the name's length.
  peer.frame(FrameType.HEADERS, END, 1, Buffer.from([0x40]));
  await expectConnectionError(t, peer, [ErrorCode.COMPRESSION_ERROR]);
});

t.test('4.3 (h2spec http2/4.3/2) a PRIORITY frame inside a header block is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, 0, peer.block(commonHeaders(port)));
  peer.frame(FrameType.PRIORITY, 0, 1, priority(0, 255));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, peer.block(dummyHeaders(1)));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('4.3 (h2spec http2/4.3/3) HEADERS on another stream inside a header block is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, 0, peer.block(commonHeaders(port)));
  headersFrame(peer, 3, END, peer.block(commonHeaders(port)));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, peer.block(dummyHeaders(1)));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('4.3 CONTINUATION of another stream inside a header block is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  const block = peer.block(commonHeaders(port));
  headersFrame(peer, 1, Flag.END_STREAM, block.subarray(0, 3));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 3, block.subarray(3));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('4.3 the header block of a refused stream is still decoded: the HPACK context stays in sync', async (t) => {
  const { peer, port, seen } = await serve(t, { server: { h2: { maxConcurrentStreams: 1 } } });
  peer.headers(1, commonHeaders(port, 'GET', '/hold'), { endStream: true });
  await peer.sync();
  peer.headers(3, [...commonHeaders(port, 'GET', '/refused'), ['x-sync', 'refused-stream-value']], { endStream: true });
  await expectStreamError(t, peer, 3, [ErrorCode.REFUSED_STREAM, ErrorCode.PROTOCOL_ERROR]);
  peer.rst(1, ErrorCode.CANCEL);
  t.ok(peer.encoder.table.find('x-sync', 'refused-stream-value') > 0, 'the refused block added the field to the dynamic table');
  const block = peer.block([...commonHeaders(port, 'GET', '/after'), ['x-sync', 'refused-stream-value']]);
  headersFrame(peer, 5, END, block);
  const res = await peer.response(5);
  t.equal(res.status, 200);
  t.same(
    seen.map((s) => [s.path, s.headers.find(([n]) => n === 'x-sync')?.[1]]),
    [
      ['/hold', undefined],
      ['/after', 'refused-stream-value'],
    ],
    'the refused request never reached the application; the later one carries the indexed field',
  );
});

t.test('4.3 a header block on a stream the server reset is still decoded: the HPACK context stays in sync', async (t) => {
  const { peer, port, seen } = await serve(t);
  peer.headers(1, [...commonHeaders(port, 'POST', '/upload'), ['content-length', '1']], { endStream: false });
  peer.data(1, 'four', false); // more than content-length: the server resets the stream
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR]);
  peer.headers(1, [['x-trailer', 'late-trailer-value']], { endStream: true }); // in flight when the reset arrived
  t.ok(peer.encoder.table.find('x-trailer', 'late-trailer-value') > 0, 'the ignored block added the field to the dynamic table');
  const block = peer.block([...commonHeaders(port, 'GET', '/after'), ['x-trailer', 'late-trailer-value']]);
  headersFrame(peer, 3, END, block);
  const res = await peer.response(3);
  t.equal(res.status, 200);
  t.equal(seen.at(-1)?.headers.find(([n]) => n === 'x-trailer')?.[1], 'late-trailer-value');
  await expectAlive(t, peer, [3]);
});

// A frame whose length its type forbids is an error known from its 9-octet header: the server
// must not wait for a payload the peer may never send (h2spec http2/6.5/3 in one release
// announces 9 octets of SETTINGS and sends 8).
for (const [what, type, flags, streamId, length, code] of [
  ['SETTINGS announcing 9 octets', FrameType.SETTINGS, 0, 0, 9, ErrorCode.FRAME_SIZE_ERROR],
  ['SETTINGS ACK announcing 6 octets', FrameType.SETTINGS, Flag.ACK, 0, 6, ErrorCode.FRAME_SIZE_ERROR],
  ['PING announcing 9 octets', FrameType.PING, 0, 0, 9, ErrorCode.FRAME_SIZE_ERROR],
  ['WINDOW_UPDATE announcing 5 octets', FrameType.WINDOW_UPDATE, 0, 0, 5, ErrorCode.FRAME_SIZE_ERROR],
  ['RST_STREAM announcing 8 octets', FrameType.RST_STREAM, 0, 1, 8, ErrorCode.FRAME_SIZE_ERROR],
  ['GOAWAY announcing 7 octets', FrameType.GOAWAY, 0, 0, 7, ErrorCode.FRAME_SIZE_ERROR],
] as const) {
  t.test(`4.2 ${what}, payload never sent, is a connection error FRAME_SIZE_ERROR at once`, async (t) => {
    const { peer, port } = await serve(t);
    if (type === FrameType.RST_STREAM) headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'GET', '/hold')));
    peer.write(rawFrame(length, type, flags, streamId, Buffer.alloc(length - 1)));
    await expectConnectionError(t, peer, [code]);
  });
}

t.test('4.2 a frame of an allowed length is waited for: SETTINGS split across writes is applied', async (t) => {
  const { peer } = await serve(t);
  const whole = rawFrame(6, FrameType.SETTINGS, 0, 0, Buffer.from([0, 4, 0, 0, 0x10, 0]));
  peer.write(whole.subarray(0, 12));
  await new Promise((r) => setTimeout(r, 50));
  peer.write(whole.subarray(12));
  const ack = await peer.settingsAck();
  t.equal(ack.payload.length, 0, 'acknowledged');
  await expectAlive(t, peer);
});
