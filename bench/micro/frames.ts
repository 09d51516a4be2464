/**
 * Frame codec micro-benchmarks: the frames of one small response (HEADERS +
 * DATA header), control frames, and splitting a read of 32 request HEADERS
 * frames (what h2load -m32 sends) into frames.
 * @module
 */
import type { Bench } from 'tinybench';
import * as decode from '../../lib/h2/frame/decode.js';
import * as encode from '../../lib/h2/frame/encode.js';
import { FrameReader } from '../../lib/h2/frame/frame-reader.js';
import { HpackEncoder } from '../../lib/h2/hpack/index.js';
import { REQUEST, RESPONSE } from './hpack.js';

export function register(bench: Bench): void {
  const block = new HpackEncoder().encode(RESPONSE);
  bench.add('frame encode HEADERS block + DATA header', () => {
    encode.encodeHeaderBlock(7, block, false, 16_384);
    encode.encodeDataHeader(7, 1024, true);
  });
  bench.add('frame encode WINDOW_UPDATE', () => {
    encode.encodeWindowUpdate(0, 65_536);
  });
  // 32 requests as one TCP read: what the session's receive() gets per batch.
  const reqEnc = new HpackEncoder();
  const frames: Buffer[] = [];
  for (let i = 0; i < 32; i++) frames.push(encode.encodeHeaderBlock(2 * i + 1, reqEnc.encode(REQUEST), true, 16_384));
  const read = Buffer.concat(frames);
  bench.add('frame read+decode 32 HEADERS in one chunk', () => {
    const r = new FrameReader(16_384);
    r.push(read);
    for (let f = r.next(); f !== null; f = r.next()) decode.decodeHeaders(f);
  });
  // The same bytes arriving in 1,400-octet pieces (frames split across reads).
  const pieces: Buffer[] = [];
  for (let o = 0; o < read.length; o += 1400) pieces.push(read.subarray(o, o + 1400));
  bench.add('frame read+decode 32 HEADERS in 1400 B pieces', () => {
    const r = new FrameReader(16_384);
    for (const p of pieces) {
      r.push(p);
      for (let f = r.next(); f !== null; f = r.next()) decode.decodeHeaders(f);
    }
  });
}
