/**
 * RFC 9113 §6 (frame definitions, flow control in conformance-6-9-flow-control)
 * and §7 (error codes).
 * h2spec: http2 6.1 (3 cases), 6.2 (4), 6.3 (2), 6.4 (3), 6.5 (3), 6.5.2 (5),
 * 6.5.3 (2), 6.7 (4), 6.8 (1), 6.10 (6), 7 (2).
 */
import t from 'tap';
import { Flag, FrameType, PREFACE, SettingsId } from '../support/h2-peer.js';
import {
  ErrorCode,
  commonHeaders,
  expectAlive,
  expectConnectionError,
  expectPingAck,
  expectResponseHeaders,
  expectStreamError,
  goawayPayload,
  headersFrame,
  nextData,
  opaque,
  priority,
  serve,
  u32,
} from '../support/conformance.js';

const END = Flag.END_STREAM | Flag.END_HEADERS;
const dummy = (): Array<[string, string]> => [['x-dummy0', 'x'.repeat(4000)]];
const setting = (id: number, value: number): Buffer => {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(id, 0);
  b.writeUInt32BE(value, 2);
  return b;
};

// --- 6.1 DATA ---

t.test('6.1 (h2spec http2/6.1/1) DATA on stream 0 is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.data(0, 'test', true);
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.1 (h2spec http2/6.1/2) DATA on a stream that is not open or half-closed (local) is STREAM_CLOSED', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port, 'POST')));
  peer.data(1, 'test', true);
  await expectStreamError(t, peer, 1, [ErrorCode.STREAM_CLOSED]);
});

t.test('6.1 (h2spec http2/6.1/3) DATA whose padding is as long as the payload is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([...commonHeaders(port, 'POST'), ['content-length', '4']]));
  // Payload of 5 octets: Pad Length 6, then "Test".
  peer.frame(FrameType.DATA, Flag.PADDED | Flag.END_STREAM, 1, Buffer.from([6, 0x54, 0x65, 0x73, 0x74]));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.1 padded DATA is accepted and the padding does not reach the application', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([...commonHeaders(port, 'POST'), ['content-length', '4']]));
  peer.frame(FrameType.DATA, Flag.PADDED | Flag.END_STREAM, 1, Buffer.concat([Buffer.from([5]), Buffer.from('test'), Buffer.alloc(5)]));
  t.equal((await peer.response(1)).status, 200);
  t.equal(seen[0]?.body?.toString(), 'test');
});

t.test('6.1 the whole padded payload counts against flow control', async (t) => {
  const { peer, port } = await serve(t, { server: { h2: { initialWindowSize: 100 } } });
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  // 10 octets of data would fit the 100-octet window; with its padding the frame is 101 octets.
  peer.frame(FrameType.DATA, Flag.PADDED, 1, Buffer.concat([Buffer.from([90]), Buffer.alloc(10, 0x61), Buffer.alloc(90)]));
  await expectStreamError(t, peer, 1, [ErrorCode.FLOW_CONTROL_ERROR]);
});

