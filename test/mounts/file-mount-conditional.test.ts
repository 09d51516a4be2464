/**
 * File mount validators and ranges on HTTP/1.1 and HTTP/2 with real clients:
 * strong quoted ETag, Last-Modified, 304 and 412, Range (single, suffix,
 * open-ended, multipart/byteranges), If-Range and 416.
 */
import { utimesSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { createMountHandler } from '../../mounts/index.js';
import { fetchOver, type Proto } from '../support/fetch.js';
import { start } from '../support/server.js';
import { makeSite, type Site } from './site.js';

const PROTOS: Proto[] = ['h1', 'h2'];
const MTIME = new Date(Date.UTC(2024, 0, 15, 10, 30, 0));

async function serve(t: Test, site: Site, maxRanges?: number): Promise<number> {
  for (const f of ['hello.txt', 'big.bin']) utimesSync(path.join(site.root, f), MTIME, MTIME);
  const h = createMountHandler([{ mountpoint: '/', origin: 'file://root', precompressed: false }], { baseDir: site.base, callbacks: {}, limits: maxRanges ? { maxRanges } : {} });
  return (await start(t, h)).port;
}

/** Split a multipart/byteranges body into its parts' headers and data. */
function parts(body: Buffer, boundary: string): Array<{ range: string; type: string; data: Buffer }> {
  const out: Array<{ range: string; type: string; data: Buffer }> = [];
  const text = body.toString('latin1');
  const chunks = text.split(`--${boundary}`);
  t.equal(chunks.at(-1), '--\r\n', 'close delimiter ends the body');
  for (const c of chunks.slice(1, -1)) {
    const end = c.indexOf('\r\n\r\n');
    const head = c.slice(2, end);
    const fields = Object.fromEntries(head.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const data = c.slice(end + 4, c.endsWith('\r\n') ? -2 : undefined);
    out.push({ range: fields['content-range'] ?? '', type: fields['content-type'] ?? '', data: Buffer.from(data, 'latin1') });
  }
  return out;
}

for (const proto of PROTOS) {
  t.test(`${proto}: strong quoted ETag, Last-Modified, If-None-Match and If-Modified-Since give 304`, async (t) => {
    const site = makeSite(t);
    const port = await serve(t, site);
    const first = await fetchOver(proto, port, { path: '/hello.txt' });
    const etag = String(first.headers.etag);
    t.match(etag, /^"[^"]+"$/, 'quoted, strong (no W/)');
    t.equal(first.headers['last-modified'], 'Mon, 15 Jan 2024 10:30:00 GMT');

    const cases: Array<[Record<string, string>, number, string]> = [
      [{ 'if-none-match': etag }, 304, 'exact tag'],
      [{ 'if-none-match': `W/${etag}` }, 304, 'weak comparison'],
      [{ 'if-none-match': `"a", ${etag}, "b"` }, 304, 'in a list'],
      [{ 'if-none-match': '*' }, 304, '*'],
      [{ 'if-none-match': '"other"' }, 200, 'no match'],
      [{ 'if-modified-since': 'Mon, 15 Jan 2024 10:30:00 GMT' }, 304, 'same second'],
      [{ 'if-modified-since': 'Mon, 15 Jan 2024 10:29:59 GMT' }, 200, 'modified since'],
      [{ 'if-modified-since': 'Mon, 15 Jan 2024 10:30:00 GMT', 'if-none-match': '"other"' }, 200, 'If-None-Match wins over If-Modified-Since'],
      [{ 'if-modified-since': 'garbage' }, 200, 'invalid date ignored'],
    ];
    for (const [headers, status, why] of cases) {
      const r = await fetchOver(proto, port, { path: '/hello.txt', headers });
      t.equal(r.status, status, why);
      if (status === 304) {
        t.equal(r.body.length, 0, `${why}: no body`);
        t.equal(r.headers.etag, etag, `${why}: 304 carries the ETag`);
        t.equal(r.headers['cache-control'], 'no-cache');
      } else t.equal(r.body.toString(), 'hello world\n', why);
    }
    const head = await fetchOver(proto, port, { method: 'HEAD', path: '/hello.txt', headers: { 'if-none-match': etag } });
    t.equal(head.status, 304, 'HEAD too');
  });

  t.test(`${proto}: If-Match and If-Unmodified-Since give 412`, async (t) => {
    const site = makeSite(t);
    const port = await serve(t, site);
    const etag = String((await fetchOver(proto, port, { path: '/hello.txt' })).headers.etag);
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ 'if-match': etag }, 200, 'strong match'],
      [{ 'if-match': '*' }, 200, '*'],
      [{ 'if-match': `"x", ${etag}` }, 200, 'in a list'],
      [{ 'if-match': `W/${etag}` }, 412, 'weak never matches If-Match'],
      [{ 'if-match': '"x"' }, 412, 'no match'],
      [{ 'if-unmodified-since': 'Mon, 15 Jan 2024 10:29:59 GMT' }, 412, 'modified after'],
      [{ 'if-unmodified-since': 'Mon, 15 Jan 2024 10:30:00 GMT' }, 200, 'not modified after'],
      [{ 'if-match': '"x"', 'if-none-match': etag }, 412, '412 is decided before 304'],
    ];
    for (const [headers, status, why] of cases) t.equal((await fetchOver(proto, port, { path: '/hello.txt', headers })).status, status, why);
  });

  t.test(`${proto}: Range: single, suffix, open-ended; 416 with bytes */size`, async (t) => {
    const site = makeSite(t);
    const port = await serve(t, site);
    const size = site.big.length;
    const ask = (range: string, extra: Record<string, string> = {}) => fetchOver(proto, port, { path: '/big.bin', headers: { range, ...extra } });

    const one = await ask('bytes=100-199');
    t.equal(one.status, 206);
    t.equal(one.headers['content-range'], `bytes 100-199/${size}`);
    t.equal(one.headers['content-length'], '100');
    t.ok(one.body.equals(site.big.subarray(100, 200)));

    const suffix = await ask('bytes=-500');
    t.equal(suffix.status, 206);
    t.equal(suffix.headers['content-range'], `bytes ${size - 500}-${size - 1}/${size}`);
    t.ok(suffix.body.equals(site.big.subarray(size - 500)));

    const open = await ask('bytes=150000-');
    t.equal(open.headers['content-range'], `bytes 150000-${size - 1}/${size}`);
    t.ok(open.body.equals(site.big.subarray(150000)), 'a range larger than one read chunk, streamed');

    const small = await fetchOver(proto, port, { path: '/hello.txt', headers: { range: 'bytes=0-4' } });
    t.equal(small.status, 206);
    t.equal(small.body.toString(), 'hello', 'ranges of a cached small file');

    for (const range of [`bytes=${size}-`, 'bytes=999999999-', 'bytes=-0']) {
      const r = await ask(range);
      t.equal(r.status, 416, range);
      t.equal(r.headers['content-range'], `bytes */${size}`, range);
    }
    for (const range of ['bytes=abc', 'items=0-5', 'bytes=9-1']) {
      const r = await ask(range);
      t.equal(r.status, 200, `${range}: ignored`);
      t.equal(r.body.length, size);
    }
    const head = await fetchOver(proto, port, { method: 'HEAD', path: '/big.bin', headers: { range: 'bytes=0-9' } });
    t.equal(head.status, 200, 'range handling is defined for GET only');
  });

  t.test(`${proto}: multiple ranges: multipart/byteranges with exact Content-Length`, async (t) => {
    const site = makeSite(t);
    const port = await serve(t, site);
    const size = site.big.length;
    const r = await fetchOver(proto, port, { path: '/big.bin', headers: { range: 'bytes=0-9, 1000-1099, -20' } });
    t.equal(r.status, 206);
    const ct = String(r.headers['content-type']);
    const m = /^multipart\/byteranges; boundary=(\S+)$/.exec(ct);
    t.ok(m, ct);
    t.equal(Number(r.headers['content-length']), r.body.length);
    const ps = parts(r.body, m![1]!);
    t.same(
      ps.map((p) => p.range),
      [`bytes 0-9/${size}`, `bytes 1000-1099/${size}`, `bytes ${size - 20}-${size - 1}/${size}`],
    );
    t.same(
      ps.map((p) => p.type),
      ['application/octet-stream', 'application/octet-stream', 'application/octet-stream'],
    );
    t.ok(ps[0]!.data.equals(site.big.subarray(0, 10)));
    t.ok(ps[1]!.data.equals(site.big.subarray(1000, 1100)));
    t.ok(ps[2]!.data.equals(site.big.subarray(size - 20)));
  });

  t.test(`${proto}: limit maxRanges: at the limit multipart, one over the whole file`, async (t) => {
    const site = makeSite(t);
    const port = await serve(t, site, 3);
    const at = await fetchOver(proto, port, { path: '/big.bin', headers: { range: 'bytes=0-0,10-10,20-20' } });
    t.equal(at.status, 206);
    const over = await fetchOver(proto, port, { path: '/big.bin', headers: { range: 'bytes=0-0,10-10,20-20,30-30' } });
    t.equal(over.status, 200);
    t.equal(over.body.length, site.big.length);
  });

  t.test(`${proto}: If-Range with the current ETag or date honours the Range, anything else sends the whole file`, async (t) => {
    const site = makeSite(t);
    const port = await serve(t, site);
    const etag = String((await fetchOver(proto, port, { path: '/big.bin', method: 'HEAD' })).headers.etag);
    const ask = (ifRange: string) => fetchOver(proto, port, { path: '/big.bin', headers: { range: 'bytes=0-9', 'if-range': ifRange } });
    t.equal((await ask(etag)).status, 206);
    t.equal((await ask('Mon, 15 Jan 2024 10:30:00 GMT')).status, 206);
    const stale = await ask('"stale"');
    t.equal(stale.status, 200);
    t.equal(stale.body.length, site.big.length);
    t.equal((await ask(`W/${etag}`)).status, 200, 'a weak tag cannot validate a range');
    t.equal((await ask('Mon, 15 Jan 2024 10:29:59 GMT')).status, 200);
  });
}
