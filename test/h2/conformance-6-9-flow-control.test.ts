/**
 * RFC 9113 §5.2 and §6.9: WINDOW_UPDATE and flow control, both directions.
 * Sluice's mission is that no DATA octet leaves without credit, so besides
 * h2spec's cases this file checks the exact octet counts.
 * h2spec: http2 6.9 (3 cases), 6.9.1 (3), 6.9.2 (3).
 */
import t from 'tap';
import { Flag, FrameType, SettingsId, type H2Peer } from '../support/h2-peer.js';
import {
  ErrorCode,
  commonHeaders,
  expectAlive,
  expectConnectionError,
  expectResponseHeaders,
  expectStreamError,
  headersFrame,
  nextData,
  serve,
  u32,
} from '../support/conformance.js';

const END = Flag.END_STREAM | Flag.END_HEADERS;
const MAX_WINDOW = 2 ** 31 - 1;

const dataBytes = (peer: H2Peer, streamId?: number): number =>
  peer.frames.filter((f) => f.type === FrameType.DATA && (streamId === undefined || f.streamId === streamId)).reduce((n, f) => n + f.payload.length, 0);

/** Wait until `n` DATA octets have arrived, then let the server catch up twice: whatever it could still send is in. */
async function receivedAtLeast(peer: H2Peer, n: number): Promise<void> {
  while (dataBytes(peer) < n) await nextData(peer);
  await peer.sync();
  await peer.sync();
}

t.test('6.9 (h2spec http2/6.9/1) WINDOW_UPDATE with increment 0 on the connection is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.windowUpdate(0, 0);
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.9 (h2spec http2/6.9/2) WINDOW_UPDATE with increment 0 on a stream is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port)));
  peer.windowUpdate(1, 0);
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('6.9 (h2spec http2/6.9/3) WINDOW_UPDATE of a length other than 4 is a connection error FRAME_SIZE_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 1]));
  await expectConnectionError(t, peer, [ErrorCode.FRAME_SIZE_ERROR]);
});

t.test('6.9 the reserved bit of the increment is ignored', async (t) => {
  const { peer } = await serve(t);
  // 0x80000001 is an increment of 1; read with the bit it would overflow the window.
  peer.frame(FrameType.WINDOW_UPDATE, 0, 0, u32(0x8000_0001));
  await expectAlive(t, peer);
});

t.test('6.9 WINDOW_UPDATE on a stream closed by END_STREAM in both directions is not an error', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  await peer.response(1);
  peer.windowUpdate(1, 1000);
  await expectAlive(t, peer);
});

t.test('6.9.1 (h2spec http2/6.9.1/1) with SETTINGS_INITIAL_WINDOW_SIZE 1 the first DATA frame carries 1 octet', async (t) => {
  const { peer, port } = await serve(t);
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 1]]);
  await peer.settingsAck();
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  const first = await nextData(peer, 1);
  t.equal(first.payload.length, 1);
  await peer.sync();
  t.equal(dataBytes(peer, 1), 1, 'and nothing more until WINDOW_UPDATE');
});

t.test('6.9.1 (h2spec http2/6.9.1/2) WINDOW_UPDATEs taking the connection window above 2^31-1 are a connection error FLOW_CONTROL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.windowUpdate(0, MAX_WINDOW);
  peer.windowUpdate(0, MAX_WINDOW);
  const goaway = await expectConnectionError(t, peer, [ErrorCode.FLOW_CONTROL_ERROR]);
  t.equal(goaway.type, FrameType.GOAWAY, 'h2spec requires the GOAWAY itself');
});

t.test('6.9.1 (h2spec http2/6.9.1/3) WINDOW_UPDATEs taking a stream window above 2^31-1 are RST_STREAM FLOW_CONTROL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port)));
  peer.windowUpdate(1, MAX_WINDOW);
  peer.windowUpdate(1, MAX_WINDOW);
  const rst = await peer.next((f) => f.type === FrameType.RST_STREAM || f.type === FrameType.GOAWAY);
  t.same([rst.type, rst.streamId, rst.payload.readUInt32BE(0)], [FrameType.RST_STREAM, 1, ErrorCode.FLOW_CONTROL_ERROR], 'RST_STREAM(1, FLOW_CONTROL_ERROR)');
  await expectAlive(t, peer, []);
});

t.test('6.9.1 DATA never exceeds the connection window: 65,535 octets until WINDOW_UPDATE on stream 0', async (t) => {
  const { peer, port } = await serve(t, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, MAX_WINDOW]] });
  headersFrame(peer, 1, END, peer.block(commonHeaders(port, 'GET', '/big?n=50000')));
  headersFrame(peer, 3, END, peer.block(commonHeaders(port, 'GET', '/big?n=50000')));
  await receivedAtLeast(peer, 65_535);
  t.equal(dataBytes(peer), 65_535, 'exactly the connection window, over both streams');
  peer.windowUpdate(0, 100);
  await receivedAtLeast(peer, 65_635);
  t.equal(dataBytes(peer), 65_635, 'exactly 100 more');
  peer.windowUpdate(0, 1 << 20);
  await peer.response(1);
  await peer.response(3);
  t.equal(dataBytes(peer), 100_000, 'the rest once credit allows');
});

