/**
 * The RFC 6455 §5.2 framer (server side): hex vectors from §5.7, length
 * encodings at every boundary, control frame rules, RSV1 for deflated payloads.
 */
import t from 'tap';
import { WriteMode } from '../../lib/http/write-mode.js';
import { closePayload, frameHeaderLength, markCompressed, markFragment, wsFramer } from '../../lib/ws/framer.js';
import { parseServerFrames } from './support/frames.js';

const hex = (bufs: Buffer | Buffer[]): string => (Array.isArray(bufs) ? Buffer.concat(bufs) : bufs).toString('hex');

t.test('RFC 6455 §5.7 examples, unmasked (server frames are never masked)', async (t) => {
  t.equal(hex(wsFramer(Buffer.from('Hello'), WriteMode.TEXT)), '810548656c6c6f', 'single-frame unmasked text');
  t.equal(hex(wsFramer(Buffer.from('Hello'), WriteMode.PING)), '890548656c6c6f', 'unmasked ping');
  t.equal(hex(wsFramer(Buffer.from('Hello'), WriteMode.PONG)), '8a0548656c6c6f', 'unmasked pong');
  const f256 = Buffer.concat(wsFramer(Buffer.alloc(256, 1), WriteMode.BINARY));
  t.equal(f256.subarray(0, 4).toString('hex'), '827e0100', '256 bytes binary: 16-bit length');
  const f64k = Buffer.concat(wsFramer(Buffer.alloc(65536, 2), WriteMode.BINARY));
  t.equal(f64k.subarray(0, 10).toString('hex'), '827f0000000000010000', '64 KiB binary: 64-bit length');
  t.equal(f64k.length, 65546);
});

t.test('length encodings at the 125/126 and 65535/65536 boundaries', async (t) => {
  for (const n of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
    const framed = Buffer.concat(wsFramer(Buffer.alloc(n, 0x61), WriteMode.TEXT));
    t.equal(framed.length, n + frameHeaderLength(n), `header length for ${n}`);
    const { frames, rest } = parseServerFrames(framed);
    t.equal(rest.length, 0);
    t.equal(frames.length, 1);
    t.equal(frames[0]?.payload.length, n, `payload ${n} round-trips`);
    t.equal(frames[0]?.fin, true);
  }
});

t.test('the payload Buffer is not copied (zero-copy broadcast)', async (t) => {
  const payload = Buffer.alloc(1000, 7);
  const out = wsFramer(payload, WriteMode.BINARY);
  t.equal(out.length, 2);
  t.equal(out[1], payload, 'the same Buffer object follows the header');
});

t.test('CLOSE frames: code + reason; 1005 means an empty payload', async (t) => {
  t.equal(hex(wsFramer(closePayload(1000, 'bye'), WriteMode.CLOSE)), '880503e8627965');
  t.equal(hex(wsFramer(closePayload(1005, ''), WriteMode.CLOSE)), '8800');
});

t.test('control frames over 125 bytes and non-WebSocket modes are refused', async (t) => {
  t.throws(() => wsFramer(Buffer.alloc(126), WriteMode.PING), RangeError);
  t.throws(() => wsFramer(Buffer.alloc(126), WriteMode.CLOSE), RangeError);
  t.doesNotThrow(() => wsFramer(Buffer.alloc(125), WriteMode.PONG));
  t.throws(() => wsFramer(Buffer.alloc(1), WriteMode.HTTP), RangeError);
});

t.test('RSV1 marks a deflated payload; fragments clear FIN; continuation never has RSV1', async (t) => {
  const c = markCompressed(Buffer.from('xx'));
  t.equal((Buffer.concat(wsFramer(c, WriteMode.TEXT))[0] as number).toString(16), 'c1', 'FIN+RSV1+TEXT');
  const f = markFragment(Buffer.from('ab'));
  t.equal(Buffer.concat(wsFramer(f, WriteMode.TEXT))[0], 0x01, 'TEXT without FIN');
  t.equal(Buffer.concat(wsFramer(Buffer.from('cd'), WriteMode.CONTINUATION))[0], 0x80, 'final CONTINUATION');
  t.equal(Buffer.concat(wsFramer(Buffer.from('plain'), WriteMode.TEXT))[0], 0x81, 'unmarked payload: no RSV1');
});
