/**
 * `sluice DIR` and `sluice --config FILE` serving over real sockets: h1 and
 * h2 (prior knowledge, and ALPN with --cert/--key), the ready line,
 * --single, --cors, --access-log (combined format), --quiet, vhosts grouped
 * by host:port, and a ws-protocols entry reaching the WebSocket stack.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import WebSocket from 'ws';
import { fetchOver, type Proto } from '../support/fetch.js';
import { havePeer } from '../support/server.js';
import { testCert } from '../support/tls.js';
import { cli } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-serve-'));
mkdirSync(join(dir, 'site', 'css'), { recursive: true });
writeFileSync(join(dir, 'site', 'index.html'), '<p>home</p>\n');
writeFileSync(join(dir, 'site', 'app.html'), '<p>app shell</p>\n');
writeFileSync(join(dir, 'site', 'css', 'a.css'), 'p { color: red }\n');
const PROTOS: Proto[] = ['h1', 'h2'];
const run$ = promisify(execFile);

/** Combined log format: host ident user [time] "request" status bytes "referer" "agent". */
const COMBINED = /^(\S+) - (\S+) \[(\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000)\] "([^"\\]*(?:\\.[^"\\]*)*)" (\d{3}|-) (\d+|-) "([^"\\]*(?:\\.[^"\\]*)*)" "([^"\\]*(?:\\.[^"\\]*)*)"$/;

t.test('sluice DIR serves the directory at / over h1 and h2 on one port, with a ready line', async (t) => {
  const run = await cli(t, ['site', '--port', '0'], dir);
  t.equal(run.exitCode, null, run.err);
  const info = run.infos[0];
  if (!info) throw new Error('no listener');
  t.equal(run.out, `sluice: serving site on http://127.0.0.1:${info.port} (h2 prior knowledge + http/1.1)\n`);
  for (const proto of PROTOS) {
    const home = await fetchOver(proto, info.port, { path: '/' });
    t.equal(home.status, 200, proto);
    t.equal(home.body.toString(), '<p>home</p>\n');
    const css = await fetchOver(proto, info.port, { path: '/css/a.css' });
    t.equal(css.status, 200);
    t.match(css.headers['content-type'], /^text\/css/);
    t.equal((await fetchOver(proto, info.port, { path: '/nope' })).status, 404, `${proto}: no --single, unknown path is 404`);
    t.equal(home.headers['access-control-allow-origin'], undefined, 'no CORS header without --cors');
  }
});

t.test('curl over h1 and h2 prior knowledge', async (t) => {
  if (!havePeer(t, 'curl')) return;
  const run = await cli(t, ['site', '-p', '0', '-q'], dir);
  t.equal(run.out, '', '--quiet: no ready line');
  const url = run.infos[0]?.url ?? '';
  const h1 = await run$('curl', ['-s', '-w', '\n%{http_version}', `${url}/css/a.css`], { encoding: 'utf8' });
  t.equal(h1.stdout, 'p { color: red }\n\n1.1');
  const h2 = await run$('curl', ['-s', '--http2-prior-knowledge', '-w', '\n%{http_version}', `${url}/css/a.css`], { encoding: 'utf8' });
  t.equal(h2.stdout, 'p { color: red }\n\n2');
});

t.test('--single serves the fallback for unknown paths (default index.html, or FILE)', async (t) => {
  const dflt = await cli(t, ['--single', 'site', '--port', '0'], dir);
  const named = await cli(t, ['site', '--single', 'app.html', '--port', '0'], dir);
  for (const proto of PROTOS) {
    const a = await fetchOver(proto, dflt.infos[0]?.port ?? 0, { path: '/deep/client/route' });
    t.equal(a.status, 200, `${proto}: SPA fallback`);
    t.equal(a.body.toString(), '<p>home</p>\n');
    const b = await fetchOver(proto, named.infos[0]?.port ?? 0, { path: '/deep/client/route' });
    t.equal(b.body.toString(), '<p>app shell</p>\n', `${proto}: --single app.html`);
    const css = await fetchOver(proto, named.infos[0]?.port ?? 0, { path: '/css/a.css' });
    t.equal(css.body.toString(), 'p { color: red }\n', 'real files are still served');
  }
});

t.test('--cors: Access-Control-Allow-Origin on responses, preflight OPTIONS answered 204', async (t) => {
  const run = await cli(t, ['site', '--cors', '--port', '0'], dir);
  const port = run.infos[0]?.port ?? 0;
  for (const proto of PROTOS) {
    const get = await fetchOver(proto, port, { path: '/', headers: { origin: 'https://elsewhere.example' } });
    t.equal(get.status, 200);
    t.equal(get.headers['access-control-allow-origin'], '*', `${proto}: ACAO on GET`);
    const missing = await fetchOver(proto, port, { path: '/nope' });
    t.equal(missing.headers['access-control-allow-origin'], '*', `${proto}: ACAO on a 404 too`);
    const pre = await fetchOver(proto, port, {
      method: 'OPTIONS',
      path: '/api/x',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type, x-token' },
    });
    t.equal(pre.status, 204, `${proto}: preflight`);
    t.equal(pre.headers['access-control-allow-origin'], '*');
    t.match(pre.headers['access-control-allow-methods'], /\bPUT\b/);
    t.equal(pre.headers['access-control-allow-headers'], 'content-type, x-token');
    t.equal(pre.headers['access-control-max-age'], '86400');
    t.equal(pre.body.length, 0);
  }
});

t.test('--access-log: combined log format, on stdout or appended to FILE', async (t) => {
  const run = await cli(t, ['site', '--access-log', '--port', '0'], dir);
  const port = run.infos[0]?.port ?? 0;
  await fetchOver('h1', port, { path: '/css/a.css?v=1', headers: { referer: 'http://ref.example/', 'user-agent': 'agent "quoted"', authorization: `Basic ${Buffer.from('ann:pw').toString('base64')}` } });
  await fetchOver('h2', port, { path: '/nope', headers: { 'user-agent': 'h2-agent' } });
  await fetchOver('h1', port, { method: 'HEAD', path: '/' });
  await fetchOver('h2', port, { method: 'BREW', path: '/pot' });
  const lines = run.stdout().split('\n').filter((l) => l !== '' && !l.startsWith('sluice: serving'));
  t.equal(lines.length, 4, lines.join('\n'));
  const [a, b, c, d] = lines.map((l) => COMBINED.exec(l));
  t.ok(a && b && c && d, `every line is in combined format:\n${lines.join('\n')}`);
  if (!a || !b || !c || !d) return;
  t.same([d[4], d[5]], ['BREW /pot HTTP/2.0', '501'], "the server's own 501 for an unknown method is logged too");
  t.same(a.slice(1, 9).filter((_, i) => i !== 2), ['127.0.0.1', 'ann', 'GET /css/a.css?v=1 HTTP/1.1', '200', '17', 'http://ref.example/', 'agent \\"quoted\\"']);
  t.same([b[4], b[5], b[7], b[8]], ['GET /nope HTTP/2.0', '404', '-', 'h2-agent']);
  t.same([c[4], c[5], c[6]], ['HEAD / HTTP/1.1', '200', '-'], 'HEAD: no body bytes');
  const when = Date.parse(a[3]?.replace(/^(\d\d)\/(\w{3})\/(\d{4}):/, '$2 $1 $3 ') ?? '');
  t.ok(Math.abs(when - Date.now()) < 5 * 60_000, 'the time is now, in UTC');

  const file = join(dir, 'access.log');
  writeFileSync(file, 'earlier line\n');
  const toFile = await cli(t, ['site', '--access-log', 'access.log', '--port', '0'], dir);
  await fetchOver('h2', toFile.infos[0]?.port ?? 0, { path: '/' });
  await toFile.servers?.close(100);
  const logged = readFileSync(file, 'utf8').split('\n');
  t.equal(logged[0], 'earlier line', 'appended, not truncated');
  t.match(logged[1], COMBINED);
  t.match(logged[1], /"GET \/ HTTP\/2\.0" 200 12 /);
  t.notMatch(toFile.out, /GET/, 'nothing logged to stdout');
});

t.test('--cert/--key: https, h2 and http/1.1 by ALPN', async (t) => {
  const cert = testCert();
  const run = await cli(t, ['site', '--cert', cert.certPath, '--key', cert.keyPath, '--port', '0'], dir);
  const info = run.infos[0];
  if (!info) throw new Error('no listener');
  t.equal(run.out, `sluice: serving site on https://127.0.0.1:${info.port} (h2 + http/1.1 by ALPN)\n`);
  const h2 = await new Promise<{ body: string; alpn: string | false | undefined }>((resolve, reject) => {
    const session = http2.connect(info.url, { ca: cert.cert });
    session.on('error', reject);
    const req = session.request({ ':path': '/' });
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const alpn = session.alpnProtocol;
      session.close();
      resolve({ body, alpn });
    });
    req.on('error', reject);
  });
  t.same(h2, { body: '<p>home</p>\n', alpn: 'h2' });
  const h1 = await new Promise<{ body: string; alpn: string | false | null }>((resolve, reject) => {
    https
      .get(`${info.url}/css/a.css`, { ca: cert.cert, ALPNProtocols: ['http/1.1'], agent: false } as https.RequestOptions, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ body, alpn: (res.socket as import('node:tls').TLSSocket).alpnProtocol }));
      })
      .on('error', reject);
  });
  t.same(h1, { body: 'p { color: red }\n', alpn: 'http/1.1' });
});

