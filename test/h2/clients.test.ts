/**
 * Real HTTP/2 clients against the engine: Node's http2, undici (allowH2),
 * http2-wrapper, curl and nghttp, over cleartext prior knowledge and TLS+ALPN.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import { promisify } from 'node:util';
import t from 'tap';
import http2wrapper from 'http2-wrapper';
import { Agent, request as undiciRequest } from 'undici';
import { Token, WriteMode, type Transaction } from '../../lib/index.js';
import { havePeer, start } from '../support/server.js';
import { testCert } from '../support/tls.js';

const run = promisify(execFile);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 10)) & 0xff;
  return b;
}
const BIG = pattern(5 << 20);

/** The routes every client exercises. */
async function app(tx: Transaction): Promise<void> {
  const r = tx.request;
  if (r.path === '/hello') {
    return tx.respond(200, { 'content-type': 'text/plain; charset=utf-8', 'x-version': r.httpVersion }, 'hello\n');
  }
  if (r.pathname === '/big') {
    tx.status(200).headerByToken(Token.CONTENT_TYPE, 'application/octet-stream').headerByToken(Token.CONTENT_LENGTH, BIG.length).finalizeHeaders();
    // Several writes of 1 MiB: each waits for credit when the client's window is small.
    for (let off = 0; off < BIG.length; off += 1 << 20) {
      await tx.write(BIG.subarray(off, off + (1 << 20)), off + (1 << 20) >= BIG.length ? WriteMode.HTTP_FINAL : WriteMode.HTTP);
    }
    return;
  }
  if (r.path === '/echo') {
    tx.status(200).headerByToken(Token.CONTENT_TYPE, 'application/octet-stream').finalizeHeaders();
    for await (const chunk of r.body) await tx.write(chunk as Buffer);
    return tx.end();
  }
  if (r.path === '/no-content') return tx.respond(204);
  return tx.respond(404, { 'content-type': 'text/plain' }, 'not found\n');
}

function http2Get(session: http2.ClientHttp2Session, path: string, method = 'GET', body?: Buffer): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': method, ':path': path }, { endStream: body === undefined });
    const parts: Buffer[] = [];
    let headers: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => (headers = h));
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(parts) }));
    req.on('error', reject);
    if (body) req.end(body);
  });
}

t.test('node:http2 client, cleartext prior knowledge', async (t) => {
  const { url } = await start(t, app);
  const session = http2.connect(url);
  t.teardown(() => session.close());
  const hello = await http2Get(session, '/hello');
  t.equal(hello.status, 200);
  t.equal(hello.body.toString(), 'hello\n');
  t.equal(hello.headers['x-version'], '2');
  t.equal(hello.headers['content-type'], 'text/plain; charset=utf-8');
  t.match(String(hello.headers.date), /GMT$/);
  const big = await http2Get(session, '/big');
  t.equal(sha(big.body), sha(BIG), '5 MiB intact');
  const upload = pattern(3 << 20);
  const echo = await http2Get(session, '/echo', 'POST', upload);
  t.equal(sha(echo.body), sha(upload), '3 MiB echoed through request-body back-pressure');
  const head = await http2Get(session, '/hello', 'HEAD');
  t.equal(head.status, 200);
  t.equal(head.headers['content-length'], '6', 'HEAD keeps content-length');
  t.equal(head.body.length, 0, 'HEAD has no body');
  const none = await http2Get(session, '/no-content');
  t.equal(none.status, 204);
  const missing = await http2Get(session, '/nope');
  t.equal(missing.status, 404);
  const many = await Promise.all(Array.from({ length: 50 }, () => http2Get(session, '/hello')));
  t.ok(many.every((r) => r.status === 200 && r.body.toString() === 'hello\n'), '50 concurrent streams on one connection');
});

