/**
 * Precompressed siblings chosen by Accept-Encoding q-values, on HTTP/1.1 and
 * HTTP/2, with `Vary: Accept-Encoding` and a distinct ETag per representation.
 */
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import t from 'tap';
import { createMountHandler } from '../../mounts/index.js';
import { fetchOver, type Proto } from '../support/fetch.js';
import { start } from '../support/server.js';
import { makeSite } from './site.js';

const PROTOS: Proto[] = ['h1', 'h2'];

for (const proto of PROTOS) {
  t.test(`${proto}: br, zstd, gzip siblings by Accept-Encoding q-values`, async (t) => {
    const site = makeSite(t);
    const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {} }));
    const ask = (ae?: string, p = '/style.css') => fetchOver(proto, port, { path: p, headers: ae === undefined ? {} : { 'accept-encoding': ae } });

    const plain = await ask();
    t.equal(plain.headers['content-encoding'], undefined, 'no Accept-Encoding: identity');
    t.equal(plain.body.toString(), site.css);
    t.equal(plain.headers.vary, 'accept-encoding');
    t.equal(plain.headers['content-type'], 'text/css; charset=utf-8');

    const br = await ask('gzip, deflate, br, zstd');
    t.equal(br.headers['content-encoding'], 'br', 'equal q: the smallest coding');
    t.equal(brotliDecompressSync(br.body).toString(), site.css);
    t.equal(br.headers['content-type'], 'text/css; charset=utf-8', 'type of the original file');
    t.equal(br.headers.vary, 'accept-encoding');
    t.equal(Number(br.headers['content-length']), br.body.length);
    t.not(br.headers.etag, plain.headers.etag, 'each representation has its own ETag');

    const gz = await ask('br;q=0.5, gzip;q=0.9');
    t.equal(gz.headers['content-encoding'], 'gzip');
    t.equal(gunzipSync(gz.body).toString(), site.css);

    const zstd = await ask('zstd, gzip;q=0.5');
    t.equal(zstd.headers['content-encoding'], 'zstd', '.zst for clients that take zstd');
    t.equal(zstd.body.toString(), 'not really zstd, only chosen by name');

    t.equal((await ask('br;q=0, zstd;q=0, gzip;q=0')).headers['content-encoding'], undefined, 'all refused: identity');
    t.equal((await ask('identity;q=1, gzip;q=0.5')).headers['content-encoding'], undefined, 'identity preferred');
    t.equal((await ask('*')).headers['content-encoding'], 'br');

    const js = await ask('br, gzip', '/app.js');
    t.equal(js.headers['content-encoding'], 'gzip', 'the best coding that has a sibling');
    t.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    t.equal((await ask('br', '/app.js')).headers['content-encoding'], undefined, 'no .br: identity');

    const cond = await fetchOver(proto, port, { path: '/style.css', headers: { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) } });
    t.equal(cond.status, 304, 'revalidating the br representation');
    t.equal(cond.headers.vary, 'accept-encoding');
    const mismatch = await fetchOver(proto, port, { path: '/style.css', headers: { 'accept-encoding': 'gzip', 'if-none-match': String(br.headers.etag) } });
    t.equal(mismatch.status, 200, 'the br tag does not validate the gzip representation');

    const range = await fetchOver(proto, port, { path: '/style.css', headers: { 'accept-encoding': 'gzip', range: 'bytes=0-1' } });
    t.equal(range.status, 206);
    t.equal(range.headers['content-encoding'], 'gzip');
    t.same([...range.body], [0x1f, 0x8b], 'ranges apply to the encoded representation');
  });

  t.test(`${proto}: precompressed: false serves only the file itself`, async (t) => {
    const site = makeSite(t);
    const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root', precompressed: false }], { baseDir: site.base, callbacks: {} }));
    const r = await fetchOver(proto, port, { path: '/style.css', headers: { 'accept-encoding': 'br, gzip' } });
    t.equal(r.headers['content-encoding'], undefined);
    t.equal(r.headers.vary, undefined);
    t.equal(r.body.toString(), site.css);
  });
}
