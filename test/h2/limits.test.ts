/**
 * Every named HTTP/2 limit (lib/h2/limits.ts), crossed over a real socket.
 */
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import t from 'tap';
import { DEFAULT_H2_LIMITS } from '../../lib/h2/limits.js';
import { Token, WriteMode } from '../../lib/index.js';
import { Flag, FrameType, H2Peer, SettingsId } from '../support/h2-peer.js';
import { start } from '../support/server.js';

const ENHANCE_YOUR_CALM = 0xb;
const hello = (tx: import('../../lib/index.js').Transaction): Promise<void> => tx.respond(200, {}, 'ok');

t.test('maxHeaderListSize: a larger request gets 431 and the connection lives on', async (t) => {
  const { port } = await start(t, hello);
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  t.equal(peer.serverSettings.get(SettingsId.MAX_HEADER_LIST_SIZE), DEFAULT_H2_LIMITS.maxHeaderListSize, 'advertised');
  // 40 fields of ~1.7 KiB: ~70 KiB decoded, just over the 64 KiB default; each block fits in one frame set.
  const extra: Array<[string, string]> = Array.from({ length: 40 }, (_, i) => [`x-h${i}`, 'v'.repeat(1700)]);
  peer.request(1, '/', { extra });
  t.equal((await peer.response(1)).status, 431);
  const under: Array<[string, string]> = Array.from({ length: 30 }, (_, i) => [`x-h${i}`, 'v'.repeat(1700)]);
  peer.request(3, '/', { extra: under });
  t.equal((await peer.response(3)).status, 200, 'a list just under the limit is served on the same connection');
});

t.test('maxContinuationFrames: a header block in too many pieces is ENHANCE_YOUR_CALM', async (t) => {
  const { port } = await start(t, hello);
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  const block = peer.block([[':method', 'GET'], [':scheme', 'http'], [':authority', 'a'], [':path', '/'], ['x-pad', 'p'.repeat(200)]]);
  const pieces = DEFAULT_H2_LIMITS.maxContinuationFrames + 2;
  const size = Math.ceil(block.length / pieces);
  peer.frame(FrameType.HEADERS, 0, 1, block.subarray(0, size));
  for (let i = 1; i < pieces; i++) {
    const last = i === pieces - 1;
    peer.frame(FrameType.CONTINUATION, last ? Flag.END_HEADERS : 0, 1, block.subarray(i * size, last ? block.length : (i + 1) * size));
  }
  t.equal((await peer.goaway()).errorCode, ENHANCE_YOUR_CALM);
});

t.test('maxContinuationFrames: exactly the limit is accepted', async (t) => {
  const { port } = await start(t, hello);
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  const block = peer.block([[':method', 'GET'], [':scheme', 'http'], [':authority', 'a'], [':path', '/']]);
  peer.frame(FrameType.HEADERS, 0, 1, block);
  for (let i = 0; i < DEFAULT_H2_LIMITS.maxContinuationFrames - 1; i++) peer.frame(FrameType.CONTINUATION, 0, 1);
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1);
  t.equal((await peer.response(1)).status, 200);
});

t.test('header block bytes: a compressed block above twice maxHeaderListSize is ENHANCE_YOUR_CALM', async (t) => {
  const { port } = await start(t, hello, { h2: { maxHeaderListSize: 8192 } });
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  peer.frame(FrameType.HEADERS, 0, 1, Buffer.alloc(16_384, 0x40));
  peer.frame(FrameType.CONTINUATION, 0, 1, Buffer.alloc(100, 0x40));
  t.equal((await peer.goaway()).errorCode, ENHANCE_YOUR_CALM);
});

t.test('maxResetsPerInterval: rapid reset (CVE-2023-44487) closes the connection', async (t) => {
  const { port } = await start(t, () => {});
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  for (let id = 1, n = 0; n <= DEFAULT_H2_LIMITS.maxResetsPerInterval; n++, id += 2) {
    peer.request(id, '/', { endStream: false });
    peer.rst(id, 0x8);
  }
  const g = await peer.goaway();
  t.equal(g.errorCode, ENHANCE_YOUR_CALM);
  t.match(g.debug, /rapid reset/);
});

t.test('maxResetsPerInterval: resets under the budget are fine', async (t) => {
  const { port } = await start(t, hello, { h2: { maxResetsPerInterval: 50 } });
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  for (let id = 1; id < 100; id += 2) {
    peer.request(id, '/', { endStream: false });
    peer.rst(id, 0x8);
  }
  peer.request(101, '/');
  t.equal((await peer.response(101)).status, 200);
  t.notOk(peer.frames.some((f) => f.type === FrameType.GOAWAY));
});

