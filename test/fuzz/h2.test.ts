/**
 * fast-check properties of the HTTP/2 core, time-boxed (test/fuzz/budget.ts):
 * - the frame reader returns exactly the frames written, at any split of the
 *   bytes; on random bytes it only throws H2ConnectionError and never buffers
 *   more than one frame;
 * - the HPACK decoder only throws HpackError on random and mutated blocks, and
 *   encoder → decoder round trips keep both dynamic tables identical;
 * - a whole session fed random frames after a valid preface never lets an
 *   exception escape, never reports an internal error, and keeps its output bounded.
 * The seeded PRNG tests stay where they were: test/h2/hpack-fuzz.test.ts covers
 * every truncated prefix of the vector corpus and mutations of real blocks; these
 * add generated header lists, table size changes and shrinking.
 */
import fc from 'fast-check';
import t from 'tap';
import { H2ConnectionError, HpackError } from '../../lib/h2/errors.js';
import { CLIENT_PREFACE, FrameType, SettingsId } from '../../lib/h2/frame/constants.js';
import { encodeFrame, encodeSettings } from '../../lib/h2/frame/encode.js';
import { FrameReader } from '../../lib/h2/frame/frame-reader.js';
import { HpackDecoder } from '../../lib/h2/hpack/decoder.js';
import type { DynamicTable } from '../../lib/h2/hpack/dynamic-table.js';
import { HpackEncoder } from '../../lib/h2/hpack/encoder.js';
import { H2Session } from '../../lib/h2/session.js';
import { budget, mutated, splits } from './budget.js';

const MAX_FRAME = 16_384;

function entries(table: DynamicTable): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 1; i <= table.length; i++) out.push([table.name(i), table.value(i)]);
  return out;
}

/** A frame the codec can carry: any type and flags (unknown types included), a payload within MAX_FRAME. */
const frameArb = fc.record({
  type: fc.integer({ min: 0, max: 12 }),
  flags: fc.integer({ min: 0, max: 255 }),
  streamId: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  payload: fc.uint8Array({ maxLength: 300 }),
});
/** Lengths some types must have (§6): what the reader checks before the payload arrives. */
function sizeOk(f: { type: number; flags: number; payload: Uint8Array }): boolean {
  const n = f.payload.length;
  if (f.type === FrameType.PRIORITY) return n === 5;
  if (f.type === FrameType.RST_STREAM || f.type === FrameType.WINDOW_UPDATE) return n === 4;
  if (f.type === FrameType.PING) return n === 8;
  if (f.type === FrameType.SETTINGS) return f.flags & 1 ? n === 0 : n % 6 === 0;
  if (f.type === FrameType.GOAWAY) return n >= 8;
  return true;
}

t.test('frame reader: frames come back exactly as written, at any split', async (t) => {
  fc.assert(
    fc.property(fc.array(frameArb.filter(sizeOk), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (frames, cuts) => {
      const wire = Buffer.concat(frames.map((f) => encodeFrame(f.type, f.flags, f.streamId, Buffer.from(f.payload))));
      const reader = new FrameReader(MAX_FRAME);
      const got: Array<{ type: number; flags: number; streamId: number; payload: Buffer }> = [];
      for (const piece of splits(wire, cuts)) {
        reader.push(piece);
        for (let f = reader.next(); f !== null; f = reader.next()) got.push({ ...f, payload: Buffer.from(f.payload) });
      }
      if (reader.buffered !== 0) return false;
      if (got.length !== frames.length) return false;
      return got.every((g, i) => {
        const f = frames[i]!;
        return g.type === f.type && g.flags === f.flags && g.streamId === f.streamId && g.payload.equals(Buffer.from(f.payload));
      });
    }),
    budget(),
  );
  t.pass('round trips held');
});

t.test('frame reader: random bytes raise only H2ConnectionError and never buffer past one frame', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
      const reader = new FrameReader(MAX_FRAME);
      try {
        for (const piece of splits(bytes, cuts)) {
          reader.push(piece);
          while (reader.next() !== null);
          if (reader.buffered >= 9 + MAX_FRAME) return false;
        }
      } catch (err) {
        if (!(err instanceof H2ConnectionError)) throw err;
      }
      return true;
    }),
    budget(),
  );
  t.pass('no other error, bounded');
});

