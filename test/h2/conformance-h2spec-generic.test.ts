/**
 * h2spec's "generic" and "hpack" groups replayed case by case (summerwind/h2spec,
 * generic/*.go and hpack/*.go), with the octets h2spec sends and the verdict it
 * gives, plus: the server sends nothing but HTTP/2 frames. See
 * conformance-h2spec-http2.test.ts for the "http2" group and the replay rules.
 */
import t from 'tap';
import { Flag, FrameType, SettingsId } from '../support/h2-peer.js';
import { ErrorCode, H2specConn, answerAtOnce, application, h2specPassed, hpackInt, type H2specVerdict, type Seen } from '../support/conformance.js';
import { start } from '../support/server.js';

const zeros = Buffer.alloc(8);
const h2specData = Buffer.from('h2spec\0\0', 'latin1');

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

function h2spec(id: string, desc: string, run: Case): void {
  for (const target of targets) {
    t.test(`h2spec ${id} (${target.name} app): ${desc}`, async (t) => {
      const c = await H2specConn.dial(t, target.port, { gapMs: target.gapMs });
      h2specPassed(t, c, await run(c), desc);
    });
  }
}

function request(c: H2specConn, streamId: number, o: { method?: string; endStream?: boolean; extra?: Array<[string, string]>; padLength?: number; priority?: { dependency: number; exclusive: boolean; weight: number } } = {}): void {
  const fields = c.commonHeaders();
  if (o.method) fields[0] = [':method', o.method];
  c.writeHeaders({ streamId, block: c.encodeHeaders([...fields, ...(o.extra ?? [])]), endStream: o.endStream ?? true, endHeaders: true, padLength: o.padLength, priority: o.priority });
}

/** The usual request whose block is the encoded common headers with `before` and `after` around it. */
function rawBlock(c: H2specConn, before: string, after: string): void {
  const block = Buffer.concat([Buffer.from(before, 'latin1'), c.encodeHeaders(c.commonHeaders()), Buffer.from(after, 'latin1')]);
  c.writeHeaders({ streamId: 1, block, endStream: true, endHeaders: true });
}

// --- generic 1, 2 ---