t.test('maxSettingsPerInterval: a SETTINGS flood is ENHANCE_YOUR_CALM', async (t) => {
  const { port } = await start(t, hello);
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  for (let i = 0; i <= DEFAULT_H2_LIMITS.maxSettingsPerInterval; i++) peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 65_535]]);
  t.equal((await peer.goaway()).errorCode, ENHANCE_YOUR_CALM);
});

t.test('maxPingsPerInterval: a PING flood is ENHANCE_YOUR_CALM; each PING under it is answered', async (t) => {
  const { port } = await start(t, hello);
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  for (let i = 0; i < DEFAULT_H2_LIMITS.maxPingsPerInterval; i++) peer.ping(Buffer.from(`ping${String(i).padStart(4, '0')}`));
  const last = await peer.next((f) => f.type === FrameType.PING && f.payload.toString() === `ping${String(DEFAULT_H2_LIMITS.maxPingsPerInterval - 1).padStart(4, '0')}`);
  t.equal(last.flags & Flag.ACK, Flag.ACK, 'answered with ACK and the same payload');
  peer.ping();
  t.equal((await peer.goaway()).errorCode, ENHANCE_YOUR_CALM);
});

t.test('maxEmptyDataPerInterval: empty DATA frames without END_STREAM are ENHANCE_YOUR_CALM', async (t) => {
  const { port } = await start(t, () => {});
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  peer.request(1, '/', { method: 'POST', endStream: false });
  for (let i = 0; i <= DEFAULT_H2_LIMITS.maxEmptyDataPerInterval; i++) peer.data(1, Buffer.alloc(0));
  t.equal((await peer.goaway()).errorCode, ENHANCE_YOUR_CALM);
});

t.test('idleTimeoutMs: a connection with no stream is closed with GOAWAY NO_ERROR', async (t) => {
  const { port } = await start(t, hello, { h2: { idleTimeoutMs: 150 } });
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  peer.request(1, '/');
  await peer.response(1);
  const g = await peer.goaway(2000);
  t.equal(g.errorCode, 0);
  t.equal(g.lastStreamId, 1, 'the stream that was served is reported as processed');
  await peer.closedByServer();
});

