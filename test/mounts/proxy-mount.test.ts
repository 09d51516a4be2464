/**
 * The proxy mount against an upstream node:http server started by the test,
 * on HTTP/1.1 and HTTP/2 clients: path mapping, x-forwarded-*, hop-by-hop
 * stripping, request and response bodies streamed (each side proven to see the
 * first part before the other side sends the rest), 502 and 504.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { createMountHandler, type MountSpec } from '../../mounts/index.js';
import { fetchOver, type Proto } from '../support/fetch.js';
import { start } from '../support/server.js';

const PROTOS: Proto[] = ['h1', 'h2'];

/** A latch a test can wait on and open from elsewhere. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

interface Upstream {
  port: number;
  seen: http.IncomingMessage[];
}

async function upstream(t: Test, handler: http.RequestListener): Promise<Upstream> {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, seen };
}

async function proxy(t: Test, mounts: MountSpec[]): Promise<number> {
  const h = createMountHandler(mounts, { baseDir: '.', callbacks: {} });
  t.teardown(() => h.close());
  return (await start(t, h)).port;
}

/** A streaming request: `first` is sent, then (once `between` resolves) `rest`; calls onData per response chunk. */
function streamingRequest(
  proto: Proto,
  port: number,
  path: string,
  opts: { method?: string; first?: Buffer; between?: Promise<void>; rest?: Buffer; onData?: (c: Buffer) => void; window?: number },
): Promise<{ status: number; body: Buffer }> {
  const parts: Buffer[] = [];
  const method = opts.method ?? 'GET';
  const upload = async (w: { write(b: Buffer): unknown; end(b?: Buffer): unknown }): Promise<void> => {
    if (!opts.first) return void w.end();
    w.write(opts.first);
    await opts.between;
    w.end(opts.rest);
  };
  if (proto === 'h2') {
    return new Promise((resolve, reject) => {
      const session = http2.connect(`http://127.0.0.1:${port}`, opts.window ? { settings: { initialWindowSize: opts.window } } : {});
      session.on('error', reject);
      const req = session.request({ ':method': method, ':path': path }, { endStream: !opts.first });
      let status = 0;
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c: Buffer) => (parts.push(c), opts.onData?.(c)));
      req.on('end', () => (session.close(), resolve({ status, body: Buffer.concat(parts) })));
      req.on('error', reject);
      if (opts.first) void upload(req);
    });
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      res.on('data', (c: Buffer) => (parts.push(c), opts.onData?.(c)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    void upload(req);
  });
}