t.test('6.1 padding fills the window exactly and its credit is given back', async (t) => {
  const { peer, port } = await serve(t, { server: { h2: { initialWindowSize: 100 } } });
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST', '/hold')));
  peer.frame(FrameType.DATA, Flag.PADDED, 1, Buffer.concat([Buffer.from([89]), Buffer.alloc(10, 0x61), Buffer.alloc(89)]));
  const update = await peer.next((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 1);
  t.equal(update.payload.readUInt32BE(0), 90, 'the pad length octet and the padding (90 octets) come back at once; the unread data does not');
  await expectAlive(t, peer);
});

// --- 6.2 HEADERS ---

t.test('6.2 (h2spec http2/6.2/1) HEADERS without END_HEADERS followed by PRIORITY is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, 0, peer.block(commonHeaders(port)));
  peer.frame(FrameType.PRIORITY, 0, 1, priority(0, 255));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, peer.block(dummy()));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.2 (h2spec http2/6.2/2) HEADERS on another stream while a header block is open is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, 0, peer.block(commonHeaders(port)));
  headersFrame(peer, 3, END, peer.block(commonHeaders(port)));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, peer.block(dummy()));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.2 (h2spec http2/6.2/3) HEADERS on stream 0 is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 0, END, peer.block(commonHeaders(port)));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.2 (h2spec http2/6.2/4) HEADERS whose padding exceeds the payload is PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  const block = peer.block(commonHeaders(port));
  // Frame length block+1 (Pad Length octet + block), Pad Length block+2.
  peer.frame(FrameType.HEADERS, END | Flag.PADDED, 1, Buffer.concat([Buffer.from([block.length + 2]), block]));
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.2 HEADERS with both PADDED and PRIORITY is accepted', async (t) => {
  const { peer, port } = await serve(t);
  const block = peer.block(commonHeaders(port));
  peer.frame(FrameType.HEADERS, END | Flag.PADDED | Flag.PRIORITY, 1, Buffer.concat([Buffer.from([7]), priority(0, 200, true), block, Buffer.alloc(7)]));
  await expectResponseHeaders(t, peer, 1);
});

t.test('6.2 HEADERS with PRIORITY whose padding leaves no room for the priority fields is PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  // Payload: Pad Length 4, then 5 octets; only 1 octet would be left for the 5 priority octets.
  peer.frame(FrameType.HEADERS, END | Flag.PADDED | Flag.PRIORITY, 1, Buffer.from([4, 0, 0, 0, 0, 0]));
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR, ErrorCode.FRAME_SIZE_ERROR]);
});

// --- 6.3 PRIORITY ---

t.test('6.3 (h2spec http2/6.3/1) PRIORITY on stream 0 is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.PRIORITY, 0, 0, priority(0, 255));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.3 (h2spec http2/6.3/2) PRIORITY of a length other than 5 is a stream error FRAME_SIZE_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  peer.frame(FrameType.PRIORITY, 0, 1, Buffer.from([0x80, 0, 0, 1]));
  await expectStreamError(t, peer, 1, [ErrorCode.FRAME_SIZE_ERROR]);
});

// --- 6.4 RST_STREAM ---

t.test('6.4 (h2spec http2/6.4/1) RST_STREAM on stream 0 is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.rst(0, ErrorCode.CANCEL);
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.4 (h2spec http2/6.4/2) RST_STREAM on an idle stream is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.rst(1, ErrorCode.CANCEL);
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.4 (h2spec http2/6.4/3) RST_STREAM of a length other than 4 is FRAME_SIZE_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  peer.frame(FrameType.RST_STREAM, 0, 1, Buffer.alloc(3));
  await expectStreamError(t, peer, 1, [ErrorCode.FRAME_SIZE_ERROR]);
});

t.test('6.4 after RST_STREAM from the peer the server sends nothing more on the stream', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port, 'GET', '/big?n=200000')));
  let received = 0;
  while (received < 65_535) received += (await nextData(peer, 1)).payload.length;
  await peer.sync();
  const before = peer.frames.filter((f) => f.streamId === 1).length;
  peer.rst(1, ErrorCode.CANCEL);
  peer.windowUpdate(0, 1 << 20); // credit that would let the response go on
  peer.windowUpdate(1, 1 << 20); // on a closed stream: ignored
  await expectAlive(t, peer);
  t.equal(peer.frames.filter((f) => f.streamId === 1).length, before, 'no frame on the stream after the reset');
});

t.test('6.4 RST_STREAM on a closed stream is ignored', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  await peer.response(1);
  peer.rst(1, ErrorCode.CANCEL);
  await expectAlive(t, peer);
});

// --- 6.5 SETTINGS ---

