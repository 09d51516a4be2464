/**
 * HTTP/1.1 request parser micro-benchmarks: a typical browser GET (head
 * only) and a small POST with a Content-Length body, on a long-lived parser
 * (keep-alive connection), whole and split across reads.
 * @module
 */
import type { Bench } from 'tinybench';
import { RequestParser } from '../../lib/h1/request-parser.js';

const GET = Buffer.from(
  'GET /assets/app.3f9c2e.js?v=12 HTTP/1.1\r\n' +
    'Host: www.example.com\r\n' +
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n' +
    'Accept: */*\r\n' +
    'Accept-Encoding: gzip, deflate, br, zstd\r\n' +
    'Accept-Language: en-GB,en;q=0.9\r\n' +
    'Referer: https://www.example.com/\r\n' +
    'Cookie: session=9f8e7d6c5b4a; theme=dark\r\n' +
    'Connection: keep-alive\r\n\r\n',
  'latin1',
);
const POST = Buffer.from('POST /api/items HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{"name":"widget","qty":3}\r\n', 'latin1');
const WRK = Buffer.from('GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n', 'latin1');

/** Pulls events until the request ends; returns how many there were (so the work is not optimised away). */
function drain(p: RequestParser): number {
  let n = 0;
  for (let ev = p.next(); ev !== null; ev = p.next()) {
    n++;
    if (ev.type === 'end') break;
  }
  return n;
}

export function register(bench: Bench): void {
  const p = new RequestParser();
  bench.add('h1 parse wrk GET (2 header lines)', () => {
    p.push(WRK);
    drain(p);
  });
  bench.add('h1 parse browser GET (9 header lines)', () => {
    p.push(GET);
    drain(p);
  });
  const half = GET.length >> 1;
  const a = GET.subarray(0, half);
  const b = GET.subarray(half);
  bench.add('h1 parse browser GET split in 2 reads', () => {
    p.push(a);
    drain(p);
    p.push(b);
    drain(p);
  });
  bench.add('h1 parse POST with 27-byte body', () => {
    p.push(POST);
    drain(p);
  });
}