t.test('settingsAckTimeoutMs: a peer that never ACKs our SETTINGS gets SETTINGS_TIMEOUT', async (t) => {
  const { port } = await start(t, hello, { h2: { settingsAckTimeoutMs: 150 } });
  const peer = await H2Peer.connect(port, { raw: true });
  t.teardown(() => peer.close());
  peer.write(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
  peer.settings([]);
  t.equal((await peer.goaway(2000)).errorCode, 0x4);
});

t.test('maxConcurrentStreams: one stream too many is REFUSED_STREAM, and a slot frees when a stream ends', async (t) => {
  const pending: Array<() => void> = [];
  const { port } = await start(t, (tx) => new Promise<void>((resolve) => pending.push(() => resolve(tx.respond(200, {}, 'done')))), { h2: { maxConcurrentStreams: 2 } });
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  t.equal(peer.serverSettings.get(SettingsId.MAX_CONCURRENT_STREAMS), 2);
  peer.request(1, '/');
  peer.request(3, '/');
  peer.request(5, '/');
  t.equal(await peer.rstCode(5), 0x7, 'REFUSED_STREAM');
  while (pending.length < 2) await new Promise((r) => setTimeout(r, 5));
  pending.shift()!();
  await peer.response(1);
  peer.request(7, '/');
  while (pending.length < 2) await new Promise((r) => setTimeout(r, 5));
  for (const p of pending.splice(0)) p();
  t.equal((await peer.response(7)).status, 200, 'accepted once stream 1 ended');
  t.equal((await peer.response(3)).status, 200);
});

t.test('maxFrameSize (ours): a frame above it is FRAME_SIZE_ERROR', async (t) => {
  const { port } = await start(t, () => {});
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  peer.request(1, '/', { method: 'POST', endStream: false });
  peer.data(1, Buffer.alloc(DEFAULT_H2_LIMITS.maxFrameSize + 1));
  t.equal((await peer.goaway()).errorCode, 0x6);
});

t.test('connectionWindowSize: advertised at once; DATA beyond it is a FLOW_CONTROL_ERROR connection error', async (t) => {
  const { port } = await start(t, () => {}, { h2: { connectionWindowSize: 100_000, initialWindowSize: 1 << 20, maxFrameSize: 1 << 20 } });
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  const wu = peer.frames.find((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 0);
  t.equal(wu?.payload.readUInt32BE(0), 100_000 - 65_535, 'connection window raised right after SETTINGS');
  peer.request(1, '/', { method: 'POST', endStream: false });
  peer.data(1, Buffer.alloc(100_001));
  t.equal((await peer.goaway()).errorCode, 0x3);
});

t.test('headerTableSize: a dynamic table size update above our SETTINGS_HEADER_TABLE_SIZE is COMPRESSION_ERROR', async (t) => {
  const { port } = await start(t, hello);
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  // 0x3f e1 1f = size update to 4097 (RFC 7541 §6.3, 5-bit prefix)
  peer.frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, Buffer.from('3fe21f828684', 'hex'));
  t.equal((await peer.goaway()).errorCode, 0x9);
});

t.test('outboundBufferBytes: a peer that stops reading stops the handler, memory stays bounded', async (t) => {
  let written = 0;
  const chunk = Buffer.alloc(64 << 10);
  const { port } = await start(t, async (tx) => {
    tx.status(200).headerByToken(Token.CONTENT_LENGTH, 64 << 20).finalizeHeaders();
    for (let i = 0; i < 1024; i++) {
      await tx.write(chunk, i === 1023 ? WriteMode.HTTP_FINAL : WriteMode.HTTP).catch(() => {});
      written += chunk.length;
    }
  });
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 2 ** 31 - 1]] });
  t.teardown(() => peer.close());
  peer.windowUpdate(0, 2 ** 31 - 1 - 65_535);
  peer.request(1, '/');
  await peer.next((f) => f.type === FrameType.DATA);
  peer.socket.pause();
  await new Promise((r) => setTimeout(r, 400));
  const stalled = written;
  await new Promise((r) => setTimeout(r, 200));
  t.equal(written, stalled, 'the handler is held while the peer does not read');
  t.ok(stalled < 32 << 20, `only ${stalled} of 64 MiB produced: socket buffers plus outboundBufferBytes, not the whole body`);
  peer.socket.resume();
  await peer.next((f) => f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0, 20_000);
  t.equal(written, 64 << 20, 'all of it once the peer reads again');
});

for (const kind of ['PING', 'SETTINGS'] as const) {
t.test(`maxOutboundControlBytes: the backstop: answers to one read of a ${kind} flood above it cut the connection off`, async (t) => {
  const { port } = await start(
    t,
    async (tx) => {
      tx.status(200).finalizeHeaders();
      await tx.write(Buffer.alloc(8 << 20), WriteMode.HTTP_FINAL).catch(() => {});
    },
    { h2: { maxOutboundControlBytes: 16 << 10, maxPingsPerInterval: 1_000_000, maxSettingsPerInterval: 1_000_000 } },
  );
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 2 ** 31 - 1]] });
  t.teardown(() => peer.close());
  peer.windowUpdate(0, 2 ** 31 - 1 - 65_535);
  peer.request(1, '/');
  await peer.next((f) => f.type === FrameType.DATA);
  peer.socket.pause();
  await new Promise((r) => setTimeout(r, 200));
  // Each PING costs a 17-octet ACK, each SETTINGS a 9-octet one: answers pile up in the socket, unread.
  for (let i = 0; i < 8000; i++) {
    if (kind === 'PING') peer.ping();
    else peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 2 ** 31 - 1]]);
  }
  await new Promise((r) => setTimeout(r, 300));
  peer.socket.resume();
  t.equal((await peer.goaway(10_000)).errorCode, ENHANCE_YOUR_CALM);
});
}

/** 200 KiB in one write: more than any window these tests grant. */
const big = (tx: import('../../lib/index.js').Transaction): Promise<void> => tx.respond(200, {}, Buffer.alloc(200 * 1024, 0x61));

t.test('creditStallTimeoutMs: a stream that never gets credit is reset with ENHANCE_YOUR_CALM, the connection lives on', async (t) => {
  const T = 300;
  const { port } = await start(t, big, { h2: { creditStallTimeoutMs: T } });
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 0]] });
  t.teardown(() => peer.close());
  const asked = Date.now();
  peer.request(1, '/');
  t.equal(await peer.rstCode(1, 5000), ENHANCE_YOUR_CALM, 'RST_STREAM ENHANCE_YOUR_CALM');
  const after = Date.now() - asked;
  t.ok(after >= T && after < T * 1.25 + 500, `after creditStallTimeoutMs (${after} ms)`);
  t.notOk(peer.frames.some((f) => f.type === FrameType.GOAWAY), 'no GOAWAY: only the stream was stalled');
  peer.request(3, '/', { extra: [] });
  peer.windowUpdate(3, 300 * 1024);
  peer.windowUpdate(0, 300 * 1024);
  t.equal((await peer.response(3)).body.length, 200 * 1024, 'the connection still serves a stream that gets credit');
});

