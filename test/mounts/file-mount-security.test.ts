/**
 * The file mount never serves anything outside its root, on HTTP/1.1 and
 * HTTP/2: `..`, encoded traversal, encoded separators, NUL, dotfiles and
 * symlinks that escape are refused (400/404), through real clients and a raw
 * socket (which sends the request target exactly as written).
 */
import net from 'node:net';
import t from 'tap';
import { createMountHandler } from '../../mounts/index.js';
import { fetchOver, type Proto } from '../support/fetch.js';
import { start } from '../support/server.js';
import { makeSite } from './site.js';

const PROTOS: Proto[] = ['h1', 'h2'];

/** One HTTP/1.1 request over a raw socket, the target byte for byte; returns status line and body. */
function rawGet(port: number, target: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    s.on('data', (c) => parts.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const text = Buffer.concat(parts).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    s.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
}

const TRAVERSALS = [
  '/../outside/secret.txt',
  '/docs/../../outside/secret.txt',
  '/%2e%2e/outside/secret.txt',
  '/%2E%2E/%2e%2e/outside/secret.txt',
  '/.%2e/outside/secret.txt',
  '/docs%2f..%2f..%2foutside%2fsecret.txt',
  '/..%2foutside%2fsecret.txt',
  '/..%5coutside%5csecret.txt',
  '/hello.txt%00.html',
  '/%00',
  '/%zz',
];

for (const proto of PROTOS) {
  t.test(`${proto}: traversal, encoded traversal, encoded separators and NUL are 400, never the secret`, async (t) => {
    const site = makeSite(t);
    const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {} }));
    for (const p of TRAVERSALS) {
      const r = await fetchOver(proto, port, { path: p });
      t.equal(r.status, 400, p);
      t.notMatch(r.body.toString(), /TOP SECRET/, p);
    }
  });

  t.test(`${proto}: symlinks that escape the root are 404; symlinks inside it are served`, async (t) => {
    const site = makeSite(t);
    const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root', spa: 'spa.html' }], { baseDir: site.base, callbacks: {} }));
    t.equal((await fetchOver(proto, port, { path: '/link-inside.txt' })).body.toString(), 'hello world\n');
    for (const p of ['/link-outside.txt', '/dir-outside/secret.txt', '/dir-outside/', '/dir-outside', '/passwd']) {
      const r = await fetchOver(proto, port, { path: p });
      t.equal(r.status, 404, `${p}: not served, not even by the SPA fallback`);
      t.notMatch(r.body.toString(), /TOP SECRET|root:/, p);
    }
  });

  t.test(`${proto}: dotfiles are 404 by default, /.well-known/ is served; dotfiles: allow serves them`, async (t) => {
    const site = makeSite(t);
    const deny = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {} }));
    for (const p of ['/.env', '/.git/config', '/%2eenv', '/.git/']) t.equal((await fetchOver(proto, deny.port, { path: p })).status, 404, p);
    const wk = await fetchOver(proto, deny.port, { path: '/.well-known/security.txt' });
    t.equal(wk.status, 200);
    t.match(wk.body.toString(), /Contact:/);
    const allow = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root', dotfiles: 'allow' }], { baseDir: site.base, callbacks: {} }));
    t.equal((await fetchOver(proto, allow.port, { path: '/.env' })).body.toString(), 'SECRET=1\n');
    t.equal((await fetchOver(proto, allow.port, { path: '/../outside/secret.txt' })).status, 400, 'allow never allows ..');
  });

  t.test(`${proto}: a mount below / cannot reach its siblings`, async (t) => {
    const site = makeSite(t);
    const { port } = await start(t, createMountHandler([{ mountpoint: '/docs', origin: 'file://root/docs' }], { baseDir: site.base, callbacks: {} }));
    t.equal((await fetchOver(proto, port, { path: '/docs/guide.html' })).status, 200);
    for (const p of ['/docs/../hello.txt', '/docs/%2e%2e/hello.txt', '/docs/..%2fhello.txt']) t.equal((await fetchOver(proto, port, { path: p })).status, 400, p);
  });
}

t.test('h1 raw socket: the target exactly as written', async (t) => {
  const site = makeSite(t);
  const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {} }));
  for (const p of [...TRAVERSALS, '/docs/..\\..\\outside\\secret.txt']) {
    const r = await rawGet(port, p);
    t.equal(r.status, 400, p);
    t.notMatch(r.text, /TOP SECRET/, p);
  }
  t.equal((await rawGet(port, '/hello.txt')).status, 200, 'the same client gets real files');
});