t.test('6.5 (h2spec http2/6.5/1) SETTINGS with ACK and a payload is a connection error FRAME_SIZE_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.SETTINGS, Flag.ACK, 0, Buffer.alloc(1));
  await expectConnectionError(t, peer, [ErrorCode.FRAME_SIZE_ERROR]);
});

t.test('6.5 (h2spec http2/6.5/2) SETTINGS on a stream other than 0 is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.SETTINGS, 0, 1, setting(SettingsId.MAX_CONCURRENT_STREAMS, 100));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.5 (h2spec http2/6.5/3) SETTINGS of a length not a multiple of 6 is FRAME_SIZE_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.SETTINGS, 0, 0, Buffer.from([0, 3, 0]));
  await expectConnectionError(t, peer, [ErrorCode.FRAME_SIZE_ERROR, ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.5.2 (h2spec http2/6.5.2/1) SETTINGS_ENABLE_PUSH other than 0 or 1 is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.settings([[SettingsId.ENABLE_PUSH, 2]]);
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.5.2 (h2spec http2/6.5.2/2) SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 is a connection error FLOW_CONTROL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 2 ** 31]]);
  await expectConnectionError(t, peer, [ErrorCode.FLOW_CONTROL_ERROR]);
});

t.test('6.5.2 (h2spec http2/6.5.2/3) SETTINGS_MAX_FRAME_SIZE below 16,384 is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.settings([[SettingsId.MAX_FRAME_SIZE, 16_383]]);
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.5.2 (h2spec http2/6.5.2/4) SETTINGS_MAX_FRAME_SIZE above 2^24-1 is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.settings([[SettingsId.MAX_FRAME_SIZE, 16_777_216]]);
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.5.2 (h2spec http2/6.5.2/5) an unknown SETTINGS identifier is ignored', async (t) => {
  const { peer } = await serve(t);
  peer.settings([[0xff, 1]]);
  const data = Buffer.alloc(8);
  peer.ping(data);
  await expectPingAck(t, peer, data);
});

t.test('6.5.2 the boundary values of every setting are accepted', async (t) => {
  const { peer, port } = await serve(t);
  peer.settings([
    [SettingsId.HEADER_TABLE_SIZE, 0],
    [SettingsId.ENABLE_PUSH, 0],
    [SettingsId.ENABLE_PUSH, 1],
    [SettingsId.MAX_CONCURRENT_STREAMS, 0],
    [SettingsId.INITIAL_WINDOW_SIZE, 2 ** 31 - 1],
    [SettingsId.MAX_FRAME_SIZE, 16_777_215],
    [SettingsId.MAX_FRAME_SIZE, 16_384],
    [SettingsId.MAX_HEADER_LIST_SIZE, 0],
    [SettingsId.MAX_HEADER_LIST_SIZE, 2 ** 32 - 1],
  ]);
  await peer.settingsAck();
  peer.decoder.setMaxTableSize(0);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  t.equal((await peer.response(1)).status, 200);
  await expectAlive(t, peer);
});

t.test('6.5.3 (h2spec http2/6.5.3/1) values are processed in order: INITIAL_WINDOW_SIZE 100 then 1 leaves 1', async (t) => {
  const { peer, port } = await serve(t);
  peer.settings([
    [SettingsId.INITIAL_WINDOW_SIZE, 100],
    [SettingsId.INITIAL_WINDOW_SIZE, 1],
  ]);
  await peer.settingsAck();
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  t.equal((await nextData(peer)).payload.length, 1, 'the first DATA frame carries 1 octet');
});

