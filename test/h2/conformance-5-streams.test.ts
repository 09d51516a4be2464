/**
 * RFC 9113 §5: stream states (§5.1), identifiers (§5.1.1), concurrency
 * (§5.1.2), self-dependency (§5.3.1, RFC 7540), error handling (§5.4),
 * extensibility (§5.5).
 * h2spec: http2 5.1 (13 cases), 5.1.1 (2), 5.1.2 (1), 5.3.1 (2), 5.4.1 (2), 5.5 (2).
 */
import t from 'tap';
import { Flag, FrameType, SettingsId } from '../support/h2-peer.js';
import {
  ErrorCode,
  commonHeaders,
  expectAlive,
  expectConnectionError,
  expectPingAck,
  expectRstStream,
  expectStreamError,
  headersFrame,
  opaque,
  priority,
  serve,
  u32,
} from '../support/conformance.js';
import type { H2Peer } from '../support/h2-peer.js';

const END = Flag.END_STREAM | Flag.END_HEADERS;
const dummy = (): Array<[string, string]> => [['x-dummy0', 'x'.repeat(4000)]];

/** h2spec's VerifyStreamClose: the response ends (END_STREAM), or the server resets the stream with NO_ERROR. */
async function streamClosed(peer: H2Peer, streamId: number): Promise<void> {
  await peer.next(
    (f) =>
      f.streamId === streamId &&
      (((f.type === FrameType.DATA || f.type === FrameType.HEADERS) && (f.flags & Flag.END_STREAM) !== 0) ||
        (f.type === FrameType.RST_STREAM && f.payload.readUInt32BE(0) === ErrorCode.NO_ERROR)),
  );
}

t.test('5.1 (h2spec http2/5.1/1) idle: DATA is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.data(1, 'test', true);
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('5.1 (h2spec http2/5.1/2) idle: RST_STREAM is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.rst(1, ErrorCode.CANCEL);
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('5.1 (h2spec http2/5.1/3) idle: WINDOW_UPDATE is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.windowUpdate(1, 100);
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('5.1 (h2spec http2/5.1/4) idle: CONTINUATION is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, peer.block(commonHeaders(port)));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('5.1 (h2spec http2/5.1/5) half-closed (remote): DATA is a stream error STREAM_CLOSED', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  peer.data(1, 'test', true);
  await expectStreamError(t, peer, 1, [ErrorCode.STREAM_CLOSED]);
});

t.test('5.1 half-closed (remote) while the response is pending: DATA is RST_STREAM STREAM_CLOSED, the connection lives', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port, 'GET', '/hold')));
  peer.data(1, 'test', true);
  await expectRstStream(t, peer, 1, ErrorCode.STREAM_CLOSED);
});

t.test('5.1 (h2spec http2/5.1/6) half-closed (remote): HEADERS is a stream error STREAM_CLOSED', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  await expectStreamError(t, peer, 1, [ErrorCode.STREAM_CLOSED]);
});

t.test('5.1 (h2spec http2/5.1/7) half-closed (remote): CONTINUATION is STREAM_CLOSED or PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  const block = peer.block(commonHeaders(port));
  headersFrame(peer, 1, END, block);
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block);
  await expectStreamError(t, peer, 1, [ErrorCode.STREAM_CLOSED, ErrorCode.PROTOCOL_ERROR]);
});

t.test('5.1 (h2spec http2/5.1/8) closed: DATA after the peer sent RST_STREAM is a stream error STREAM_CLOSED', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port)));
  peer.rst(1, ErrorCode.CANCEL);
  peer.data(1, 'test', true);
  await expectStreamError(t, peer, 1, [ErrorCode.STREAM_CLOSED]);
});

t.test('5.1 (h2spec http2/5.1/9) closed: HEADERS after the peer sent RST_STREAM is STREAM_CLOSED', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port)));
  peer.rst(1, ErrorCode.CANCEL);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  await expectStreamError(t, peer, 1, [ErrorCode.STREAM_CLOSED]);
});

t.test('5.1 (h2spec http2/5.1/10) closed: CONTINUATION after the peer sent RST_STREAM is STREAM_CLOSED or PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port)));
  peer.rst(1, ErrorCode.CANCEL);
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, peer.block(dummy()));
  await expectStreamError(t, peer, 1, [ErrorCode.STREAM_CLOSED, ErrorCode.PROTOCOL_ERROR]);
});