t.test('node:http2 client over TLS with ALPN h2', async (t) => {
  const { cert, key } = testCert();
  const { url } = await start(t, app, { tls: { cert, key } });
  const session = http2.connect(url, { ca: cert });
  t.teardown(() => session.close());
  const hello = await http2Get(session, '/hello');
  t.equal(hello.body.toString(), 'hello\n');
  t.equal(session.alpnProtocol, 'h2');
  const big = await http2Get(session, '/big');
  t.equal(sha(big.body), sha(BIG));
});

t.test('undici with allowH2 over TLS', async (t) => {
  const { cert, key } = testCert();
  const { url } = await start(t, app, { tls: { cert, key } });
  const dispatcher = new Agent({ allowH2: true, connect: { ca: cert } });
  t.teardown(() => dispatcher.close());
  const res = await undiciRequest(`${url}/hello`, { dispatcher });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['x-version'], '2', 'negotiated h2');
  t.equal(await res.body.text(), 'hello\n');
  const big = await undiciRequest(`${url}/big`, { dispatcher });
  t.equal(sha(Buffer.from(await big.body.arrayBuffer())), sha(BIG));
  const upload = pattern(1 << 20);
  const echo = await undiciRequest(`${url}/echo`, { dispatcher, method: 'POST', body: upload });
  t.equal(sha(Buffer.from(await echo.body.arrayBuffer())), sha(upload));
});

t.test('http2-wrapper over TLS', async (t) => {
  const { cert, key } = testCert();
  const { url } = await start(t, app, { tls: { cert, key } });
  const body = await new Promise<{ status: number; version: string; body: Buffer }>((resolve, reject) => {
    const req = http2wrapper.request(`${url}/big`, { ca: cert }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, version: res.httpVersion, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
  t.equal(body.status, 200);
  t.equal(body.version, '2.0');
  t.equal(sha(body.body), sha(BIG));
});

t.test('curl --http2-prior-knowledge and curl over TLS', async (t) => {
  if (!havePeer(t, 'curl')) return;
  const { url } = await start(t, app);
  const { stdout } = await run('curl', ['-sS', '--http2-prior-knowledge', '-w', '\\n%{http_version} %{http_code}', `${url}/hello`]);
  t.equal(stdout, 'hello\n\n2 200');
  const { stdout: bigSum } = await run('sh', ['-c', `curl -sS --http2-prior-knowledge ${url}/big | sha256sum`]);
  t.equal(bigSum.split(' ')[0], sha(BIG));
  const { cert, key, certPath } = testCert();
  const tls = await start(t, app, { tls: { cert, key } });
  const { stdout: overTls } = await run('curl', ['-sS', '--http2', '--cacert', certPath, '-w', '\\n%{http_version}', `${tls.url}/hello`]);
  t.equal(overTls, 'hello\n\n2');
});

t.test('nghttp with 1 KiB windows (-w 10 -W 10) downloads 5 MiB intact, cleartext and TLS', async (t) => {
  if (!havePeer(t, 'nghttp')) return;
  const { url } = await start(t, app);
  const { stdout } = await run('sh', ['-c', `nghttp -w 10 -W 10 ${url}/big | sha256sum`], { maxBuffer: 1 << 20 });
  t.equal(stdout.split(' ')[0], sha(BIG), 'cleartext');
  const { cert, key } = testCert();
  const tls = await start(t, app, { tls: { cert, key } });
  const { stdout: overTls } = await run('sh', ['-c', `nghttp -w 10 -W 10 ${tls.url}/big | sha256sum`], { maxBuffer: 1 << 20 });
  t.equal(overTls.split(' ')[0], sha(BIG), 'TLS with ALPN');
  const { stdout: multi } = await run('nghttp', ['-n', '-s', '-w', '14', '-W', '14', `${url}/big?a`, `${url}/big?b`, `${url}/hello`, `${url}/big?c`]);
  t.equal((multi.match(/ 200 /g) ?? []).length, 4, 'four concurrent streams with 16 KiB windows all complete');
});