t.test('6.5.3 a peer that never acknowledges the server SETTINGS gets a connection error SETTINGS_TIMEOUT', async (t) => {
  const { peer } = await serve(t, { raw: true, server: { h2: { settingsAckTimeoutMs: 300 } } });
  peer.write(PREFACE);
  peer.settings([]); // the client preface, but no ACK of the server's SETTINGS, ever
  await peer.next((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0);
  await expectConnectionError(t, peer, [ErrorCode.SETTINGS_TIMEOUT]);
});

t.test('6.5.3 an ACK in time keeps the connection: no SETTINGS_TIMEOUT', async (t) => {
  const { peer } = await serve(t, { server: { h2: { settingsAckTimeoutMs: 300 } } });
  await new Promise((r) => setTimeout(r, 600));
  await expectAlive(t, peer);
});

t.test('6.5.3 (h2spec http2/6.5.3/2) every SETTINGS frame is acknowledged', async (t) => {
  const { peer } = await serve(t);
  peer.settings([[SettingsId.ENABLE_PUSH, 0]]);
  const ack = await peer.settingsAck();
  t.equal(ack.payload.length, 0);
  peer.settings([]);
  peer.settings([[SettingsId.MAX_CONCURRENT_STREAMS, 10]]);
  await peer.settingsAck();
  await peer.settingsAck();
  t.pass('two more SETTINGS, two more ACKs');
});

// --- 6.7 PING ---

t.test('6.7 (h2spec http2/6.7/1) PING is answered with ACK and an identical payload', async (t) => {
  const { peer } = await serve(t);
  const data = opaque('h2spec');
  peer.ping(data);
  await expectPingAck(t, peer, data);
});

t.test('6.7 (h2spec http2/6.7/2) a PING with ACK is not answered', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.PING, Flag.ACK, 0, opaque('invalid'));
  const data = opaque('h2spec');
  peer.ping(data);
  await expectPingAck(t, peer, data);
});

t.test('6.7 (h2spec http2/6.7/3) PING on a stream other than 0 is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.PING, 0, 1, Buffer.alloc(8));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.7 (h2spec http2/6.7/4) PING of a length other than 8 is a connection error FRAME_SIZE_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.PING, 0, 0, Buffer.alloc(6));
  await expectConnectionError(t, peer, [ErrorCode.FRAME_SIZE_ERROR]);
});

// --- 6.8 GOAWAY ---

t.test('6.8 (h2spec http2/6.8/1) GOAWAY on a stream other than 0 is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.GOAWAY, 0, 1, Buffer.alloc(8));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.8 graceful shutdown: GOAWAY NO_ERROR names the last stream; it completes, later streams are ignored', async (t) => {
  const { peer, port, server, seen } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST', '/upload')));
  peer.data(1, 'first half, ');
  await peer.sync();
  const closing = server.close(5000);
  const goaway = await peer.next((f) => f.type === FrameType.GOAWAY);
  t.same([goaway.payload.readUInt32BE(0), goaway.payload.readUInt32BE(4)], [1, ErrorCode.NO_ERROR], 'GOAWAY(last stream 1, NO_ERROR)');
  headersFrame(peer, 3, END, peer.block(commonHeaders(port, 'GET', '/late')));
  peer.data(3, 'ignored too'); // DATA on a stream above the GOAWAY's last id
  peer.data(1, 'second half', true);
  const res = await peer.response(1);
  t.equal(res.status, 200, 'stream 1 completes');
  t.equal(seen.find((s) => s.path === '/upload')?.body?.toString(), 'first half, second half');
  await peer.closedByServer();
  await closing;
  t.same(peer.frames.filter((f) => f.streamId === 3).map((f) => f.type), [], 'stream 3 got no response and no RST_STREAM');
  t.notOk(seen.some((s) => s.path === '/late'), 'stream 3 never reached the application');
  t.equal(peer.frames.filter((f) => f.type === FrameType.GOAWAY).length, 1, 'no error GOAWAY followed');
});

