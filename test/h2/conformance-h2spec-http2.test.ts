/**
 * h2spec's "http2" group replayed case by case (summerwind/h2spec, http2/*.go):
 * each case sends exactly the octets h2spec sends (its Go HPACK encoder, its
 * frame writer, its raw byte strings) and passes exactly when h2spec's verifier
 * would, plus one stricter rule: the server sends nothing but HTTP/2 frames.
 * The RFC-strict versions of these cases (exact codes, GOAWAY then close, the
 * connection alive after a stream error) are in the other conformance-*.test.ts files.
 * Cases marked "variant" are the same id as sent by other h2spec releases.
 * Every case runs against two applications: one that reads each request to its
 * end before answering, and one that answers at once (like the demo's "/") while
 * h2spec's frames arrive one by one, so its responses end before its requests.
 */
import t from 'tap';
import { Flag, FrameType, SettingsId } from '../support/h2-peer.js';
import { ErrorCode, H2specConn, answerAtOnce, application, dummyHeaders, h2specPassed, type H2specVerdict, type Seen } from '../support/conformance.js';
import { start } from '../support/server.js';

const { PROTOCOL_ERROR: PROTOCOL, STREAM_CLOSED, FRAME_SIZE_ERROR: FRAME_SIZE, FLOW_CONTROL_ERROR: FLOW_CONTROL, COMPRESSION_ERROR: COMPRESSION, REFUSED_STREAM, CANCEL } = ErrorCode;
const MAX = 2_147_483_647;
const zeros = Buffer.alloc(8);
const h2specData = Buffer.from('h2spec\0\0', 'latin1');
const unknownFrame = Buffer.concat([Buffer.from('\x00\x00\x08\x16\x00\x00\x00\x00\x00', 'latin1'), zeros]);

const seen: Seen[] = [];
/**
 * Two targets: an application that reads each request to its end before it
 * answers, and one that answers at once (the demo's "/"), with h2spec's frames
 * arriving one by one, so responses end before the requests that h2spec keeps sending.
 */
const targets = [
  { name: 'reading', port: (await start(t, application(seen))).port, gapMs: 0 },
  { name: 'eager', port: (await start(t, answerAtOnce(seen))).port, gapMs: 5 },
];

type Case = (c: H2specConn) => Promise<H2specVerdict>;

function h2spec(id: string, desc: string, run: Case, firstSettings = true): void {
  for (const target of targets) {
    t.test(`h2spec http2/${id} (${target.name} app): ${desc}`, async (t) => {
      const c = await H2specConn.dial(t, target.port, { gapMs: target.gapMs });
      h2specPassed(t, c, await run(c), desc, firstSettings);
    });
  }
}

/** The usual request (or `fields`) on `streamId`, one HEADERS frame. */
function request(c: H2specConn, streamId: number, o: { method?: string; endStream?: boolean; endHeaders?: boolean; fields?: Array<[string, string]>; extra?: Array<[string, string]> } = {}): void {
  const fields = o.fields ?? c.commonHeaders();
  if (o.method) fields[0] = [':method', o.method];
  c.writeHeaders({ streamId, block: c.encodeHeaders([...fields, ...(o.extra ?? [])]), endStream: o.endStream ?? true, endHeaders: o.endHeaders ?? true });
}

const post = (c: H2specConn, extra: Array<[string, string]> = []): void => request(c, 1, { method: 'POST', endStream: false, extra });
const dataLength = (n: number) => async (c: H2specConn) => c.verifyEventType(FrameType.DATA, (f) => f.payload.length === n);

// --- 3 Starting HTTP/2 ---