for (const proto of PROTOS) {
  t.test(`${proto}: path mapping, x-forwarded-*, hop-by-hop stripped both ways, status and fields passed`, async (t) => {
    const up = await upstream(t, (req, res) => {
      res.writeHead(req.url === '/v1/missing' ? 404 : 201, [
        ['content-type', 'application/json'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
        ['connection', 'keep-alive, x-upstream-private'],
        ['x-upstream-private', 'secret'],
        ['keep-alive', 'timeout=5'],
        ['x-upstream', 'yes'],
      ]);
      res.end(JSON.stringify({ url: req.url, method: req.method, headers: req.headers }));
    });
    const port = await proxy(t, [{ mountpoint: '/api', origin: `http://127.0.0.1:${up.port}/v1/` }]);
    const r = await fetchOver(proto, port, { path: '/api/users/7?full=1', headers: { 'x-client': 'c', 'x-forwarded-for': '10.0.0.1', te: 'trailers' } });
    t.equal(r.status, 201);
    const seen = JSON.parse(r.body.toString()) as { url: string; method: string; headers: Record<string, string> };
    t.equal(seen.url, '/v1/users/7?full=1', 'base path + path below the mountpoint + query');
    t.equal(seen.headers['x-client'], 'c');
    t.equal(seen.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1', 'appended to the incoming chain');
    t.equal(seen.headers['x-forwarded-proto'], 'http');
    t.equal(seen.headers['x-forwarded-host'], `127.0.0.1:${port}`);
    t.equal(seen.headers.host, `127.0.0.1:${up.port}`, "the upstream's own host");
    t.equal(seen.headers.te, undefined, 'te is hop-by-hop');
    t.equal(r.headers['x-upstream'], 'yes');
    t.same(r.headers['set-cookie'], ['a=1', 'b=2'], 'repeated fields kept apart');
    t.equal(r.headers['x-upstream-private'], undefined, 'a field named in Connection is stripped');
    t.equal(r.headers['keep-alive'], undefined);
    t.equal((await fetchOver(proto, port, { path: '/api/missing' })).status, 404, 'upstream status passed through');
    const root = await fetchOver(proto, port, { path: '/api' });
    t.equal((JSON.parse(root.body.toString()) as { url: string }).url, '/v1');
    const head = await fetchOver(proto, port, { path: '/api/x', method: 'HEAD' });
    t.equal(head.status, 201);
    t.equal(head.body.length, 0);
    t.equal(up.seen.at(-1)?.method, 'HEAD');
  });

  t.test(`${proto}: the request body streams up: the upstream sees the first part before the client sends the rest`, async (t) => {
    const firstArrived = latch();
    const up = await upstream(t, (req, res) => {
      const hash = createHash('sha256');
      let n = 0;
      req.on('data', (c: Buffer) => {
        hash.update(c);
        n += c.length;
        if (n >= 64 * 1024) firstArrived.open();
      });
      req.on('end', () => res.end(JSON.stringify({ n, sha256: hash.digest('hex'), method: req.method })));
    });
    const port = await proxy(t, [{ mountpoint: '/', origin: `http://127.0.0.1:${up.port}` }]);
    const first = randomBytes(64 * 1024);
    const rest = randomBytes(3 * 1024 * 1024);
    const r = await streamingRequest(proto, port, '/upload', { method: 'PUT', first, between: firstArrived.promise, rest });
    t.equal(r.status, 200);
    const got = JSON.parse(r.body.toString()) as { n: number; sha256: string; method: string };
    t.equal(got.method, 'PUT');
    t.equal(got.n, first.length + rest.length);
    t.equal(got.sha256, createHash('sha256').update(first).update(rest).digest('hex'));
  });

  t.test(`${proto}: the response streams down: the client sees the first part before the upstream sends the rest`, async (t) => {
    const clientGotFirst = latch();
    const big = randomBytes(4 * 1024 * 1024);
    const up = await upstream(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('first part;');
      void clientGotFirst.promise.then(() => res.end(big));
    });
    const port = await proxy(t, [{ mountpoint: '/', origin: `http://127.0.0.1:${up.port}` }]);
    let seen = '';
    const r = await streamingRequest(proto, port, '/download', {
      window: 16 * 1024,
      onData: (c) => {
        if (seen.length < 11) seen += c.toString('latin1');
        if (seen.startsWith('first part;')) clientGotFirst.open();
      },
    });
    t.equal(r.status, 200);
    t.equal(r.body.subarray(0, 11).toString(), 'first part;');
    t.ok(r.body.subarray(11).equals(big), 'the rest arrives intact through a small window');
  });

  t.test(`${proto}: an upstream that refuses connections is 502`, async (t) => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const port = await proxy(t, [{ mountpoint: '/', origin: `http://127.0.0.1:${deadPort}` }]);
    const r = await fetchOver(proto, port, { path: '/x' });
    t.equal(r.status, 502);
    t.equal(r.body.toString(), 'Bad Gateway\n');
    const post = await fetchOver(proto, port, { path: '/x', method: 'POST', body: 'payload' });
    t.equal(post.status, 502, 'with a request body too');
  });

  t.test(`${proto}: an upstream that does not answer within proxy-timeout-ms is 504`, async (t) => {
    const up = await upstream(t, () => {
      /* never answers */
    });
    const port = await proxy(t, [{ mountpoint: '/', origin: `http://127.0.0.1:${up.port}`, 'proxy-timeout-ms': 300 }]);
    const r = await fetchOver(proto, port, { path: '/slow' });
    t.equal(r.status, 504);
    t.equal(r.body.toString(), 'Gateway Timeout\n');
    t.equal(up.seen.length, 1, 'the request did reach the upstream');
  });
}

t.test('h2: a client that grants no credit gets nothing, and the upstream is held back, not buffered', async (t) => {
  const body = randomBytes(32 << 20);
  let handed = 0; // bytes the upstream got into its socket
  const up = await upstream(t, async (_req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    for (let pos = 0; pos < body.length; pos += 64 << 10) {
      const ok = res.write(body.subarray(pos, pos + (64 << 10)));
      handed = pos + (64 << 10);
      if (!ok) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  });
  const port = await proxy(t, [{ mountpoint: '/', origin: `http://127.0.0.1:${up.port}` }]);
  const session = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 0 } });
  t.teardown(() => session.close());
  const req = session.request({ ':path': '/big' });
  let got = 0;
  const hash = createHash('sha256');
  req.on('data', (d: Buffer) => {
    got += d.length;
    hash.update(d);
  });
  await new Promise((r) => req.once('response', r));
  await new Promise((r) => setTimeout(r, 1000));
  t.equal(got, 0, 'no DATA without credit');
  t.ok(handed < 16 << 20, `the upstream could hand over only ${(handed / 1048576).toFixed(1)} of 32 MiB: socket buffers and undici's, not the body`);
  session.settings({ initialWindowSize: 1 << 20 });
  await new Promise((r) => req.once('end', r));
  t.equal(got, body.length, 'with credit, all of it');
  t.equal(hash.digest('hex'), createHash('sha256').update(body).digest('hex'));
});