t.test('--config: vhosts sharing host:port become one listener, others their own; relative paths from the config folder', async (t) => {
  mkdirSync(join(dir, 'conf', 'b-site'), { recursive: true });
  writeFileSync(join(dir, 'conf', 'b-site', 'index.html'), '<p>b</p>\n');
  const file = join(dir, 'conf', 'sites.json');
  writeFileSync(
    file,
    JSON.stringify({
      vhosts: [
        { name: 'a.test', host: '127.0.0.1', port: 0, headers: { 'x-vhost': 'a' }, mounts: [{ mountpoint: '/', origin: 'file://../site' }] },
        { name: 'b.test', host: '127.0.0.1', port: 0, headers: { 'x-vhost': 'b' }, mounts: [{ mountpoint: '/', origin: 'file://b-site' }] },
        { name: 'c.test', host: '127.0.0.2', port: 0, mounts: [{ mountpoint: '/', origin: 'file://b-site' }] },
      ],
    }),
  );
  const run = await cli(t, ['--config', file], '/');
  t.equal(run.exitCode, null, run.err);
  t.equal(run.infos.length, 2, 'two listeners');
  const [ab, c] = run.infos;
  if (!ab || !c) return;
  t.same(ab.vhosts, ['a.test', 'b.test']);
  t.equal(run.out.split('\n')[0], `sluice: serving vhosts a.test, b.test on http://127.0.0.1:${ab.port} (h2 prior knowledge + http/1.1)`);
  t.equal(run.out.split('\n')[1], `sluice: serving vhost c.test on http://127.0.0.2:${c.port} (h2 prior knowledge + http/1.1)`);
  for (const proto of PROTOS) {
    const a = await fetchOver(proto, ab.port, { path: '/', headers: proto === 'h1' ? { host: 'a.test' } : { ':authority': 'a.test' } });
    t.equal(a.body.toString(), '<p>home</p>\n', `${proto}: a.test (file://../site from conf/)`);
    t.equal(a.headers['x-vhost'], 'a');
    const b = await fetchOver(proto, ab.port, { path: '/', headers: proto === 'h1' ? { host: 'b.test' } : { ':authority': 'b.test' } });
    t.equal(b.body.toString(), '<p>b</p>\n', `${proto}: b.test chosen by Host/:authority`);
    t.equal(b.headers['x-vhost'], 'b');
    const other = await fetchOver(proto, ab.port, { path: '/', headers: proto === 'h1' ? { host: 'unknown.test' } : { ':authority': 'unknown.test' } });
    t.equal(other.headers['x-vhost'], 'a', `${proto}: the first vhost is the default`);
  }
});

