import t from 'tap';
import { Flag, FrameType } from '../../lib/h2/frame/constants.js';
import * as decode from '../../lib/h2/frame/decode.js';
import * as encode from '../../lib/h2/frame/encode.js';
import { FrameReader, type RawFrame } from '../../lib/h2/frame/frame-reader.js';
import { ErrorCode, H2ConnectionError, H2StreamError } from '../../lib/h2/errors.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const raw = (type: number, flags: number, streamId: number, payload: string | Buffer): RawFrame => ({
  type,
  flags,
  streamId,
  payload: typeof payload === 'string' ? hex(payload) : payload,
});

t.test('encoders produce the RFC wire format', async (t) => {
  t.equal(encode.encodeSettings([[3, 100], [4, 65_535]]).toString('hex'), '00000c040000000000' + '000300000064' + '00040000ffff');
  t.equal(encode.encodeSettingsAck().toString('hex'), '000000040100000000');
  t.equal(encode.encodePing(Buffer.from('01020304050607ff', 'hex'), true).toString('hex'), '000008060100000000' + '01020304050607ff');
  t.equal(encode.encodeGoaway(5, ErrorCode.PROTOCOL_ERROR, 'x').toString('hex'), '000009070000000000' + '00000005' + '00000001' + '78');
  t.equal(encode.encodeRstStream(3, ErrorCode.CANCEL).toString('hex'), '000004030000000003' + '00000008');
  t.equal(encode.encodeWindowUpdate(0, 0x7fffffff).toString('hex'), '000004080000000000' + '7fffffff');
  t.equal(encode.encodeDataHeader(1, 0x10203, true).toString('hex'), '010203000100000001');
});

t.test('a header block larger than the max frame size becomes HEADERS + CONTINUATION', async (t) => {
  const block = Buffer.alloc(40_000, 0xab);
  const out = encode.encodeHeaderBlock(7, block, true, 16_384);
  const r = new FrameReader(16_384);
  r.push(out);
  const f1 = r.next()!;
  const f2 = r.next()!;
  const f3 = r.next()!;
  t.same([f1.type, f1.flags, f1.payload.length], [FrameType.HEADERS, Flag.END_STREAM, 16_384], 'HEADERS carries END_STREAM, not END_HEADERS');
  t.same([f2.type, f2.flags, f2.payload.length], [FrameType.CONTINUATION, 0, 16_384]);
  t.same([f3.type, f3.flags, f3.payload.length], [FrameType.CONTINUATION, Flag.END_HEADERS, 40_000 - 32_768]);
  t.equal(r.next(), null);
  t.same(Buffer.concat([f1.payload, f2.payload, f3.payload]), block);
  const empty = encode.encodeHeaderBlock(1, Buffer.alloc(0), false, 16_384);
  t.equal(empty.toString('hex'), '000000010400000001', 'an empty block is one HEADERS with END_HEADERS');
});

t.test('frame reader yields identical frames at every byte split point', async (t) => {
  const stream = Buffer.concat([
    encode.encodeSettings([[4, 1 << 20]]),
    encode.encodeFrame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.from('hello world')),
    encode.encodeFrame(0xfa, 0xff, 3, Buffer.from('unknown type')),
    encode.encodePing(Buffer.alloc(8, 7), false),
    encode.encodeFrame(FrameType.DATA, 0, 0x80000005, Buffer.alloc(0)),
  ]);
  const whole = new FrameReader(16_384);
  whole.push(stream);
  const expected: RawFrame[] = [];
  let f;
  while ((f = whole.next())) expected.push({ ...f, payload: Buffer.from(f.payload) });
  t.equal(expected.length, 5);
  t.equal(expected[4]!.streamId, 5, 'the reserved bit is ignored on receipt (§4.1)');
  for (let split = 0; split <= stream.length; split++) {
    const r = new FrameReader(16_384);
    const got: RawFrame[] = [];
    r.push(stream.subarray(0, split));
    while ((f = r.next())) got.push({ ...f, payload: Buffer.from(f.payload) });
    r.push(stream.subarray(split));
    while ((f = r.next())) got.push({ ...f, payload: Buffer.from(f.payload) });
    if (JSON.stringify(got) !== JSON.stringify(expected)) return t.fail(`split at ${split} differs`);
  }
  const r = new FrameReader(16_384);
  const got: RawFrame[] = [];
  for (const byte of stream) {
    r.push(Buffer.from([byte]));
    while ((f = r.next())) got.push({ ...f, payload: Buffer.from(f.payload) });
  }
  t.same(got, expected, 'one byte at a time');
  t.equal(r.buffered, 0);
});

t.test('frame reader: a frame above SETTINGS_MAX_FRAME_SIZE is FRAME_SIZE_ERROR from its header alone', async (t) => {
  const r = new FrameReader(16_384);
  r.push(hex('004001 00 00 00000001'));
  let err: unknown;
  try {
    r.next();
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof H2ConnectionError && err.h2Code === ErrorCode.FRAME_SIZE_ERROR, 'FRAME_SIZE_ERROR');
  const ok = new FrameReader(16_384);
  ok.push(hex('004000 00 00 00000001'));
  t.equal(ok.next(), null, '16384 is allowed; waits for the payload');
});