t.test('5.1 (h2spec http2/5.1/11) closed: DATA after both sides ended the stream is a connection error STREAM_CLOSED', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  await streamClosed(peer, 1);
  peer.data(1, 'test', true);
  // h2spec's verdict is VerifyConnectionError: a RST_STREAM fails it.
  await expectConnectionError(t, peer, [ErrorCode.STREAM_CLOSED]);
});

t.test('5.1 closed: DATA after the peer reset the stream stays a stream error, the connection lives', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST', '/hold')));
  await peer.sync();
  peer.rst(1, ErrorCode.CANCEL);
  peer.data(1, 'test', true);
  await expectRstStream(t, peer, 1, ErrorCode.STREAM_CLOSED);
});

t.test('5.1 (h2spec http2/5.1/12) closed: HEADERS after both sides ended the stream is a connection error STREAM_CLOSED', async (t) => {
  const { peer, port } = await serve(t);
  const block = peer.block(commonHeaders(port));
  headersFrame(peer, 1, END, block);
  await streamClosed(peer, 1);
  headersFrame(peer, 1, END, block);
  await expectConnectionError(t, peer, [ErrorCode.STREAM_CLOSED]);
});

t.test('5.1 (h2spec http2/5.1/13) closed: CONTINUATION after both sides ended the stream is a connection error', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  await streamClosed(peer, 1);
  peer.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, peer.block(dummy()));
  await expectConnectionError(t, peer, [ErrorCode.STREAM_CLOSED, ErrorCode.PROTOCOL_ERROR]);
});

t.test('5.1 closed: after the server reset a stream, frames the peer had in flight on it are ignored', async (t) => {
  const { peer, port } = await serve(t);
  peer.headers(1, [...commonHeaders(port, 'POST', '/upload'), ['content-length', '1']], { endStream: false });
  peer.data(1, 'four'); // longer than content-length: malformed (§8.1.1)
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR]);
  const reset = peer.frames.findIndex((f) => f.type === FrameType.RST_STREAM && f.streamId === 1);
  peer.data(1, 'more');
  peer.windowUpdate(1, 100);
  peer.frame(FrameType.PRIORITY, 0, 1, priority(0, 15));
  peer.headers(1, [['x-trailer', 'late']], { endStream: true });
  await expectAlive(t, peer, []);
  t.same(
    peer.frames.slice(reset + 1).filter((f) => f.streamId === 1).map((f) => f.type),
    [],
    'the server sends nothing more on the stream it reset (§5.1: only PRIORITY may follow)',
  );
});

t.test('5.1 closed: DATA on a lower stream the peer skipped (implicitly closed) is a stream error STREAM_CLOSED', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 5, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST', '/upload')));
  peer.data(3, 'test', true); // §5.1.1: opening 5 closed the idle streams 1 and 3
  await expectStreamError(t, peer, 3, [ErrorCode.STREAM_CLOSED]);
});

t.test('5.1.1 (h2spec http2/5.1.1/1) an even-numbered stream identifier is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 2, END, peer.block(commonHeaders(port)));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('5.1.1 (h2spec http2/5.1.1/2) a stream identifier smaller than a previous one is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 5, END, peer.block(commonHeaders(port)));
  headersFrame(peer, 3, END, peer.block(commonHeaders(port)));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('5.1.1 identifiers may skip: stream 7 opened first is served', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 7, END, peer.block(commonHeaders(port)));
  const res = await peer.response(7);
  t.equal(res.status, 200);
});

t.test('5.1.2 (h2spec http2/5.1.2/1) HEADERS beyond SETTINGS_MAX_CONCURRENT_STREAMS is a stream error REFUSED_STREAM or PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  const max = peer.serverSettings.get(SettingsId.MAX_CONCURRENT_STREAMS);
  t.type(max, 'number', 'the server advertises a limit');
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 0]]); // responses cannot finish: the streams stay open
  const block = peer.block(commonHeaders(port));
  for (let i = 0; i <= max!; i++) headersFrame(peer, 1 + 2 * i, END, block);
  const last = 1 + 2 * max!;
  await expectStreamError(t, peer, last, [ErrorCode.REFUSED_STREAM, ErrorCode.PROTOCOL_ERROR]);
  t.equal(peer.frames.filter((f) => f.type === FrameType.RST_STREAM).length, 1, 'only the excess stream is refused');
  t.equal(seen.length, max, 'the refused request never reached the application');
});

