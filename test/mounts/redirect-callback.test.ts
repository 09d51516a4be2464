/**
 * Redirect and callback mounts, and routing between mounts, on HTTP/1.1 and HTTP/2.
 */
import t from 'tap';
import { Token, WriteMode, type Transaction } from '../../lib/index.js';
import { createMountHandler, type MountSpec } from '../../mounts/index.js';
import { fetchOver, type Proto } from '../support/fetch.js';
import { start } from '../support/server.js';
import { makeSite } from './site.js';

const PROTOS: Proto[] = ['h1', 'h2'];

async function api(tx: Transaction): Promise<void> {
  const body = tx.request.method === 'POST' ? await tx.request.body.text() : '';
  tx.status(200).headerByToken(Token.CONTENT_TYPE, 'application/json').finalizeHeaders();
  await tx.write(JSON.stringify({ path: tx.request.path, method: tx.request.method, body }), WriteMode.HTTP_FINAL);
}

for (const proto of PROTOS) {
  t.test(`${proto}: redirects: 301 by default, configurable status, optional path append`, async (t) => {
    const mounts: MountSpec[] = [
      { mountpoint: '/old', origin: '>https://example.com/new' },
      { mountpoint: '/tmp', origin: '>https://example.com/t/', 'redirect-status': 307, 'redirect-append-path': true },
      { mountpoint: '/p', origin: '>http://example.com', 'redirect-status': 308, 'redirect-append-path': true },
      { mountpoint: '/f', origin: '>/found', 'redirect-status': 302 },
    ];
    const { port } = await start(t, createMountHandler(mounts, { baseDir: '.', callbacks: {} }));
    const a = await fetchOver(proto, port, { path: '/old/page?x=1' });
    t.equal(a.status, 301);
    t.equal(a.headers.location, 'https://example.com/new', 'no append by default');
    t.match(a.body.toString(), /Moved Permanently: https:\/\/example.com\/new/);
    const b = await fetchOver(proto, port, { path: '/tmp/a/b?q=2', method: 'POST', body: 'x' });
    t.equal(b.status, 307);
    t.equal(b.headers.location, 'https://example.com/t/a/b?q=2', 'path and query appended without a double slash');
    const c = await fetchOver(proto, port, { path: '/p' });
    t.equal(c.status, 308);
    t.equal(c.headers.location, 'http://example.com');
    const d = await fetchOver(proto, port, { path: '/f', method: 'HEAD' });
    t.equal(d.status, 302);
    t.equal(d.headers.location, '/found');
    t.equal(d.body.length, 0);
  });

  t.test(`${proto}: callback mounts hand the whole request to the named handler; longest prefix wins`, async (t) => {
    const site = makeSite(t);
    const mounts: MountSpec[] = [
      { mountpoint: '/', origin: 'file://root' },
      { mountpoint: '/api', origin: 'callback://api' },
      { mountpoint: '/api/legacy', origin: '>https://example.com/api2', 'redirect-append-path': true },
    ];
    const { port } = await start(t, createMountHandler(mounts, { baseDir: site.base, callbacks: { api } }));
    const get = await fetchOver(proto, port, { path: '/api/users?id=1' });
    t.equal(get.status, 200);
    t.same(JSON.parse(get.body.toString()), { path: '/api/users?id=1', method: 'GET', body: '' });
    const post = await fetchOver(proto, port, { path: '/api', method: 'POST', body: 'hello' });
    t.same(JSON.parse(post.body.toString()), { path: '/api', method: 'POST', body: 'hello' }, 'methods and bodies pass through');
    const legacy = await fetchOver(proto, port, { path: '/api/legacy/x' });
    t.equal(legacy.status, 301);
    t.equal(legacy.headers.location, 'https://example.com/api2/x');
    t.equal((await fetchOver(proto, port, { path: '/hello.txt' })).body.toString(), 'hello world\n', 'everything else: the file mount');
    t.equal((await fetchOver(proto, port, { path: '/apiary' })).status, 404, '/api does not own /apiary');
  });
}
