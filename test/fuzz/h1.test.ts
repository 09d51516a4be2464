/**
 * fast-check properties of the HTTP/1.1 request parser and its chunked
 * decoder, time-boxed (test/fuzz/budget.ts):
 * - generated valid requests (pipelined, Content-Length or chunked bodies with
 *   extensions and trailers) parse back to what was generated, at any split;
 * - random and mutated requests raise only H1ParseError, and while the parser
 *   waits for bytes it never holds more than its limits allow;
 * - the chunked decoder alone, on random bytes, raises only H1ParseError.
 * The seeded mutation test test/h1/robustness.test.ts keeps covering its
 * hand-picked corpus (smuggling shapes, obs-fold, HTTP/1.0 keep-alive); these
 * add generated requests, shrinking and the bound on buffered bytes.
 */
import fc from 'fast-check';
import t from 'tap';
import { ByteQueue } from '../../lib/h1/byte-queue.js';
import { ChunkedDecoder } from '../../lib/h1/chunked.js';
import { H1ParseError } from '../../lib/h1/errors.js';
import { RequestParser } from '../../lib/h1/request-parser.js';
import type { ParseEvent } from '../../lib/h1/types.js';
import { budget, mutated, splits } from './budget.js';

const LIMITS = { maxRequestTargetBytes: 256, maxHeaderBytes: 512, maxHeaderCount: 20, maxChunkExtensionBytes: 64, maxTrailerBytes: 256 };
/** The most a parser waiting for bytes may hold: one head, or one chunk-size line, or one trailer section. */
const HOLD_BOUND = LIMITS.maxRequestTargetBytes + LIMITS.maxHeaderBytes + LIMITS.maxTrailerBytes + LIMITS.maxChunkExtensionBytes + 64;

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,10}$/);
const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,18}[\x21-\x7e])?$/);
const reqArb = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  path: fc.stringMatching(/^\/[A-Za-z0-9._~%/?=&-]{0,40}$/),
  headers: fc.array(fc.tuple(token.filter((n) => !/^(host|content-length|transfer-encoding|connection|upgrade|expect|te|trailer)$/i.test(n)), value), { maxLength: 6 }),
  body: fc.option(fc.uint8Array({ maxLength: 300 })),
  chunked: fc.boolean(),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }),
  ext: fc.option(fc.stringMatching(/^;[a-z]{1,5}(=[a-z0-9]{1,5})?$/)),
  trailers: fc.array(fc.tuple(fc.stringMatching(/^x-[a-z]{1,8}$/), value), { maxLength: 2 }),
});
type Req = typeof reqArb extends fc.Arbitrary<infer R> ? R : never;

function serialize(r: Req): Buffer {
  const lines = [`${r.method} ${r.path} HTTP/1.1`, 'Host: example.com', ...r.headers.map(([n, v]) => `${n}: ${v}`)];
  const body = r.body ? Buffer.from(r.body) : null;
  if (!body) return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  if (!r.chunked) return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'), body]);
  const parts: Buffer[] = [Buffer.from(`${lines.join('\r\n')}\r\nTransfer-Encoding: chunked\r\n\r\n`, 'latin1')];
  let pos = 0;
  let k = 0;
  while (pos < body.length) {
    const n = Math.min(r.chunkSizes[k++ % Math.max(1, r.chunkSizes.length)] ?? body.length, body.length - pos);
    parts.push(Buffer.from(`${n.toString(16)}${r.ext ?? ''}\r\n`, 'latin1'), body.subarray(pos, pos + n), Buffer.from('\r\n'));
    pos += n;
  }
  parts.push(Buffer.from(`0\r\n${r.trailers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'latin1'));
  return Buffer.concat(parts);
}

/** Parse everything, at the given splits; returns the events, or the H1ParseError. */
function parseAll(bytes: Uint8Array, cuts: number[], check: (p: RequestParser) => void = () => {}): ParseEvent[] | H1ParseError {
  const p = new RequestParser(LIMITS);
  const events: ParseEvent[] = [];
  try {
    for (const piece of splits(bytes, cuts)) {
      p.push(Buffer.from(piece)); // a copy: the parser keeps references
      for (let e = p.next(); e !== null; e = p.next()) events.push(e.type === 'body' ? { type: 'body', chunk: Buffer.from(e.chunk) } : e);
      check(p);
    }
  } catch (err) {
    if (err instanceof H1ParseError) return err;
    throw err;
  }
  return events;
}

t.test('h1 parser: generated requests (pipelined, length or chunked bodies) parse back exactly, at any split', async (t) => {
  fc.assert(
    fc.property(fc.array(reqArb, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 12 }), (reqs, cuts) => {
      const events = parseAll(Buffer.concat(reqs.map(serialize)), cuts);
      if (events instanceof H1ParseError) throw events;
      let i = 0;
      for (const r of reqs) {
        const head = events[i++];
        if (head?.type !== 'head') return false;
        const h = head.head;
        if (h.method !== r.method || h.path !== r.path) return false;
        const want = r.headers.map(([n, v]) => [n.toLowerCase(), v]);
        const got = h.headers.filter(([n]) => !['host', 'content-length', 'transfer-encoding'].includes(n));
        if (JSON.stringify(got) !== JSON.stringify(want)) return false;
        const body: Buffer[] = [];
        let trailers: Array<[string, string]> = [];
        for (let e = events[i++]; e && e.type !== 'end'; e = events[i++]) {
          if (e.type === 'body') body.push(e.chunk);
          else if (e.type === 'trailers') trailers = e.trailers;
          else return false;
        }
        if (!Buffer.concat(body).equals(Buffer.from(r.body ?? new Uint8Array()))) return false;
        const wantTrailers = r.body && r.chunked ? r.trailers.map(([n, v]) => [n, v]) : [];
        if (JSON.stringify(trailers) !== JSON.stringify(wantTrailers)) return false;
      }
      return i === events.length;
    }),
    budget(),
  );
  t.pass('round trips held');
});

t.test('h1 parser: random and mutated requests raise only H1ParseError and hold at most one head of bytes', async (t) => {
  const valid = fc.array(reqArb, { minLength: 1, maxLength: 2 }).map((rs) => new Uint8Array(Buffer.concat(rs.map(serialize))));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000 }), mutated(valid)), fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
      let over = 0;
      parseAll(bytes, cuts, (p) => {
        over = Math.max(over, p.buffered - HOLD_BOUND);
      });
      return over <= 0;
    }),
    budget(),
  );
  t.pass('no other error, bounded');
});

t.test('chunked decoder: random and mutated bodies raise only H1ParseError', async (t) => {
  const valid = reqArb.map((r) => {
    const whole = serialize({ ...r, body: r.body ?? new Uint8Array([0x61]), chunked: true });
    return new Uint8Array(whole.subarray(whole.indexOf('\r\n\r\n') + 4));
  });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), mutated(valid)), fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
      const d = new ChunkedDecoder(LIMITS);
      const q = new ByteQueue();
      try {
        for (const piece of splits(bytes, cuts)) {
          q.push(Buffer.from(piece));
          for (let e = d.next(q); e !== null && e.type !== 'end'; e = d.next(q));
        }
      } catch (err) {
        if (!(err instanceof H1ParseError)) throw err;
      }
      return true;
    }),
    budget(),
  );
  t.pass('no other error');
});
