/**
 * HPACK micro-benchmarks: a static-file response header set and a browser
 * request header set, encoded and decoded by long-lived contexts (steady
 * state, as on a busy connection), plus a cold encode (a new connection).
 * @module
 */
import type { Bench } from 'tinybench';
import { HpackDecoder, HpackEncoder } from '../../lib/h2/hpack/index.js';

type Fields = Array<readonly [string, string]>;

/** What the static handler answers for a 1 KiB text file. */
export const RESPONSE: Fields = [
  [':status', '200'],
  ['content-type', 'text/plain; charset=utf-8'],
  ['content-length', '1024'],
  ['etag', '"400-18c3f2a9b10"'],
  ['last-modified', 'Mon, 23 Nov 2026 10:11:12 GMT'],
  ['date', 'Tue, 01 Dec 2026 21:30:00 GMT'],
  ['server', 'sluice'],
];

/** A typical browser navigation request. */
export const REQUEST: Fields = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':authority', 'www.example.com'],
  [':path', '/assets/app.3f9c2e.js'],
  ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'],
  ['accept', '*/*'],
  ['accept-encoding', 'gzip, deflate, br, zstd'],
  ['accept-language', 'en-GB,en;q=0.9'],
  ['referer', 'https://www.example.com/'],
  ['cookie', 'session=9f8e7d6c5b4a; theme=dark'],
  ['sec-fetch-mode', 'no-cors'],
  ['priority', 'u=1'],
];

export function register(bench: Bench): void {
  const enc = new HpackEncoder();
  enc.encode(RESPONSE);
  bench.add('hpack encode response (warm table)', () => {
    enc.encode(RESPONSE);
  });
  bench.add('hpack encode response (new connection)', () => {
    new HpackEncoder().encode(RESPONSE);
  });
  const reqEnc = new HpackEncoder();
  const coldBlock = reqEnc.encode(REQUEST);
  const warmBlock = reqEnc.encode(REQUEST);
  const dec = new HpackDecoder({ maxTableSize: 4096, maxHeaderListSize: 64 << 10 });
  dec.decode(coldBlock);
  bench.add('hpack decode request (warm table)', () => {
    dec.decode(warmBlock);
  });
  bench.add('hpack decode request (new connection)', () => {
    new HpackDecoder({ maxTableSize: 4096, maxHeaderListSize: 64 << 10 }).decode(coldBlock);
  });
}