h2spec('3.2/1 (variant)', 'Sends client connection preface', async (c) => {
  c.send('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  c.writeSettings([[SettingsId.INITIAL_WINDOW_SIZE, 65_535]]);
  return c.verifyEventType(FrameType.SETTINGS);
});
h2spec('3.5/1', 'Sends client connection preface', async (c) => {
  c.send('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  c.writeSettings([[SettingsId.INITIAL_WINDOW_SIZE, 65_535]]);
  return c.verifyEventType(FrameType.SETTINGS, (f) => (f.flags & Flag.ACK) === 0);
});
h2spec(
  '3.5/2',
  'Sends invalid connection preface',
  async (c) => {
    c.send('INVALID CONNECTION PREFACE\r\n\r\n');
    return c.verifyConnectionClose();
  },
  false,
);

// --- 4 HTTP frames ---

h2spec('4.1/1', 'Sends a frame with unknown type', async (c) => {
  await c.handshake();
  c.send(unknownFrame);
  c.writePing(false, zeros);
  return c.verifyEventType(FrameType.PING);
});
h2spec('4.1/2', 'Sends a frame with undefined flag', async (c) => {
  await c.handshake();
  c.send(Buffer.concat([Buffer.from('\x00\x00\x08\x06\x16\x00\x00\x00\x00', 'latin1'), zeros]));
  return c.verifyEventType(FrameType.PING);
});
h2spec('4.1/3', 'Sends a frame with reserved field bit', async (c) => {
  await c.handshake();
  c.send(Buffer.concat([Buffer.from('\x00\x00\x08\x06\x16\x80\x00\x00\x00', 'latin1'), zeros]));
  return c.verifyEventType(FrameType.PING);
});
h2spec('4.2/1', 'Sends a DATA frame with 2^14 octets in length', async (c) => {
  await c.handshake();
  post(c);
  c.writeData(1, true, 'x'.repeat(c.maxFrameSize()));
  return c.verifyEventType(FrameType.HEADERS);
});
h2spec('4.2/2', 'Sends a large size DATA frame that exceeds the SETTINGS_MAX_FRAME_SIZE', async (c) => {
  await c.handshake();
  post(c);
  c.writeData(1, true, 'x'.repeat(c.maxFrameSize() + 1));
  return c.verifyStreamError(FRAME_SIZE);
});
h2spec('4.2/3', 'Sends a large size HEADERS frame that exceeds the SETTINGS_MAX_FRAME_SIZE', async (c) => {
  await c.handshake();
  request(c, 1, { extra: dummyHeaders(5) });
  return c.verifyConnectionError(FRAME_SIZE);
});
h2spec('4.3/1', 'Sends invalid header block fragment', async (c) => {
  await c.handshake();
  c.send('\x00\x00\x01\x01\x05\x00\x00\x00\x01\x40');
  return c.verifyConnectionError(COMPRESSION);
});
h2spec('4.3/2', 'Sends a PRIORITY frame while sending the header blocks', async (c) => {
  await c.handshake();
  request(c, 1, { endStream: false, endHeaders: false });
  c.writePriority(1, 0, false, 255);
  c.writeContinuation(1, true, c.encodeHeaders(dummyHeaders(1)));
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('4.3/3', 'Sends a HEADERS frame to another stream while sending the header blocks', async (c) => {
  await c.handshake();
  request(c, 1, { endStream: false, endHeaders: false });
  request(c, 3);
  c.writeContinuation(1, true, c.encodeHeaders(dummyHeaders(1)));
  return c.verifyConnectionError(PROTOCOL);
});

// --- 5.1 Stream states ---

h2spec('5.1/1', 'idle: Sends a DATA frame', async (c) => {
  await c.handshake();
  c.writeData(1, true, 'test');
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('5.1/2', 'idle: Sends a RST_STREAM frame', async (c) => {
  await c.handshake();
  c.writeRstStream(1, CANCEL);
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('5.1/3', 'idle: Sends a WINDOW_UPDATE frame', async (c) => {
  await c.handshake();
  c.writeWindowUpdate(1, 100);
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('5.1/4', 'idle: Sends a CONTINUATION frame', async (c) => {
  await c.handshake();
  c.writeContinuation(1, true, c.encodeHeaders(c.commonHeaders()));
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('5.1/5', 'half closed (remote): Sends a DATA frame', async (c) => {
  await c.handshake();
  request(c, 1);
  c.writeData(1, true, 'test');
  return c.verifyStreamError(STREAM_CLOSED);
});
h2spec('5.1/6', 'half closed (remote): Sends a HEADERS frame', async (c) => {
  await c.handshake();
  request(c, 1);
  request(c, 1);
  return c.verifyStreamError(STREAM_CLOSED);
});
h2spec('5.1/7', 'half closed (remote): Sends a CONTINUATION frame', async (c) => {
  await c.handshake();
  const block = c.encodeHeaders(c.commonHeaders());
  c.writeHeaders({ streamId: 1, block, endStream: true, endHeaders: true });
  c.writeContinuation(1, true, block);
  return c.verifyStreamError(STREAM_CLOSED, PROTOCOL);
});
h2spec('5.1/8', 'closed: Sends a DATA frame after sending RST_STREAM frame', async (c) => {
  await c.handshake();
  request(c, 1, { endStream: false });
  c.writeRstStream(1, CANCEL);
  c.writeData(1, true, 'test');
  return c.verifyStreamError(STREAM_CLOSED);
});
h2spec('5.1/9', 'closed: Sends a HEADERS frame after sending RST_STREAM frame', async (c) => {
  await c.handshake();
  request(c, 1, { endStream: false });
  c.writeRstStream(1, CANCEL);
  request(c, 1);
  return c.verifyStreamError(STREAM_CLOSED);
});
h2spec('5.1/10', 'closed: Sends a CONTINUATION frame after sending RST_STREAM frame', async (c) => {
  await c.handshake();
  request(c, 1, { endStream: false });
  c.writeRstStream(1, CANCEL);
  c.writeContinuation(1, true, c.encodeHeaders(dummyHeaders(1)));
  return c.verifyStreamError(STREAM_CLOSED, PROTOCOL);
});
h2spec('5.1/11', 'closed: Sends a DATA frame', async (c) => {
  await c.handshake();
  request(c, 1);
  const closed = await c.verifyStreamClose();
  if (!closed.passed) return closed;
  c.writeData(1, true, 'test');
  return c.verifyConnectionError(STREAM_CLOSED);
});
h2spec('5.1/12', 'closed: Sends a HEADERS frame', async (c) => {
  await c.handshake();
  const block = c.encodeHeaders(c.commonHeaders());
  c.writeHeaders({ streamId: 1, block, endStream: true, endHeaders: true });
  const closed = await c.verifyStreamClose();
  if (!closed.passed) return closed;
  c.writeHeaders({ streamId: 1, block, endStream: true, endHeaders: true });
  return c.verifyConnectionError(STREAM_CLOSED);
});
h2spec('5.1/13', 'closed: Sends a CONTINUATION frame', async (c) => {
  await c.handshake();
  request(c, 1);
  const closed = await c.verifyStreamClose();
  if (!closed.passed) return closed;
  c.writeContinuation(1, true, c.encodeHeaders(dummyHeaders(1)));
  return c.verifyConnectionError(STREAM_CLOSED, PROTOCOL);
});
h2spec('5.1.1/1', 'Sends even-numbered stream identifier', async (c) => {
  await c.handshake();
  request(c, 2);
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('5.1.1/2', 'Sends stream identifier that is numerically smaller than previous', async (c) => {
  await c.handshake();
  request(c, 5);
  request(c, 3);
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('5.1.1/3 (variant)', 'Sends HEADERS frame with the stream which is in half-closed (remote) state', async (c) => {
  await c.handshake();
  request(c, 5);
  request(c, 5);
  return c.verifyStreamError(STREAM_CLOSED);
});
h2spec('5.1.2/1', 'Sends HEADERS frames that causes their advertised concurrent stream limit to be exceeded', async (c) => {
  await c.handshake();
  const max = c.settings.get(SettingsId.MAX_CONCURRENT_STREAMS);
  if (max === undefined) return { passed: false, actual: 'no SETTINGS_MAX_CONCURRENT_STREAMS: h2spec skips the case' };
  c.writeSettings([[SettingsId.INITIAL_WINDOW_SIZE, 0]]);
  const block = c.encodeHeaders(c.commonHeaders());
  for (let i = 0; i <= max; i++) c.writeHeaders({ streamId: 1 + 2 * i, block, endStream: true, endHeaders: true });
  return c.verifyStreamError(PROTOCOL, REFUSED_STREAM);
});

// --- 5.3 - 5.5 ---

h2spec('5.3.1/1', 'Sends HEADERS frame that depends on itself', async (c) => {
  await c.handshake();
  c.writeHeaders({ streamId: 1, block: c.encodeHeaders(c.commonHeaders()), endStream: true, endHeaders: true, priority: { dependency: 1, exclusive: false, weight: 255 } });
  return c.verifyStreamError(PROTOCOL);
});
h2spec('5.3.1/2', 'Sends PRIORITY frame that depend on itself', async (c) => {
  await c.handshake();
  c.writePriority(1, 1, false, 255);
  return c.verifyStreamError(PROTOCOL);
});
const pingOnStream3 = Buffer.concat([Buffer.from('\x00\x00\x08\x06\x00\x00\x00\x00\x03', 'latin1'), zeros]);
h2spec('5.4.1/1', 'Sends an invalid PING frame for connection close', async (c) => {
  await c.handshake();
  c.send(pingOnStream3);
  return c.verifyConnectionClose();
});
h2spec('5.4.1/2 (strict)', 'Sends an invalid PING frame to receive GOAWAY frame', async (c) => {
  await c.handshake();
  c.send(pingOnStream3);
  return c.verifyGoAway();
});
h2spec('5.5/1', 'Sends an unknown extension frame', async (c) => {
  await c.handshake();
  c.send(unknownFrame);
  c.writePing(false, zeros);
  return c.verifyEventType(FrameType.PING);
});
h2spec('5.5/2', 'Sends an unknown extension frame in the middle of a header block', async (c) => {
  await c.handshake();
  request(c, 1, { endHeaders: false });
  c.send(unknownFrame);
  return c.verifyConnectionError(PROTOCOL);
});

// --- 6.1 - 6.4 ---

h2spec('6.1/1', 'Sends a DATA frame with 0x0 stream identifier', async (c) => {
  await c.handshake();
  c.writeData(0, true, 'test');
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.1/2', 'Sends a DATA frame on the stream that is not in "open" or "half-closed (local)" state', async (c) => {
  await c.handshake();
  request(c, 1, { method: 'POST' });
  c.writeData(1, true, 'test');
  return c.verifyStreamError(STREAM_CLOSED);
});
h2spec('6.1/3', 'Sends a DATA frame with invalid pad length', async (c) => {
  await c.handshake();
  post(c, [['content-length', '4']]);
  c.send('\x00\x00\x05\x00\x09\x00\x00\x00\x01\x06\x54\x65\x73\x74');
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.2/1', 'Sends a HEADERS frame without the END_HEADERS flag, and a PRIORITY frame', async (c) => {
  await c.handshake();
  request(c, 1, { endStream: false, endHeaders: false });
  c.writePriority(1, 0, false, 255);
  c.writeContinuation(1, true, c.encodeHeaders(dummyHeaders(1)));
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.2/2', 'Sends a HEADERS frame to another stream while sending a HEADERS frame', async (c) => {
  await c.handshake();
  request(c, 1, { endStream: false, endHeaders: false });
  request(c, 3);
  c.writeContinuation(1, true, c.encodeHeaders(dummyHeaders(1)));
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.2/3', 'Sends a HEADERS frame with 0x0 stream identifier', async (c) => {
  await c.handshake();
  request(c, 0);
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.2/4', 'Sends a HEADERS frame with invalid pad length', async (c) => {
  await c.handshake();
  const block = c.encodeHeaders(c.commonHeaders());
  const fh = Buffer.from('\x00\x00\x00\x01\x0d\x00\x00\x00\x01', 'latin1');
  fh[2] = block.length + 1;
  c.send(fh);
  c.send(Buffer.from([block.length + 2]));
  c.send(block);
  return c.verifyStreamError(PROTOCOL);
});
h2spec('6.3/1', 'Sends a PRIORITY frame with 0x0 stream identifier', async (c) => {
  await c.handshake();
  c.writePriority(0, 0, false, 255);
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.3/2', 'Sends a PRIORITY frame with a length other than 5 octets', async (c) => {
  await c.handshake();
  request(c, 1);
  c.send('\x00\x00\x04\x02\x00\x00\x00\x00\x01\x80\x00\x00\x01');
  return c.verifyStreamError(FRAME_SIZE);
});
h2spec('6.3/3 (variant, strict)', 'Sends a PRIORITY frame for an idle stream, then send a HEADER frame for a lower stream ID', async (c) => {
  await c.handshake();
  c.writePriority(3, 0, false, 255);
  request(c, 1);
  return c.verifyEventType(FrameType.HEADERS);
});
h2spec('6.4/1', 'Sends a RST_STREAM frame with 0x0 stream identifier', async (c) => {
  await c.handshake();
  c.writeRstStream(0, CANCEL);
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.4/2', 'Sends a RST_STREAM frame on a idle stream', async (c) => {
  await c.handshake();
  c.writeRstStream(1, CANCEL);
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.4/3', 'Sends a RST_STREAM frame with a length other than 4 octets', async (c) => {
  await c.handshake();
  request(c, 1);
  c.send('\x00\x00\x03\x03\x00\x00\x00\x00\x01\x00\x00\x00');
  return c.verifyStreamError(FRAME_SIZE);
});

// --- 6.5 SETTINGS ---

h2spec('6.5/1', 'Sends a SETTINGS frame with ACK flag and payload', async (c) => {
  await c.handshake();
  c.send('\x00\x00\x01\x04\x01\x00\x00\x00\x00\x00');
  return c.verifyConnectionError(FRAME_SIZE);
});
h2spec('6.5/2', 'Sends a SETTINGS frame with 0x1 stream identifier', async (c) => {
  await c.handshake();
  c.send('\x00\x00\x06\x04\x00\x00\x00\x00\x01\x00\x03\x00\x00\x00\x64');
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.5/3', 'Sends a SETTINGS frame with a length other than a multiple of 6 octets', async (c) => {
  await c.handshake();
  c.send('\x00\x00\x03\x04\x00\x00\x00\x00\x00\x00\x03\x00');
  return c.verifyConnectionError(FRAME_SIZE);
});
h2spec('6.5/3 (variant)', 'Sends a SETTINGS frame whose header says 9 octets, and 8 of them', async (c) => {
  await c.handshake();
  c.send('\x00\x00\x09\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x64\x00\x02');
  return c.verifyStreamError(PROTOCOL, FRAME_SIZE);
});
const badSetting = (id: string, desc: string, setting: [number, number], code: number): void =>
  h2spec(id, desc, async (c) => {
    await c.handshake();
    c.writeSettings([setting]);
    return c.verifyConnectionError(code);
  });
badSetting('6.5.2/1', 'SETTINGS_ENABLE_PUSH (0x2): Sends the value other than 0 or 1', [SettingsId.ENABLE_PUSH, 2], PROTOCOL);
badSetting('6.5.2/2', 'SETTINGS_INITIAL_WINDOW_SIZE (0x4): Sends the value above the maximum flow control window size', [SettingsId.INITIAL_WINDOW_SIZE, 2 ** 31], FLOW_CONTROL);
badSetting('6.5.2/3', 'SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value below the initial value', [SettingsId.MAX_FRAME_SIZE, 16_383], PROTOCOL);
badSetting('6.5.2/4', 'SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value above the maximum allowed frame size', [SettingsId.MAX_FRAME_SIZE, 16_777_216], PROTOCOL);
h2spec('6.5.2/5', 'Sends a SETTINGS frame with unknown identifier', async (c) => {
  await c.handshake();
  c.writeSettings([[0xff, 1]]);
  c.writePing(false, zeros);
  return c.verifyEventType(FrameType.PING);
});
h2spec('6.5.3/1', 'Sends multiple values of SETTINGS_INITIAL_WINDOW_SIZE', async (c) => {
  await c.handshake();
  c.writeSettings([
    [SettingsId.INITIAL_WINDOW_SIZE, 100],
    [SettingsId.INITIAL_WINDOW_SIZE, 1],
  ]);
  const ack = await c.verifyEventType(FrameType.SETTINGS);
  if (!ack.passed) return ack;
  request(c, 1);
  return dataLength(1)(c);
});
h2spec('6.5.3/2', 'Sends a SETTINGS frame without ACK flag', async (c) => {
  await c.handshake();
  c.writeSettings([[SettingsId.ENABLE_PUSH, 0]]);
  return c.verifyEventType(FrameType.SETTINGS, (f) => (f.flags & Flag.ACK) !== 0);
});

// --- 6.7 PING, 6.8 GOAWAY ---

h2spec('6.7/1', 'Sends a PING frame', async (c) => {
  await c.handshake();
  c.writePing(false, h2specData);
  return c.verifyPingAckNot(h2specData);
});
h2spec('6.7/2', 'Sends a PING frame with ACK', async (c) => {
  await c.handshake();
  const invalid = Buffer.from('invalid\0', 'latin1');
  c.writePing(true, invalid);
  c.writePing(false, h2specData);
  return c.verifyPingAckNot(h2specData, invalid);
});
h2spec('6.7/3', 'Sends a PING frame with a stream identifier field value other than 0x0', async (c) => {
  await c.handshake();
  c.send(Buffer.concat([Buffer.from('\x00\x00\x08\x06\x00\x00\x00\x00\x01', 'latin1'), zeros]));
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.7/4', 'Sends a PING frame with a length field value other than 8', async (c) => {
  await c.handshake();
  c.send('\x00\x00\x06\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00');
  return c.verifyConnectionError(FRAME_SIZE);
});
h2spec('6.7/4 (variant)', 'Sends a PING frame of length 6 on stream 1', async (c) => {
  await c.handshake();
  c.send('\x00\x00\x06\x06\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00');
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.8/1', 'Sends a GOAWAY frame with a stream identifier other than 0x0', async (c) => {
  await c.handshake();
  c.send(Buffer.concat([Buffer.from('\x00\x00\x08\x07\x00\x00\x00\x00\x01', 'latin1'), zeros]));
  return c.verifyConnectionError(PROTOCOL);
});

// --- 6.9 WINDOW_UPDATE ---

h2spec('6.9/1', 'Sends a WINDOW_UPDATE frame with a flow control window increment of 0', async (c) => {
  await c.handshake();
  c.writeWindowUpdate(0, 0);
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.9/2', 'Sends a WINDOW_UPDATE frame with a flow control window increment of 0 on a stream', async (c) => {
  await c.handshake();
  request(c, 1, { endStream: false });
  c.writeWindowUpdate(1, 0);
  return c.verifyStreamError(PROTOCOL);
});
h2spec('6.9/3', 'Sends a WINDOW_UPDATE frame with a length other than 4 octets', async (c) => {
  await c.handshake();
  c.send('\x00\x00\x03\x08\x00\x00\x00\x00\x00\x00\x00\x01');
  return c.verifyConnectionError(FRAME_SIZE);
});
h2spec('6.9.1/1', 'Sends SETTINGS frame to set the initial window size to 1 and sends HEADERS frame', async (c) => {
  await c.handshake();
  c.writeSettings([[SettingsId.INITIAL_WINDOW_SIZE, 1]]);
  const ack = await c.verifyEventType(FrameType.SETTINGS);
  if (!ack.passed) return ack;
  request(c, 1);
  return dataLength(1)(c);
});
h2spec('6.9.1/2', 'Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1', async (c) => {
  await c.handshake();
  c.writeWindowUpdate(0, MAX);
  c.writeWindowUpdate(0, MAX);
  return c.verifyEventType(FrameType.GOAWAY, (f) => f.payload.readUInt32BE(4) === FLOW_CONTROL);
});
h2spec('6.9.1/3', 'Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1 on a stream', async (c) => {
  await c.handshake();
  request(c, 1, { endStream: false });
  c.writeWindowUpdate(1, MAX);
  c.writeWindowUpdate(1, MAX);
  return c.verifyEventType(FrameType.RST_STREAM, (f) => f.streamId === 1 && f.payload.readUInt32BE(0) === FLOW_CONTROL);
});
h2spec('6.9.2/1', 'Changes SETTINGS_INITIAL_WINDOW_SIZE after sending HEADERS frame', async (c) => {
  await c.handshake();
  c.writeSettings([[SettingsId.INITIAL_WINDOW_SIZE, 0]]);
  let v = await c.verifyEventType(FrameType.SETTINGS);
  if (!v.passed) return v;
  request(c, 1);
  c.writeSettings([[SettingsId.INITIAL_WINDOW_SIZE, 1]]);
  v = await c.verifyEventType(FrameType.SETTINGS);
  if (!v.passed) return v;
  return dataLength(1)(c);
});
h2spec('6.9.2/2', 'Sends a SETTINGS frame for window size to be negative', async (c) => {
  await c.handshake();
  c.writeSettings([[SettingsId.INITIAL_WINDOW_SIZE, 3]]);
  let v = await c.verifyEventType(FrameType.SETTINGS);
  if (!v.passed) return v;
  request(c, 1);
  v = await c.verifyEventType(FrameType.DATA);
  if (!v.passed) return v;
  c.writeSettings([[SettingsId.INITIAL_WINDOW_SIZE, 2]]);
  v = await c.verifyEventType(FrameType.SETTINGS);
  if (!v.passed) return v;
  c.writeWindowUpdate(1, 2);
  return dataLength(1)(c);
});
h2spec('6.9.2/3', 'Sends a SETTINGS_INITIAL_WINDOW_SIZE settings with an exceeded maximum window size value', async (c) => {
  await c.handshake();
  c.send('\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x04\x80\x00\x00\x00');
  return c.verifyConnectionError(FLOW_CONTROL);
});

// --- 6.10 CONTINUATION ---

h2spec('6.10/1', 'Sends multiple CONTINUATION frames preceded by a HEADERS frame', async (c) => {
  await c.handshake();
  request(c, 1, { endHeaders: false });
  c.writeContinuation(1, false, c.encodeHeaders(dummyHeaders(1)));
  c.writeContinuation(1, true, c.encodeHeaders(dummyHeaders(1)));
  return c.verifyEventType(FrameType.HEADERS);
});
h2spec('6.10/2', 'Sends a CONTINUATION frame followed by any frame other than CONTINUATION', async (c) => {
  await c.handshake();
  request(c, 1, { method: 'POST', endStream: false, endHeaders: false });
  c.writeContinuation(1, false, c.encodeHeaders(dummyHeaders(1)));
  c.writeData(1, true, 'test');
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.10/3', 'Sends a CONTINUATION frame with 0x0 stream identifier', async (c) => {
  await c.handshake();
  request(c, 1, { endHeaders: false });
  c.writeContinuation(0, true, c.encodeHeaders(dummyHeaders(1)));
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.10/4', 'Sends a CONTINUATION frame preceded by a HEADERS frame with END_HEADERS flag', async (c) => {
  await c.handshake();
  request(c, 1);
  c.writeContinuation(1, true, c.encodeHeaders(dummyHeaders(1)));
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.10/5', 'Sends a CONTINUATION frame preceded by a CONTINUATION frame with END_HEADERS flag', async (c) => {
  await c.handshake();
  request(c, 1, { endHeaders: false });
  c.writeContinuation(1, true, c.encodeHeaders(dummyHeaders(1)));
  c.writeContinuation(1, true, c.encodeHeaders(dummyHeaders(1)));
  return c.verifyConnectionError(PROTOCOL);
});
h2spec('6.10/6', 'Sends a CONTINUATION frame preceded by a DATA frame', async (c) => {
  await c.handshake();
  request(c, 1, { method: 'POST', endStream: false, endHeaders: false });
  c.writeData(1, true, 'test');
  c.writeContinuation(1, false, c.encodeHeaders(dummyHeaders(1)));
  c.writeContinuation(0, true, c.encodeHeaders(dummyHeaders(1)));
  return c.verifyConnectionError(PROTOCOL);
});

// --- 7 Error codes ---

h2spec('7/1', 'Sends a GOAWAY frame with unknown error code', async (c) => {
  await c.handshake();
  c.writeGoAway(0, 0xff, '');
  return c.verifyConnectionClose();
});
h2spec('7/2', 'Sends a RST_STREAM frame with unknown error code', async (c) => {
  await c.handshake();
  post(c);
  c.writeRstStream(1, 0xff);
  c.writePing(false, zeros);
  return c.verifyEventType(FrameType.PING);
});

// --- 8 HTTP message exchanges ---

const malformed = (id: string, desc: string, send: (c: H2specConn) => void): void =>
  h2spec(id, desc, async (c) => {
    await c.handshake();
    send(c);
    return c.verifyStreamError(PROTOCOL);
  });
const trailersAfter = (c: H2specConn, trailers: Array<[string, string]>): void => {
  post(c);
  c.writeData(1, false, 'test');
  c.writeHeaders({ streamId: 1, block: c.encodeHeaders(trailers), endStream: false, endHeaders: true });
};
const without = (c: H2specConn, ...drop: number[]): Array<[string, string]> => c.commonHeaders().filter((_, i) => !drop.includes(i));

malformed('8.1/1', 'Sends a second HEADERS frame without the END_STREAM flag', (c) => trailersAfter(c, [['x-test', 'ok']]));
malformed('8.1.2/1', 'Sends a HEADERS frame that contains the header field name in uppercase letters', (c) => request(c, 1, { extra: [['X-TEST', 'ok']] }));
malformed('8.1.2.1/1', 'Sends a HEADERS frame that contains a unknown pseudo-header field', (c) => request(c, 1, { extra: [[':test', 'ok']] }));
malformed('8.1.2.1/2', 'Sends a HEADERS frame that contains the pseudo-header field defined for response', (c) => request(c, 1, { extra: [[':status', '200']] }));
malformed('8.1.2.1/3', 'Sends a HEADERS frame that contains a pseudo-header field as trailers', (c) => trailersAfter(c, [[':method', 'POST']]));
malformed('8.1.2.1/4', 'Sends a HEADERS frame that contains a pseudo-header field that appears in a header block after a regular header field', (c) =>
  request(c, 1, { fields: [['x-test', 'ok'], ...c.commonHeaders()] }),
);
malformed('8.1.2.2/1', 'Sends a HEADERS frame that contains the connection-specific header field', (c) => request(c, 1, { extra: [['connection', 'keep-alive']] }));
malformed('8.1.2.2/2', 'Sends a HEADERS frame that contains the TE header field with any value other than "trailers"', (c) =>
  request(c, 1, {
    extra: [
      ['trailers', 'test'],
      ['te', 'trailers, deflate'],
    ],
  }),
);
malformed('8.1.2.3/1', 'Sends a HEADERS frame with empty ":path" pseudo-header field', (c) => request(c, 1, { fields: c.commonHeaders().map(([n, v]) => [n, n === ':path' ? '' : v]) }));
// h2spec encodes headers[1:] of [:scheme, :path, :authority]: :scheme goes too.
malformed('8.1.2.3/2', 'Sends a HEADERS frame that omits ":method" pseudo-header field', (c) => request(c, 1, { fields: without(c, 0, 1) }));
malformed('8.1.2.3/3', 'Sends a HEADERS frame that omits ":scheme" pseudo-header field', (c) => request(c, 1, { fields: without(c, 1) }));
malformed('8.1.2.3/4', 'Sends a HEADERS frame that omits ":path" pseudo-header field', (c) => request(c, 1, { fields: without(c, 2) }));
malformed('8.1.2.3/5', 'Sends a HEADERS frame with duplicated ":method" pseudo-header field', (c) => request(c, 1, { extra: [[':method', 'GET']] }));
malformed('8.1.2.3/6', 'Sends a HEADERS frame with duplicated ":scheme" pseudo-header field', (c) => request(c, 1, { extra: [[':scheme', 'http']] }));
malformed('8.1.2.3/7', 'Sends a HEADERS frame with duplicated ":path" pseudo-header field', (c) => request(c, 1, { extra: [[':path', '/']] }));
malformed('8.1.2.3/7 (variant)', 'Sends a HEADERS frame with a second ":method" whose value is the path', (c) => request(c, 1, { extra: [[':method', '/']] }));
malformed('8.1.2.6/1', 'Sends a HEADERS frame with the "content-length" header field which does not equal the DATA frame payload length', (c) => {
  post(c, [['content-length', '1']]);
  c.writeData(1, true, 'test');
});
malformed('8.1.2.6/2', 'Sends a HEADERS frame with the "content-length" header field which does not equal the sum of the multiple DATA frames payload length', (c) => {
  post(c, [['content-length', '1']]);
  c.writeData(1, false, 'test');
  c.writeData(1, true, 'test');
});
h2spec('8.2/1', 'Sends a PUSH_PROMISE frame', async (c) => {
  await c.handshake();
  c.writePushPromise(1, 3, true, c.encodeHeaders(c.commonHeaders()));
  return c.verifyConnectionError(PROTOCOL);
});