/** Header names as HTTP/2 sends them (lowercase tokens), values of any latin-1 text. */
const fieldArb = fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.string({ maxLength: 40, unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)) }));
const blockArb = fc.array(fieldArb, { maxLength: 12 });

t.test('HPACK: encoder → decoder round trips with table size changes; both tables stay identical', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(blockArb, fc.option(fc.integer({ min: 0, max: 4096 }))), { minLength: 1, maxLength: 10 }), (steps) => {
      const enc = new HpackEncoder();
      const dec = new HpackDecoder({ maxHeaderListSize: Infinity });
      for (const [fields, size] of steps) {
        if (size !== null) enc.setPeerMaxTableSize(size);
        const out = dec.decode(enc.encode(fields)).headers;
        if (JSON.stringify(out) !== JSON.stringify(fields)) return false;
        if (JSON.stringify(entries(enc.table)) !== JSON.stringify(entries(dec.table))) return false;
      }
      return true;
    }),
    budget(),
  );
  t.pass('round trips held');
});

t.test('HPACK: random and mutated blocks raise only HpackError (COMPRESSION_ERROR)', async (t) => {
  const enc = new HpackEncoder();
  const valid = blockArb.map((fields) => new Uint8Array(enc.encode(fields)));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), mutated(valid)), (bytes) => {
      const dec = new HpackDecoder({ maxHeaderListSize: 64 << 10 });
      try {
        dec.decode(Buffer.from(bytes));
      } catch (err) {
        if (!(err instanceof HpackError)) throw err;
      }
      return true;
    }),
    budget(),
  );
  t.pass('no other error');
});

/** Frames a peer could send after the preface: biased to small stream ids and the types that carry state. */
const peerFrameArb = fc.oneof(
  frameArb.map((f) => ({ ...f, streamId: f.streamId % 9 })),
  fc.record({ streamId: fc.integer({ min: 1, max: 9 }), end: fc.boolean(), path: fc.constantFrom('/', '/a', '') }).map((r) => ({ kind: 'request' as const, ...r })),
);

t.test('session: random frames after a valid preface never escape as exceptions nor count as internal errors', async (t) => {
  const encoder = new HpackEncoder();
  fc.assert(
    fc.property(fc.array(peerFrameArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 6 }), (frames, cuts) => {
      const internal: Error[] = [];
      let out = 0;
      const session = new H2Session({
        write: (data) => void (out += data.length),
        bufferedAmount: () => 0,
        end: () => {},
        onRequest: (s) => {
          s.sendHead(200, [['content-type', 'text/plain']], false);
          s.sendData(Buffer.alloc(100, 0x61), true).catch(() => {});
        },
        onError: (err) => void internal.push(err),
      });
      session.start();
      const parts: Buffer[] = [CLIENT_PREFACE, encodeSettings([[SettingsId.INITIAL_WINDOW_SIZE, 1000]])];
      for (const f of frames) {
        if ('kind' in f) {
          const block = encoder.encode([[':method', 'GET'], [':scheme', 'http'], [':authority', 'a'], [':path', f.path]]);
          parts.push(encodeFrame(FrameType.HEADERS, 0x4 | (f.end ? 0x1 : 0), f.streamId * 2 - 1, block));
        } else parts.push(encodeFrame(f.type, f.flags, f.streamId, Buffer.from(f.payload)));
      }
      try {
        for (const piece of splits(Buffer.concat(parts), cuts)) session.receive(piece);
      } finally {
        session.destroy();
      }
      if (internal.length > 0) throw internal[0];
      return out < 1 << 20;
    }),
    budget(),
  );
  t.pass('no exception escaped, no internal error');
});