t.test('--config: two TLS vhosts on one port, each certificate chosen by SNI', async (t) => {
  const a = testCert();
  const bDir = join(dir, 'tls-b');
  mkdirSync(join(bDir, 'site'), { recursive: true });
  writeFileSync(join(bDir, 'site', 'index.html'), '<p>b over tls</p>\n');
  await run$('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=b.test', '-addext', 'subjectAltName=DNS:b.test', '-keyout', join(bDir, 'key.pem'), '-out', join(bDir, 'cert.pem')]);
  const file = join(bDir, 'tls.json');
  writeFileSync(
    file,
    JSON.stringify({
      vhosts: [
        { name: 'localhost', port: 0, tls: { cert: a.certPath, key: a.keyPath }, mounts: [{ mountpoint: '/', origin: 'file://../site' }] },
        { name: 'b.test', port: 0, tls: { cert: 'cert.pem', key: 'key.pem' }, mounts: [{ mountpoint: '/', origin: 'file://site' }] },
      ],
    }),
  );
  const run = await cli(t, ['--config', file], '/');
  t.equal(run.exitCode, null, run.err);
  t.equal(run.infos.length, 1, 'one listener');
  const info = run.infos[0];
  if (!info) return;
  t.equal(run.out, `sluice: serving vhosts localhost, b.test on https://127.0.0.1:${info.port} (h2 + http/1.1 by ALPN)\n`);
  const get = (servername: string, ca: string): Promise<{ body: string; cn: unknown }> =>
    new Promise((resolve, reject) => {
      const session = http2.connect(info.url, { ca, servername });
      session.on('error', reject);
      const req = session.request({ ':path': '/', ':authority': servername });
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        const cn = (session.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN;
        session.close();
        resolve({ body, cn });
      });
      req.on('error', reject);
    });
  t.same(await get('localhost', a.cert), { body: '<p>home</p>\n', cn: 'localhost' });
  t.same(await get('b.test', readFileSync(join(bDir, 'cert.pem'), 'utf8')), { body: '<p>b over tls</p>\n', cn: 'b.test' });
});