h2spec('generic/1/1', 'Sends a client connection preface', async (c) => {
  c.send('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  c.writeSettings([[SettingsId.INITIAL_WINDOW_SIZE, 65_535]]);
  const ev = await c.waitEvent();
  const passed = typeof ev !== 'string' && ev.type === FrameType.SETTINGS && (ev.flags & Flag.ACK) === 0;
  return { passed, actual: typeof ev === 'string' ? ev : `frame type ${ev.type}, flags ${ev.flags}` };
});
h2spec('generic/2/1', 'Sends a PRIORITY frame on idle stream', async (c) => {
  await c.handshake();
  c.writePriority(1, 0, false, 255);
  c.writePing(false, zeros);
  return c.verifyPingFrameWithAck(zeros);
});
for (const [n, desc, withPriority] of [
  [2, 'Sends a WINDOW_UPDATE frame on half-closed (remote) stream', false],
  [3, 'Sends a PRIORITY frame on half-closed (remote) stream', true],
] as const) {
  h2spec(`generic/2/${n}`, desc, async (c) => {
    await c.handshake();
    c.writeSettings([[SettingsId.INITIAL_WINDOW_SIZE, 0]]);
    request(c, 1);
    if (withPriority) c.writePriority(1, 0, false, 255);
    c.writeWindowUpdate(1, 1);
    return c.verifyEventType(FrameType.DATA);
  });
}
h2spec('generic/2/4', 'Sends a RST_STREAM frame on half-closed (remote) stream', async (c) => {
  await c.handshake();
  request(c, 1);
  c.writeRstStream(1, ErrorCode.CANCEL);
  c.writePing(false, zeros);
  return c.verifyPingFrameOrConnectionClose(zeros);
});
h2spec('generic/2/5', 'Sends a PRIORITY frame on closed stream', async (c) => {
  await c.handshake();
  request(c, 1);
  const closed = await c.verifyStreamClose();
  if (!closed.passed) return closed;
  c.writePriority(1, 0, false, 255);
  c.writePing(false, zeros);
  return c.verifyPingFrameWithAck(zeros);
});

// --- generic 3: frame definitions ---

h2spec('generic/3.1/1', 'Sends a DATA frame', async (c) => {
  await c.handshake();
  request(c, 1, { method: 'POST', endStream: false });
  c.writeData(1, true, 'test');
  return c.verifyHeadersFrame(1);
});
h2spec('generic/3.1/2', 'Sends multiple DATA frames', async (c) => {
  await c.handshake();
  request(c, 1, { method: 'POST', endStream: false });
  c.writeData(1, false, 'test');
  c.writeData(1, true, 'test');
  return c.verifyHeadersFrame(1);
});
h2spec('generic/3.1/3', 'Sends a DATA frame with padding', async (c) => {
  await c.handshake();
  request(c, 1, { method: 'POST', endStream: false });
  c.writeData(1, true, 'test', 'padded'); // h2spec pads with the octets "padded", not zeros
  return c.verifyHeadersFrame(1);
});
h2spec('generic/3.2/1', 'Sends a HEADERS frame', async (c) => {
  await c.handshake();
  request(c, 1);
  return c.verifyHeadersFrame(1);
});
h2spec('generic/3.2/2', 'Sends a HEADERS frame with padding', async (c) => {
  await c.handshake();
  request(c, 1, { padLength: 8 });
  return c.verifyHeadersFrame(1);
});
h2spec('generic/3.2/3', 'Sends a HEADERS frame with priority', async (c) => {
  await c.handshake();
  request(c, 1, { priority: { dependency: 0, exclusive: false, weight: 255 } });
  return c.verifyHeadersFrame(1);
});
for (const [n, desc, stream, dependency, exclusive, weight] of [
  [1, 'Sends a PRIORITY frame with priority 1', 1, 0, false, 0],
  [2, 'Sends a PRIORITY frame with priority 256', 1, 0, false, 255],
  [3, 'Sends a PRIORITY frame with stream dependency', 3, 1, false, 0],
  [4, 'Sends a PRIORITY frame with exclusive', 1, 0, true, 0],
  [5, 'Sends a PRIORITY frame for an idle stream, then send a HEADER frame for a lower stream ID', 3, 0, false, 255],
] as const) {
  h2spec(`generic/3.3/${n}`, desc, async (c) => {
    await c.handshake();
    c.writePriority(stream, dependency, exclusive, weight);
    request(c, 1);
    return c.verifyHeadersFrame(1);
  });
}
h2spec('generic/3.4/1', 'Sends a RST_STREAM frame', async (c) => {
  await c.handshake();
  request(c, 1, { endStream: false });
  c.writeRstStream(1, ErrorCode.CANCEL);
  c.writePing(false, zeros);
  return c.verifyPingFrameOrConnectionClose(zeros);
});
h2spec('generic/3.5/1', 'Sends a SETTINGS frame', async (c) => {
  await c.handshake();
  c.writeSettings([
    [SettingsId.HEADER_TABLE_SIZE, 4096],
    [SettingsId.ENABLE_PUSH, 1],
    [SettingsId.MAX_CONCURRENT_STREAMS, 100],
    [SettingsId.INITIAL_WINDOW_SIZE, 65_535],
    [SettingsId.MAX_FRAME_SIZE, 16_384],
    [SettingsId.MAX_HEADER_LIST_SIZE, 100],
  ]);
  return c.verifyEventType(FrameType.SETTINGS, (f) => (f.flags & Flag.ACK) !== 0);
});
h2spec('generic/3.7/1', 'Sends a PING frame', async (c) => {
  await c.handshake();
  c.writePing(false, h2specData);
  return c.verifyPingFrameWithAck(h2specData);
});
h2spec('generic/3.8/1', 'Sends a GOAWAY frame', async (c) => {
  await c.handshake();
  c.writeGoAway(0, ErrorCode.NO_ERROR, 'h2spec');
  return c.verifyConnectionClose();
});
h2spec('generic/3.9/1', 'Sends a WINDOW_UPDATE frame with stream ID 0', async (c) => {
  await c.handshake();
  c.writeWindowUpdate(0, 1);
  c.writePing(false, zeros);
  return c.verifyEventType(FrameType.PING);
});
h2spec('generic/3.9/2', 'Sends a WINDOW_UPDATE frame with stream ID 1', async (c) => {
  await c.handshake();
  request(c, 1);
  c.writeWindowUpdate(1, 1);
  return c.verifyEventType(FrameType.HEADERS);
});
h2spec('generic/3.10/1', 'Sends a CONTINUATION frame', async (c) => {
  await c.handshake();
  const block = c.encodeHeaders(c.commonHeaders());
  c.writeHeaders({ streamId: 1, block: block.subarray(0, 5), endStream: true, endHeaders: false });
  c.writeContinuation(1, true, block.subarray(5));
  return c.verifyHeadersFrame(1);
});
h2spec('generic/3.10/2', 'Sends multiple CONTINUATION frames', async (c) => {
  await c.handshake();
  const block = c.encodeHeaders(c.commonHeaders());
  c.writeHeaders({ streamId: 1, block: block.subarray(0, 5), endStream: true, endHeaders: false });
  c.writeContinuation(1, false, block.subarray(5, 10));
  c.writeContinuation(1, true, block.subarray(10));
  return c.verifyHeadersFrame(1);
});

// --- generic 4: HTTP message exchanges ---

for (const [n, method] of [
  [1, 'GET'],
  [2, 'HEAD'],
] as const) {
  h2spec(`generic/4/${n}`, `Sends a ${method} request`, async (c) => {
    await c.handshake();
    request(c, 1, { method });
    return c.verifyHeadersFrame(1);
  });
}
h2spec('generic/4/3', 'Sends a POST request', async (c) => {
  await c.handshake();
  request(c, 1, { method: 'POST', endStream: false });
  c.writeData(1, true, 'test');
  return c.verifyHeadersFrame(1);
});
h2spec('generic/4/4', 'Sends a POST request with trailers', async (c) => {
  await c.handshake();
  request(c, 1, { method: 'POST', endStream: false, extra: [['trailer', 'x-test']] });
  c.writeData(1, false, 'test');
  c.writeHeaders({ streamId: 1, block: c.encodeHeaders([['x-test', 'ok']]), endStream: true, endHeaders: true });
  return c.verifyHeadersFrame(1);
});

// --- generic 5: HPACK representations h2spec appends to its block, octet for octet ---

const representations: Array<[string, string]> = [
  ['Sends a indexed header field representation', '\xba'],
  ['Sends a literal header field with incremental indexing - indexed name', '\x40\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4'],
  ['Sends a literal header field with incremental indexing - indexed name (with Huffman coding)', '\x40\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63'],
  ['Sends a literal header field with incremental indexing - new name', '\x40\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63'],
  ['Sends a literal header field with incremental indexing - new name (with Huffman coding)', '\x40\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4'],
  ['Sends a literal header field without indexing - indexed name', '\x00\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63'],
  ['Sends a literal header field without indexing - indexed name (with Huffman coding)', '\x00\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4'],
  ['Sends a literal header field without indexing - new name', '\x00\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63'],
  ['Sends a literal header field without indexing - new name (huffman encoded)', '\x00\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4'],
  ['Sends a literal header field never indexed - indexed name', '\x10\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63'],
  ['Sends a literal header field never indexed - indexed name (huffman encoded)', '\x10\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4'],
  ['Sends a literal header field never indexed - new name', '\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4'],
  ['Sends a literal header field never indexed - new name (huffman encoded)', '\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4'],
];
representations.forEach(([desc, rep], i) => {
  h2spec(`generic/5/${i + 1}`, desc, async (c) => {
    await c.handshake();
    rawBlock(c, '', rep);
    return c.verifyHeadersFrame(1);
  });
});
h2spec('generic/5/14', 'Sends a dynamic table size update', async (c) => {
  await c.handshake();
  rawBlock(c, '\x20', '');
  return c.verifyHeadersFrame(1);
});
h2spec('generic/5/15', 'Sends multiple dynamic table size update', async (c) => {
  await c.handshake();
  rawBlock(c, '\x20\x3f\xe1\x1f', '');
  return c.verifyHeadersFrame(1);
});

// --- hpack: decoding errors, each a connection error COMPRESSION_ERROR ---

const decodingError = (id: string, desc: string, before: (c: H2specConn) => string, after: string): void =>
  h2spec(`hpack/${id}`, desc, async (c) => {
    await c.handshake();
    rawBlock(c, before(c), after);
    return c.verifyConnectionError(ErrorCode.COMPRESSION_ERROR);
  });
decodingError('2.3.3/1', 'Sends a header field representation with invalid index', () => '', '\xfe');
decodingError('4.2/1', 'Sends a dynamic table size update at the end of header block', () => '', '\x21');
decodingError('5.2/1', 'Sends a Huffman-encoded string literal representation with padding longer than 7 bits', () => '', '\x00\x85\xf2\xb2\x4a\x84\xff\x84\x49\x50\x9f\xff');
decodingError('5.2/2', 'Sends a Huffman-encoded string literal representation padded by zero', () => '', '\x00\x85\xf2\xb2\x4a\x84\xff\x83\x49\x50\x90');
decodingError('5.2/3', 'Sends a Huffman-encoded string literal representation containing the EOS symbol', () => '', '\x00\x85\xf2\xb2\x4a\x87\xff\xff\xff\xfd\x25\x42\x7f');
decodingError('6.1/1', 'Sends a indexed header field representation with index 0', () => '', '\x80');
decodingError(
  '6.3/1',
  'Sends a dynamic table size update larger than the value of SETTINGS_HEADER_TABLE_SIZE',
  (c) => hpackInt((c.settings.get(SettingsId.HEADER_TABLE_SIZE) ?? 4096) + 1, 5, 0x20).toString('latin1'),
  '',
);
