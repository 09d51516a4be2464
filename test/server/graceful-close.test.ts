/**
 * Graceful shutdown: close() stops accepting, lets an in-flight HTTP/1.1
 * download and an in-flight HTTP/2 download finish (GOAWAY on h2), closes idle
 * keep-alive connections at once, refuses new work, and force-closes what is
 * left after its timeout.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import t from 'tap';
import { WriteMode, type Transaction } from '../../lib/index.js';
import { start } from '../support/server.js';

const CHUNK = Buffer.alloc(64 * 1024, 'x');
const CHUNKS = 32; // 2 MiB, written over ~0.3 s
const expected = createHash('sha256').update(Buffer.concat(Array.from({ length: CHUNKS }, () => CHUNK))).digest('hex');

async function slowDownload(tx: Transaction): Promise<void> {
  tx.status(200).headerByName('content-length', CHUNK.length * CHUNKS).finalizeHeaders();
  for (let i = 0; i < CHUNKS; i++) {
    await tx.write(CHUNK, i === CHUNKS - 1 ? WriteMode.HTTP_FINAL : WriteMode.HTTP);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

t.test('close() lets in-flight h1 and h2 downloads finish, closes idle connections and refuses new work', async (t) => {
  const { server, port } = await start(t, (tx) => (tx.request.path === '/slow' ? slowDownload(tx) : tx.respond(200, {}, 'quick')));

  // An idle keep-alive HTTP/1.1 connection: it has finished one request.
  const idle = net.connect(port, '127.0.0.1');
  const idleClosed = new Promise<void>((resolve) => idle.on('close', () => resolve()));
  await new Promise<void>((resolve) => {
    idle.once('data', () => resolve());
    idle.write('GET /quick HTTP/1.1\r\nHost: x\r\n\r\n');
  });

  // In-flight downloads on both protocols.
  let h1FirstByte!: () => void;
  const h1Started = new Promise<void>((r) => (h1FirstByte = r));
  const h1Done = new Promise<{ sum: string }>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/slow', agent: false }, (res) => {
      const hash = createHash('sha256');
      res.once('data', () => h1FirstByte());
      res.on('data', (c: Buffer) => hash.update(c));
      res.on('end', () => resolve({ sum: hash.digest('hex') }));
      res.on('error', reject);
    }).on('error', reject);
  });
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const goaway = new Promise<number>((resolve) => session.once('goaway', (code: number) => resolve(code)));
  let h2FirstByte!: () => void;
  const h2Started = new Promise<void>((r) => (h2FirstByte = r));
  const h2Done = new Promise<string>((resolve, reject) => {
    const req = session.request({ ':path': '/slow' });
    const hash = createHash('sha256');
    req.once('data', () => h2FirstByte());
    req.on('data', (c: Buffer) => hash.update(c));
    req.on('end', () => resolve(hash.digest('hex')));
    req.on('error', reject);
  });
  await Promise.all([h1Started, h2Started]);

  let closed = false;
  const closing = server.close(10_000).then(() => (closed = true));

  t.equal(await goaway, 0, 'h2 gets GOAWAY NO_ERROR');
  await idleClosed;
  t.pass('the idle keep-alive connection is closed at once');

  // New work is refused: no new connections, no new streams on the old one.
  const refused = await new Promise<string>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
  t.equal(refused, 'ECONNREFUSED', 'the listener no longer accepts');
  const lateStream = await new Promise<string>((resolve) => {
    try {
      const req = session.request({ ':path': '/quick' });
      req.on('response', () => resolve('answered'));
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      req.on('close', () => resolve(`closed ${req.rstCode}`));
    } catch (e) {
      resolve((e as NodeJS.ErrnoException).code ?? 'thrown');
    }
  });
  t.not(lateStream, 'answered', `a stream opened after GOAWAY is not served (${lateStream})`);
  t.equal(closed, false, 'close() waits for the downloads');

  const h1 = await h1Done;
  t.equal(h1.sum, expected, 'the h1 download finished intact');
  t.equal(await h2Done, expected, 'the h2 download finished intact');
  await closing;
  await sleep(0);
  t.equal(server.connections, 0, 'no connection left');
  session.destroy();
});

t.test('close(timeout) force-closes a download that does not finish in time', async (t) => {
  const { server, port } = await start(t, async (tx) => {
    tx.status(200).finalizeHeaders();
    await tx.write('partial');
    // never ends
  });
  const cut = new Promise<string>((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve('end'));
      res.on('aborted', () => resolve('aborted'));
      res.on('error', () => resolve('error'));
    });
  });
  await sleep(100);
  const began = Date.now();
  await server.close(300);
  t.ok(Date.now() - began >= 250, 'waited for the timeout');
  t.not(await cut, 'end', 'the response was cut, not ended as if complete');
});

t.test('tx.shutdown tells long-lived exchanges that close() began, so they can wind down', async (t) => {
  let seen = false;
  const { server, port } = await start(t, async (tx) => {
    tx.status(200).finalizeHeaders();
    await tx.write('tick\n');
    await new Promise<void>((resolve) => tx.shutdown.addEventListener('abort', () => resolve()));
    seen = true;
    await tx.end('bye\n');
  });
  const body = new Promise<string>((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
        if (text === 'tick\n') void server.close(5000);
      });
      res.on('end', () => resolve(text));
    });
  });
  t.equal(await body, 'tick\nbye\n', 'the handler ended its response when told');
  t.ok(seen);
});
