/**
 * The file mount's everyday behaviour on HTTP/1.1 and HTTP/2 with real clients:
 * default document, directory redirect, Content-Type, Cache-Control, HEAD,
 * 405, 404, the error document and the SPA fallback.
 */
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { createMountHandler, type MountSpec } from '../../mounts/index.js';
import { fetchOver, type Proto } from '../support/fetch.js';
import { start } from '../support/server.js';
import { makeSite } from './site.js';

const PROTOS: Proto[] = ['h1', 'h2'];

for (const proto of PROTOS) {
  t.test(`${proto}: files, default documents, directory redirects`, async (t) => {
    const site = makeSite(t);
    const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {} }));
    const home = await fetchOver(proto, port, { path: '/' });
    t.equal(home.status, 200);
    t.equal(home.body.toString(), '<h1>home</h1>\n');
    t.equal(home.headers['content-type'], 'text/html; charset=utf-8');
    t.equal(home.headers['content-length'], '14');

    const hello = await fetchOver(proto, port, { path: '/hello.txt?x=1' });
    t.equal(hello.body.toString(), 'hello world\n', 'the query is not part of the file name');
    t.equal(hello.headers['content-type'], 'text/plain; charset=utf-8');
    t.equal(hello.headers['accept-ranges'], 'bytes');

    t.equal((await fetchOver(proto, port, { path: '/a%20b.txt' })).body.toString(), 'spaced\n', 'percent-decoded');
    t.equal((await fetchOver(proto, port, { path: '/docs/' })).body.toString(), '<h1>docs</h1>\n', 'index of a subdirectory');
    t.equal((await fetchOver(proto, port, { path: '/docs/guide.html' })).body.toString(), '<h1>guide</h1>\n');

    const redirect = await fetchOver(proto, port, { path: '/docs?page=2' });
    t.equal(redirect.status, 301, 'a directory without the slash redirects');
    t.equal(redirect.headers.location, '/docs/?page=2');
    const dbl = await fetchOver(proto, port, { path: '//docs' });
    t.equal(dbl.status, 301);
    t.equal(dbl.headers.location, '/docs/', 'never a protocol-relative //host Location');

    t.equal((await fetchOver(proto, port, { path: '/empty/' })).status, 404, 'no index, no listing');
    t.equal((await fetchOver(proto, port, { path: '/hello.txt/' })).status, 404, 'a file is not a directory');
    t.equal((await fetchOver(proto, port, { path: '/nope.html' })).status, 404);

    const png = await fetchOver(proto, port, { path: '/logo.png' });
    t.equal(png.headers['content-type'], 'image/png', 'binary types get no charset');
    t.equal((await fetchOver(proto, port, { path: '/data.json' })).headers['content-type'], 'application/json; charset=utf-8');
    t.equal((await fetchOver(proto, port, { path: '/notes.md' })).headers['content-type'], 'text/markdown; charset=utf-8');
    const empty = await fetchOver(proto, port, { path: '/empty.txt' });
    t.equal(empty.status, 200);
    t.equal(empty.headers['content-length'], '0');
    t.equal(empty.body.length, 0);

    const big = await fetchOver(proto, port, { path: '/big.bin' });
    t.equal(big.status, 200);
    t.ok(big.body.equals(site.big), 'a file above the cache limit streams intact');
  });

  t.test(`${proto}: mount options: default document, extra types, cache-control, mountpoint below /`, async (t) => {
    const site = makeSite(t);
    const mounts: MountSpec[] = [
      { mountpoint: '/', origin: `file://${site.root}`, default: 'hello.txt', 'extra-mimetypes': { '.md': 'text/x-notes' }, 'cache-max-age': 60, 'cache-intermediaries': true, 'cache-immutable': true },
      { mountpoint: '/static/', origin: 'file://root/docs', 'cache-no': true },
    ];
    const { port } = await start(t, createMountHandler(mounts, { baseDir: site.base, callbacks: {} }));
    const home = await fetchOver(proto, port, { path: '/' });
    t.equal(home.body.toString(), 'hello world\n', 'configured default document');
    t.equal(home.headers['cache-control'], 'public, max-age=60, immutable');
    t.equal((await fetchOver(proto, port, { path: '/notes.md' })).headers['content-type'], 'text/x-notes; charset=utf-8');
    const guide = await fetchOver(proto, port, { path: '/static/guide.html' });
    t.equal(guide.body.toString(), '<h1>guide</h1>\n');
    t.equal(guide.headers['cache-control'], 'no-store');
    const mp = await fetchOver(proto, port, { path: '/static' });
    t.equal(mp.status, 301);
    t.equal(mp.headers.location, '/static/');
    t.equal((await fetchOver(proto, port, { path: '/static/' })).body.toString(), '<h1>docs</h1>\n', 'default document at the mountpoint');
    t.equal((await fetchOver(proto, port, { path: '/staticx' })).status, 404, 'prefix ends at a slash');
    const plain = createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {} });
    const b = await start(t, plain);
    t.equal((await fetchOver(proto, b.port, { path: '/hello.txt' })).headers['cache-control'], 'no-cache', 'default: revalidate with the ETag');
  });

  t.test(`${proto}: HEAD has the GET headers and no body; other methods are 405 with Allow`, async (t) => {
    const site = makeSite(t);
    const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {} }));
    const get = await fetchOver(proto, port, { path: '/big.bin' });
    const head = await fetchOver(proto, port, { method: 'HEAD', path: '/big.bin' });
    t.equal(head.status, 200);
    t.equal(head.body.length, 0);
    for (const h of ['content-length', 'content-type', 'etag', 'last-modified', 'accept-ranges', 'cache-control']) t.equal(head.headers[h], get.headers[h], h);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await fetchOver(proto, port, { method, path: '/hello.txt', body: method === 'OPTIONS' ? undefined : 'x' });
      t.equal(r.status, 405, method);
      t.equal(r.headers.allow, 'GET, HEAD');
    }
  });

  t.test(`${proto}: 404 with an error document; SPA fallback for unknown paths`, async (t) => {
    const site = makeSite(t);
    const withDoc = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root', 'error-document': '404.html' }], { baseDir: site.base, callbacks: {} }));
    const nf = await fetchOver(proto, withDoc.port, { path: '/missing/page' });
    t.equal(nf.status, 404);
    t.equal(nf.body.toString(), '<h1>not here</h1>\n');
    t.equal(nf.headers['content-type'], 'text/html; charset=utf-8');
    t.equal(nf.headers.etag, undefined, 'an error document is not a cacheable representation');
    const nfHead = await fetchOver(proto, withDoc.port, { method: 'HEAD', path: '/missing' });
    t.equal(nfHead.status, 404);
    t.equal(nfHead.body.length, 0);

    const spa = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root', spa: 'spa.html', 'error-document': '404.html' }], { baseDir: site.base, callbacks: {} }));
    const route = await fetchOver(proto, spa.port, { path: '/users/42/profile' });
    t.equal(route.status, 200);
    t.equal(route.body.toString(), '<div id=app></div>\n');
    t.equal((await fetchOver(proto, spa.port, { path: '/hello.txt' })).body.toString(), 'hello world\n', 'real files still win');
    t.equal((await fetchOver(proto, spa.port, { path: '/.env' })).status, 404, 'a refused dotfile is not rescued by the SPA');
    t.equal((await fetchOver(proto, spa.port, { path: '/%2e%2e/x' })).status, 400);

    const plain = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root', 'error-document': 'gone.html' }], { baseDir: site.base, callbacks: {} }));
    const r = await fetchOver(proto, plain.port, { path: '/x' });
    t.equal(r.status, 404, 'a missing error document falls back to the plain 404');
    t.equal(r.body.toString(), 'Not Found\n');
  });

  t.test(`${proto}: a root that is a symlink re-pointed by a deploy is followed: at once with fileLookupTtlMs 0, else after the TTL`, async (t) => {
    const site = makeSite(t);
    for (const v of ['v1', 'v2', 'v3']) {
      mkdirSync(path.join(site.base, v));
      writeFileSync(path.join(site.base, v, 'index.html'), `release ${v}\n`);
    }
    symlinkSync('v1', path.join(site.base, 'current'));
    const repoint = (to: string): void => {
      symlinkSync(to, path.join(site.base, 'next'));
      renameSync(path.join(site.base, 'next'), path.join(site.base, 'current')); // atomic switch
    };
    const mounts: MountSpec[] = [{ mountpoint: '/', origin: 'file://current' }];
    const now = await start(t, createMountHandler(mounts, { baseDir: site.base, callbacks: {}, limits: { fileLookupTtlMs: 0 } }));
    const ttlMs = 100;
    const later = await start(t, createMountHandler(mounts, { baseDir: site.base, callbacks: {}, limits: { fileLookupTtlMs: ttlMs } }));
    t.equal((await fetchOver(proto, now.port, { path: '/' })).body.toString(), 'release v1\n');
    t.equal((await fetchOver(proto, later.port, { path: '/' })).body.toString(), 'release v1\n');
    repoint('v2');
    t.equal((await fetchOver(proto, now.port, { path: '/' })).body.toString(), 'release v2\n', 'TTL 0: the next request follows the new root');
    await new Promise((r) => setTimeout(r, 3 * ttlMs));
    t.equal((await fetchOver(proto, later.port, { path: '/' })).body.toString(), 'release v2\n', 'past the TTL: the new root is followed');
    repoint('v3');
    t.equal((await fetchOver(proto, now.port, { path: '/' })).body.toString(), 'release v3\n');
  });

  t.test(`${proto}: an edited small file is served fresh (the file cache revalidates by stat; lookup cache off)`, async (t) => {
    const site = makeSite(t);
    const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {}, limits: { fileLookupTtlMs: 0 } }));
    const a = await fetchOver(proto, port, { path: '/hello.txt' });
    t.equal(a.body.toString(), 'hello world\n');
    t.equal((await fetchOver(proto, port, { path: '/hello.txt' })).body.toString(), 'hello world\n');
    writeFileSync(path.join(site.root, 'hello.txt'), 'changed content\n');
    const b = await fetchOver(proto, port, { path: '/hello.txt' });
    t.equal(b.body.toString(), 'changed content\n');
    t.not(b.headers.etag, a.headers.etag);
  });
}

t.test('a request no mount matches is 404', async (t) => {
  const site = makeSite(t);
  const { port } = await start(t, createMountHandler([{ mountpoint: '/docs', origin: 'file://root/docs' }], { baseDir: site.base, callbacks: {} }));
  for (const proto of PROTOS) t.equal((await fetchOver(proto, port, { path: '/elsewhere' })).status, 404, proto);
});