type Expect = { conn: number } | { stream: number };
const errorCases: Array<[string, () => unknown, Expect]> = [
  ['DATA on stream 0', () => decode.decodeData(raw(0, 0, 0, 'aa')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['DATA pad length = payload length', () => decode.decodeData(raw(0, Flag.PADDED, 1, '04aabbcc')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['DATA PADDED without pad length', () => decode.decodeData(raw(0, Flag.PADDED, 1, '')), { conn: ErrorCode.FRAME_SIZE_ERROR }],
  ['HEADERS on stream 0', () => decode.decodeHeaders(raw(1, 4, 0, '82')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['HEADERS padding too long', () => decode.decodeHeaders(raw(1, Flag.PADDED | 4, 1, '0582')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['HEADERS PRIORITY flag, short payload', () => decode.decodeHeaders(raw(1, Flag.PRIORITY | 4, 1, '0000')), { conn: ErrorCode.FRAME_SIZE_ERROR }],
  ['PRIORITY on stream 0', () => decode.decodePriority(raw(2, 0, 0, '0000000110')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['PRIORITY of length 4', () => decode.decodePriority(raw(2, 0, 1, '00000003')), { stream: ErrorCode.FRAME_SIZE_ERROR }],
  ['RST_STREAM on stream 0', () => decode.decodeRstStream(raw(3, 0, 0, '00000008')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['RST_STREAM of length 3', () => decode.decodeRstStream(raw(3, 0, 1, '000008')), { conn: ErrorCode.FRAME_SIZE_ERROR }],
  ['SETTINGS on a stream', () => decode.decodeSettings(raw(4, 0, 1, '')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['SETTINGS ACK with payload', () => decode.decodeSettings(raw(4, 1, 0, '000100001000')), { conn: ErrorCode.FRAME_SIZE_ERROR }],
  ['SETTINGS length not a multiple of 6', () => decode.decodeSettings(raw(4, 0, 0, '0001000010')), { conn: ErrorCode.FRAME_SIZE_ERROR }],
  ['SETTINGS_ENABLE_PUSH = 2', () => decode.decodeSettings(raw(4, 0, 0, '000200000002')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['SETTINGS_INITIAL_WINDOW_SIZE = 2^31', () => decode.decodeSettings(raw(4, 0, 0, '000480000000')), { conn: ErrorCode.FLOW_CONTROL_ERROR }],
  ['SETTINGS_MAX_FRAME_SIZE = 16383', () => decode.decodeSettings(raw(4, 0, 0, '000500003fff')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['SETTINGS_MAX_FRAME_SIZE = 2^24', () => decode.decodeSettings(raw(4, 0, 0, '000501000000')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['SETTINGS_ENABLE_CONNECT_PROTOCOL = 2', () => decode.decodeSettings(raw(4, 0, 0, '000800000002')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['PING on a stream', () => decode.decodePing(raw(6, 0, 1, '0000000000000000')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['PING of length 7', () => decode.decodePing(raw(6, 0, 0, '00000000000000')), { conn: ErrorCode.FRAME_SIZE_ERROR }],
  ['GOAWAY on a stream', () => decode.decodeGoaway(raw(7, 0, 1, '0000000000000000')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['GOAWAY of length 7', () => decode.decodeGoaway(raw(7, 0, 0, '00000000000000')), { conn: ErrorCode.FRAME_SIZE_ERROR }],
  ['WINDOW_UPDATE of length 3', () => decode.decodeWindowUpdate(raw(8, 0, 0, '000001')), { conn: ErrorCode.FRAME_SIZE_ERROR }],
  ['WINDOW_UPDATE 0 on the connection', () => decode.decodeWindowUpdate(raw(8, 0, 0, '00000000')), { conn: ErrorCode.PROTOCOL_ERROR }],
  ['WINDOW_UPDATE 0 on a stream', () => decode.decodeWindowUpdate(raw(8, 0, 1, '00000000')), { stream: ErrorCode.PROTOCOL_ERROR }],
  ['CONTINUATION on stream 0', () => decode.decodeContinuation(raw(9, 4, 0, '82')), { conn: ErrorCode.PROTOCOL_ERROR }],
];

t.test('per-type validation raises the error the RFC names', async (t) => {
  for (const [name, fn, want] of errorCases) {
    try {
      fn();
      t.fail(`${name}: no error`);
    } catch (e) {
      if ('conn' in want) t.ok(e instanceof H2ConnectionError && e.h2Code === want.conn, `${name}: connection error ${want.conn}`);
      else t.ok(e instanceof H2StreamError && e.h2Code === want.stream, `${name}: stream error ${want.stream}`);
    }
  }
});

t.test('decoders return the fields', async (t) => {
  t.equal(decode.decodeData(raw(0, Flag.PADDED, 1, '03aabbcc')).data.length, 0, 'padding filling the payload leaves empty data, no error');
  const d = decode.decodeData(raw(0, Flag.PADDED | Flag.END_STREAM, 1, '02 6869 0000'));
  t.same([d.data.toString(), d.endStream, d.flowLength], ['hi', true, 5], 'padding counts toward flow control');
  const h = decode.decodeHeaders(raw(1, Flag.PRIORITY | Flag.END_HEADERS, 3, '80000001 0f 82'));
  t.same(h.priority, { exclusive: true, dependency: 1, weight: 16 });
  t.same([h.fragment.toString('hex'), h.endHeaders, h.endStream], ['82', true, false]);
  const s = decode.decodeSettings(raw(4, 0, 0, '000300000064 00ff00000001'));
  t.same(s.params, [[3, 100], [255, 1]], 'unknown settings are kept for the caller to ignore');
  const g = decode.decodeGoaway(raw(7, 0, 0, '80000003 0000000b 6869'));
  t.same([g.lastStreamId, g.errorCode, g.debug.toString()], [3, ErrorCode.ENHANCE_YOUR_CALM, 'hi']);
  t.equal(decode.decodeWindowUpdate(raw(8, 0, 1, 'ffffffff')), 0x7fffffff, 'reserved bit ignored');
});