t.test('--config ws-protocols reach the WebSocket stack (echo over h1)', async (t) => {
  const file = join(dir, 'ws.json');
  writeFileSync(file, JSON.stringify({ vhosts: [{ name: 'localhost', port: 0, mounts: [{ mountpoint: '/', origin: 'file://site' }], 'ws-protocols': { echo: { default: true } }, 'access-log': '-' }] }));
  const run = await cli(t, ['--config', file], dir);
  t.equal(run.exitCode, null, run.err);
  const info = run.infos[0];
  if (!info) return;
  t.match(run.out, /; WebSocket: echo\)\n$/);
  const ws = new WebSocket(`ws://127.0.0.1:${info.port}/`, 'echo');
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('ping through the config'));
    ws.on('message', (data) => resolve(String(data)));
    ws.on('error', reject);
  });
  const closed = new Promise((resolve) => ws.on('close', resolve));
  ws.close();
  await closed;
  t.equal(reply, 'ping through the config');
  t.equal((await fetchOver('h1', info.port, { path: '/' })).body.toString(), '<p>home</p>\n', 'plain requests still reach the mounts');
  const log = run.stdout().split('\n').filter((l) => COMBINED.test(l));
  t.equal(log.length, 2, log.join('\n'));
  const wsLine = COMBINED.exec(log[0] ?? '');
  t.same([wsLine?.[4], wsLine?.[5]], ['GET / HTTP/1.1', '101'], 'the WebSocket session is logged when it closes, as 101');
  t.ok(Number(wsLine?.[6]) >= 23, `with the payload bytes sent (${wsLine?.[6]}; the echo alone is 23)`);
  t.match(log[1], /"GET \/ HTTP\/1\.1" 200 12 /);
});