t.test('5.1.2 closed streams do not count toward SETTINGS_MAX_CONCURRENT_STREAMS', async (t) => {
  const { peer, port } = await serve(t, { server: { h2: { maxConcurrentStreams: 1 } } });
  for (const id of [1, 3, 5]) {
    peer.headers(id, commonHeaders(port), { endStream: true });
    t.equal((await peer.response(id)).status, 200, `stream ${id} served`);
  }
  peer.headers(7, commonHeaders(port, 'GET', '/hold'), { endStream: true });
  await peer.sync();
  t.same(peer.frames.filter((f) => f.streamId === 7).map((f) => f.type), [], 'the held stream is open');
  peer.rst(7, ErrorCode.CANCEL);
  peer.headers(9, commonHeaders(port), { endStream: true });
  t.equal((await peer.response(9)).status, 200, 'a stream the peer reset frees its slot');
});

t.test('5.3.1 (h2spec http2/5.3.1/1) HEADERS depending on its own stream is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  peer.frame(FrameType.HEADERS, END | Flag.PRIORITY, 1, Buffer.concat([priority(1, 255), peer.block(commonHeaders(port))]));
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR]);
  t.equal(seen.length, 0, 'not passed to the application');
});

t.test('5.3.1 (h2spec http2/5.3.1/2) PRIORITY depending on its own stream is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.PRIORITY, 0, 1, priority(1, 255));
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('5.4.1 (h2spec http2/5.4.1/1) after a connection error the server closes the TCP connection', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.PING, 0, 3, Buffer.alloc(8)); // PING on a stream
  await peer.closedByServer();
  t.pass('closed');
});

t.test('5.4.1 (h2spec http2/5.4.1/2, strict) a connection error sends GOAWAY first', async (t) => {
  const { peer } = await serve(t);
  peer.frame(FrameType.PING, 0, 3, Buffer.alloc(8));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('5.4.1 the GOAWAY of a connection error names the last stream the server processed', async (t) => {
  const { peer, port } = await serve(t);
  peer.headers(1, commonHeaders(port), { endStream: true });
  await peer.response(1);
  peer.headers(3, commonHeaders(port, 'GET', '/hold'), { endStream: true });
  await peer.sync();
  peer.frame(FrameType.PING, 0, 3, Buffer.alloc(8));
  const goaway = await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
  t.equal(goaway.payload.readUInt32BE(0), 3, 'last stream id 3');
});

t.test('5.4.2 the server does not answer RST_STREAM with RST_STREAM', async (t) => {
  const { peer, port } = await serve(t);
  peer.headers(1, commonHeaders(port, 'GET', '/hold'), { endStream: true });
  await peer.sync();
  peer.rst(1, ErrorCode.CANCEL);
  await expectAlive(t, peer);
  t.same(peer.frames.filter((f) => f.streamId === 1).map((f) => f.type), [], 'nothing at all on the stream');
});

t.test('5.5 (h2spec http2/5.5/1) an unknown extension frame is ignored', async (t) => {
  const { peer } = await serve(t);
  peer.frame(0x16, 0, 0, Buffer.alloc(8));
  const data = Buffer.alloc(8);
  peer.ping(data);
  await expectPingAck(t, peer, data);
});

t.test('5.5 (h2spec http2/5.5/2) an unknown extension frame inside a header block is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_STREAM, peer.block(commonHeaders(port)));
  peer.frame(0x16, 0, 0, Buffer.alloc(8));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('5.5 unknown frame types on an idle or an open stream are ignored', async (t) => {
  const { peer, port, seen } = await serve(t);
  peer.frame(0xfa, 0xff, 9, Buffer.from('on an idle stream'));
  peer.headers(1, commonHeaders(port, 'POST', '/upload'), { endStream: false });
  peer.data(1, 'part one, ');
  peer.frame(0xfb, 0x01, 1, Buffer.from('between DATA frames'));
  peer.data(1, 'part two', true);
  const res = await peer.response(1);
  t.equal(res.status, 200);
  t.equal(seen[0]?.body?.toString(), 'part one, part two', 'the body is intact');
  headersFrame(peer, 3, END, peer.block(commonHeaders(port)));
  t.equal((await peer.response(3)).status, 200, 'stream 3 still opens (the unknown frame on 9 did not open it)');
  await expectAlive(t, peer);
});

t.test('5.5 an unknown SETTINGS identifier and an unknown error code change nothing', async (t) => {
  const { peer, port } = await serve(t);
  peer.settings([[0xf00d, 12345]]);
  await peer.settingsAck();
  peer.headers(1, commonHeaders(port, 'GET', '/hold'), { endStream: true });
  peer.rst(1, 0xdead);
  const data = opaque('5.5');
  peer.ping(data);
  await expectPingAck(t, peer, data);
  peer.frame(FrameType.WINDOW_UPDATE, 0, 0, u32(1));
  await expectAlive(t, peer);
});