t.test('6.8 after a graceful GOAWAY, an error GOAWAY does not raise the last stream identifier', async (t) => {
  const { peer, port, server } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST', '/upload')));
  await peer.sync();
  const closing = server.close(5000);
  const first = await peer.next((f) => f.type === FrameType.GOAWAY);
  t.equal(first.payload.readUInt32BE(0), 1, 'graceful GOAWAY names stream 1');
  headersFrame(peer, 3, END, peer.block(commonHeaders(port))); // ignored: above the last stream id
  peer.frame(FrameType.PING, 0, 1, Buffer.alloc(8)); // a connection error
  const second = await peer.next((f) => f.type === FrameType.GOAWAY);
  t.equal(second.payload.readUInt32BE(4), ErrorCode.PROTOCOL_ERROR, 'the error GOAWAY');
  t.ok(second.payload.readUInt32BE(0) <= 1, 'its last stream id is not above the first one (the client may have retried stream 3 elsewhere)', {
    found: second.payload.readUInt32BE(0),
  });
  await peer.closedByServer();
  await closing;
});

t.test('6.8 a GOAWAY from the peer lets open streams finish, then the connection closes', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST', '/upload')));
  await peer.sync();
  peer.frame(FrameType.GOAWAY, 0, 0, goawayPayload(0, ErrorCode.NO_ERROR, 'client leaving'));
  peer.data(1, 'body', true);
  t.equal((await peer.response(1)).status, 200);
  await peer.closedByServer();
  t.pass('closed once the last stream ended');
});

// --- 6.10 CONTINUATION ---

t.test('6.10 (h2spec http2/6.10/1) several CONTINUATION frames after HEADERS are accepted', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_STREAM, peer.block(commonHeaders(port)));
  peer.frame(FrameType.CONTINUATION, 0, 1, peer.block(dummy()));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, peer.block(dummy()));
  await expectResponseHeaders(t, peer, 1);
});

t.test('6.10 (h2spec http2/6.10/2) a frame other than CONTINUATION after CONTINUATION without END_HEADERS is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, 0, peer.block(commonHeaders(port, 'POST')));
  peer.frame(FrameType.CONTINUATION, 0, 1, peer.block(dummy()));
  peer.data(1, 'test', true);
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.10 (h2spec http2/6.10/3) CONTINUATION on stream 0 is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_STREAM, peer.block(commonHeaders(port)));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 0, peer.block(dummy()));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.10 (h2spec http2/6.10/4) CONTINUATION after HEADERS with END_HEADERS is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, peer.block(dummy()));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.10 (h2spec http2/6.10/5) CONTINUATION after CONTINUATION with END_HEADERS is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_STREAM, peer.block(commonHeaders(port)));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, peer.block(dummy()));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, peer.block(dummy()));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.10 (h2spec http2/6.10/6) CONTINUATION after DATA is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, 0, peer.block(commonHeaders(port, 'POST')));
  peer.data(1, 'test', true);
  peer.frame(FrameType.CONTINUATION, 0, 1, peer.block(dummy()));
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 0, peer.block(dummy()));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

// --- 7 Error codes ---

t.test('7 (h2spec http2/7/1) a GOAWAY with an unknown error code triggers nothing special', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.GOAWAY, 0, 0, goawayPayload(0, 0xff));
  // h2spec's verdict is VerifyConnectionClose: the peer is going away and no stream is open, so the server closes.
  await peer.closedByServer();
  t.same(peer.frames.filter((f) => f.type === FrameType.GOAWAY), [], 'no GOAWAY: the unknown code is not treated as an error of ours');
});

t.test('7 (h2spec http2/7/2) a RST_STREAM with an unknown error code triggers nothing special', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  peer.rst(1, 0xff);
  const data = Buffer.alloc(8);
  peer.ping(data);
  await expectPingAck(t, peer, data);
  await expectAlive(t, peer);
});

t.test('7 an unknown error code in RST_STREAM on an open stream closes just that stream', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port, 'GET', '/hold')));
  await peer.sync();
  peer.frame(FrameType.RST_STREAM, 0, 1, u32(0xabcdef));
  headersFrame(peer, 3, END, peer.block(commonHeaders(port)));
  t.equal((await peer.response(3)).status, 200);
  await expectAlive(t, peer);
});