t.test('6.9.1 DATA beyond the stream receive window is FLOW_CONTROL_ERROR', async (t) => {
  const { peer, port } = await serve(t, { server: { h2: { initialWindowSize: 1000 } } });
  t.equal(peer.serverSettings.get(SettingsId.INITIAL_WINDOW_SIZE), 1000, 'the server advertises 1000');
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  peer.data(1, Buffer.alloc(1001));
  await expectStreamError(t, peer, 1, [ErrorCode.FLOW_CONTROL_ERROR]);
});

t.test('6.9.1 DATA beyond the connection receive window is a connection error FLOW_CONTROL_ERROR', async (t) => {
  const { peer, port } = await serve(t, { server: { h2: { connectionWindowSize: 65_535 } } });
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST', '/hold'))); // never reads: no credit comes back
  for (let sent = 0; sent < 65_535; sent += 16_383) peer.data(1, Buffer.alloc(Math.min(16_383, 65_535 - sent)));
  await expectAlive(t, peer);
  peer.data(1, Buffer.alloc(1));
  await expectConnectionError(t, peer, [ErrorCode.FLOW_CONTROL_ERROR]);
});

t.test('6.9 DATA on a stream the server reset still counts, and its connection credit comes back', async (t) => {
  const { peer, port } = await serve(t, { server: { h2: { connectionWindowSize: 65_535 } } });
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([...commonHeaders(port, 'POST'), ['content-length', '1']]));
  peer.data(1, 'too long');
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR]);
  const updates = (): number => peer.frames.filter((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 0).reduce((n, f) => n + f.payload.readUInt32BE(0), 0);
  const before = updates();
  for (let i = 0; i < 4; i++) peer.data(1, Buffer.alloc(16_000)); // in flight when the reset arrived: ignored, but counted
  await expectAlive(t, peer, []);
  const returned = updates() - before;
  t.ok(returned > 64_000 - 4096 && returned <= 64_000 + 8, 'the connection window is replenished for those octets', { returned });
});

t.test('5.2.1 only DATA is flow controlled: with a zero window the response HEADERS still arrive', async (t) => {
  const { peer, port } = await serve(t, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 0]] });
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  await expectResponseHeaders(t, peer, 1);
  await peer.sync();
  t.equal(dataBytes(peer, 1), 0, 'no DATA without credit');
  peer.windowUpdate(1, 5);
  t.equal((await nextData(peer, 1)).payload.length, 5, 'exactly the credit granted');
});

t.test('6.9.2 (h2spec http2/6.9.2/1) a SETTINGS_INITIAL_WINDOW_SIZE change applies to open streams', async (t) => {
  const { peer, port } = await serve(t);
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 0]]);
  await peer.settingsAck();
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 1]]);
  t.equal((await nextData(peer)).payload.length, 1, 'DATA of 1 octet');
});

t.test('6.9.2 (h2spec http2/6.9.2/2) a window made negative by SETTINGS is tracked', async (t) => {
  const { peer, port } = await serve(t);
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 3]]);
  await peer.settingsAck();
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  t.equal((await nextData(peer)).payload.length, 3, 'the 3 octets of the window');
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 2]]); // window 0 - 1 = -1
  await peer.settingsAck();
  peer.windowUpdate(1, 2); // -1 + 2 = 1
  t.equal((await nextData(peer)).payload.length, 1, 'DATA of 1 octet');
  await peer.sync();
  t.equal(dataBytes(peer, 1), 4, 'nothing beyond');
});

t.test('6.9.2 (h2spec http2/6.9.2/3) SETTINGS_INITIAL_WINDOW_SIZE of 2^31 is a connection error FLOW_CONTROL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.SETTINGS, 0, 0, Buffer.from([0x00, 0x04, 0x80, 0x00, 0x00, 0x00]));
  await expectConnectionError(t, peer, [ErrorCode.FLOW_CONTROL_ERROR]);
});

t.test('6.9.2 a SETTINGS_INITIAL_WINDOW_SIZE change that overflows an open stream window is a connection error FLOW_CONTROL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port, 'GET', '/hold')));
  peer.windowUpdate(1, MAX_WINDOW - 65_535); // the stream window is now 2^31-1
  await expectAlive(t, peer);
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 65_536]]); // +1
  await expectConnectionError(t, peer, [ErrorCode.FLOW_CONTROL_ERROR]);
});

t.test('6.9.2 SETTINGS_INITIAL_WINDOW_SIZE does not change the connection window', async (t) => {
  const { peer, port } = await serve(t, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 0]] });
  headersFrame(peer, 1, END, peer.block(commonHeaders(port, 'GET', '/big?n=100000')));
  await expectResponseHeaders(t, peer, 1);
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 200_000]]);
  await receivedAtLeast(peer, 65_535);
  t.equal(dataBytes(peer), 65_535, 'still bounded by the 65,535-octet connection window');
});