t.test('creditStallTimeoutMs: a stream that gets credit slowly but steadily is never reaped', async (t) => {
  const T = 300;
  const { port } = await start(t, big, { h2: { creditStallTimeoutMs: T } });
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 0]] });
  t.teardown(() => peer.close());
  peer.request(1, '/');
  // 8 KiB every 100 ms: 200 KiB take 2.5 s, eight times the timeout, but credit never stops for T.
  const timer = setInterval(() => {
    peer.windowUpdate(1, 8192);
    peer.windowUpdate(0, 8192);
  }, 100);
  t.teardown(() => clearInterval(timer));
  const r = await peer.response(1, 10_000);
  clearInterval(timer);
  t.equal(r.body.length, 200 * 1024, 'the whole body arrived');
});

t.test('creditStallTimeoutMs: a connection window left at zero gets GOAWAY ENHANCE_YOUR_CALM', async (t) => {
  const T = 300;
  const { port } = await start(t, big, { h2: { creditStallTimeoutMs: T } });
  // Streams may take 1 MiB each, but the connection window stays at its initial 65,535.
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 1 << 20]] });
  t.teardown(() => peer.close());
  peer.request(1, '/');
  const g = await peer.goaway(5000);
  t.equal(g.errorCode, ENHANCE_YOUR_CALM);
  t.match(g.debug, /no connection credit/);
  await peer.closedByServer();
});

t.test('creditStallTimeoutMs: a peer that grants credit but stops reading the socket is closed', async (t) => {
  const T = 400;
  const payload = Buffer.alloc(32 << 20, 0x62);
  const { port, server } = await start(t, (tx) => tx.respond(200, {}, payload), { h2: { creditStallTimeoutMs: T } });
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 0x7fffffff]] });
  t.teardown(() => peer.close());
  peer.windowUpdate(0, 0x7fffffff - 65_535);
  peer.request(1, '/');
  await peer.next((f) => f.type === FrameType.DATA);
  peer.socket.pause(); // credit for everything, but not one more byte read
  const paused = Date.now();
  while (server.connections > 0 && Date.now() - paused < 10_000) await new Promise((r) => setTimeout(r, 50));
  const after = Date.now() - paused;
  t.equal(server.connections, 0, `the server closed the connection (${after} ms after the peer stopped reading)`);
  t.ok(after >= T, 'not before creditStallTimeoutMs');
});

t.test('a PING flood whose answers are not read is answered by not reading: nothing grows, nobody is cut off, every PING is answered once the peer reads', async (t) => {
  const sockets: import('node:net').Socket[] = [];
  const onSocket = (msg: unknown): void => void sockets.push((msg as { socket: import('node:net').Socket }).socket);
  diagnostics.subscribe('net.server.socket', onSocket);
  t.teardown(() => diagnostics.unsubscribe('net.server.socket', onSocket));
  const { port } = await start(t, hello, { h2: { maxPingsPerInterval: 10_000_000 } });
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  t.teardown(() => socket.destroy());
  socket.pause(); // reads none of our answers
  const PINGS = 1_000_000;
  const ping = Buffer.from([0, 0, 8, FrameType.PING, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
  socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, FrameType.SETTINGS, 0, 0, 0, 0, 0])]));
  socket.write(Buffer.concat(Array.from({ length: PINGS }, () => ping)));
  await new Promise((r) => setTimeout(r, 1500));
  const read = sockets.reduce((n, s) => n + s.bytesRead, 0);
  t.comment(`while the peer did not read, the server read ${read} of ${PINGS * 17} bytes of PINGs`);
  t.ok(read < (PINGS * 17) / 2, 'the server stopped reading: the rest of the flood waits in TCP');
  let got = 0;
  socket.on('data', (d: Buffer) => (got += d.length));
  socket.resume();
  const deadline = Date.now() + 30_000;
  while (got < PINGS * 17 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.ok(got >= PINGS * 17, `every PING was answered once the peer read (${got} bytes of answers)`);
  t.notOk(socket.destroyed, 'and the connection is still open');
});
