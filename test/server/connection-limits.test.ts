/**
 * max-connections and max-connections-per-address (lib/server/connection-limits.ts):
 * an over-limit client is told why in its own protocol (HTTP/1.1 429/503 with
 * Retry-After; HTTP/2 GOAWAY ENHANCE_YOUR_CALM/REFUSED_STREAM with last stream 0)
 * or, over TLS, closed before its handshake; a slot frees when a connection
 * closes; another address is not held back; a config shares one gate among its listeners.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';
import { promisify } from 'node:util';
import t from 'tap';
import { buildListeners, resolveConfig, validateConfig } from '../../lib/config/index.js';
import { DEFAULT_CONNECTION_LIMITS } from '../../lib/index.js';
import { createMountHandler } from '../../mounts/index.js';
import { H2Peer, PREFACE } from '../support/h2-peer.js';
import { RawClient } from '../support/raw-socket.js';
import { havePeer, start } from '../support/server.js';
import { testCert } from '../support/tls.js';

const run = promisify(execFile);
const ENHANCE_YOUR_CALM = 0xb;
const REFUSED_STREAM = 0x7;
const hello = (tx: import('../../lib/index.js').Transaction): Promise<void> => tx.respond(200, {}, 'ok');

/** An HTTP/1.1 keep-alive connection that got one answer: it is counted. */
async function held(port: number, localAddress?: string): Promise<RawClient> {
  const c = localAddress ? await RawClient.connectFrom(port, localAddress) : await RawClient.connect(port);
  c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const r = await c.readResponse();
  if (r.status !== 200) throw new Error(`expected 200, got ${r.status}`);
  return c;
}

/** The raw reply of an over-limit HTTP/2 client: its GOAWAY. */
async function h2Refusal(port: number): Promise<{ lastStreamId: number; errorCode: number; debug: string }> {
  const peer = await H2Peer.connect(port, { raw: true });
  try {
    peer.write(PREFACE);
    peer.settings([]);
    return await peer.goaway(3000);
  } finally {
    peer.close();
  }
}

t.test('defaults are named', async (t) => {
  t.same(DEFAULT_CONNECTION_LIMITS, { maxConnections: 10_000, maxConnectionsPerAddress: 1_000 });
});

t.test('max-connections-per-address: 429 over h1, GOAWAY ENHANCE_YOUR_CALM over h2, a slot frees on close, other addresses go on', async (t) => {
  const { port, server } = await start(t, hello, { connections: { maxConnectionsPerAddress: 3 } });
  const three = [await held(port), await held(port), await held(port)];
  t.teardown(() => three.forEach((c) => c.close()));

  const c = await RawClient.connect(port);
  c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const r = await c.readResponse();
  t.equal(r.status, 429, 'the fourth from this address: 429');
  t.same(r.fields.find(([n]) => n === 'retry-after'), ['retry-after', '5'], 'with Retry-After');
  t.match(r.body.toString(), /max-connections-per-address/, 'and a body that names the limit');
  t.ok(await c.waitEnd(3000), 'then the connection is closed');

  const g = await h2Refusal(port);
  t.equal(g.errorCode, ENHANCE_YOUR_CALM, 'h2: GOAWAY ENHANCE_YOUR_CALM');
  t.equal(g.lastStreamId, 0, 'with last stream 0: nothing was processed, everything may be retried');
  t.equal(server.gate.refused.address, 2);

  const other = await held(port, '127.0.0.2');
  t.pass('127.0.0.2 is served while 127.0.0.1 is at its limit');
  other.close();

  three[0]!.close();
  await new Promise((r) => setTimeout(r, 100));
  const again = await held(port);
  t.pass('a closed connection frees its slot');
  again.close();
});

t.test('max-connections: 503 over h1 (curl too), GOAWAY REFUSED_STREAM over h2, TLS closed before the handshake', async (t) => {
  const { port, server } = await start(t, hello, { connections: { maxConnections: 2 } });
  const two = [await held(port), await held(port, '127.0.0.2')];
  t.teardown(() => two.forEach((c) => c.close()));
  const c = await RawClient.connect(port, '127.0.0.1');
  c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  t.equal((await c.readResponse()).status, 503, 'h1: 503');
  const g = await h2Refusal(port);
  t.same([g.errorCode, g.lastStreamId], [REFUSED_STREAM, 0], 'h2: GOAWAY REFUSED_STREAM, last stream 0');
  t.match(g.debug, /max-connections/);
  if (havePeer(t, 'curl')) {
    const out = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/`]).then((r) => r.stdout);
    t.equal(out, '503', 'curl sees 503');
  }
  t.ok(server.gate.refused.process >= 2);

  const cert = testCert();
  const secure = await start(t, hello, { tls: { cert: cert.cert, key: cert.key }, connections: { maxConnections: 1 } });
  const first = tls.connect({ port: secure.port, host: '127.0.0.1', rejectUnauthorized: false });
  t.teardown(() => first.destroy());
  await new Promise((resolve) => first.once('secureConnect', resolve));
  const refused = await new Promise<string>((resolve) => {
    const s = tls.connect({ port: secure.port, host: '127.0.0.1', rejectUnauthorized: false });
    s.once('secureConnect', () => resolve('handshake completed'));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    s.once('close', () => resolve('closed'));
  });
  t.not(refused, 'handshake completed', `TLS over the limit: no handshake (${refused})`);
});

t.test('a flood of over-limit connections costs nothing lasting and the process stays up', async (t) => {
  const { port, server } = await start(t, hello, { connections: { maxConnectionsPerAddress: 1 } });
  const one = await held(port);
  t.teardown(() => one.close());
  let closed = 0;
  const sockets = Array.from({ length: 300 }, () => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.on('close', () => closed++);
    s.resume();
    return s;
  });
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  // They send nothing: the first 64 wait up to 1 s to be told why, the rest are closed at once.
  const started = Date.now();
  while (closed < 300 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 50));
  t.equal(closed, 300, `the server closed all 300 silent over-limit connections (${Date.now() - started} ms)`);
  t.equal(server.connections, 1, 'and holds only the admitted one');
  t.equal(server.gate.refused.address, 300);
  one.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  t.equal((await one.readResponse()).status, 200, 'the admitted connection is still served');
});

t.test('config: top-level limits are validated, and one gate is shared by every listener', async (t) => {
  t.throws(() => validateConfig({ vhosts: [{ name: 'a' }], limits: { 'max-conections': 1 } }, 'x.json'), /max-conections/);
  t.throws(() => validateConfig({ vhosts: [{ name: 'a' }], limits: { 'max-connections': 0 } }, 'x.json'), /max-connections/);
  const dir = process.cwd();
  const config = resolveConfig(
    validateConfig(
      {
        limits: { 'max-connections': 2, 'read-ahead-budget-bytes': 1 << 20 },
        vhosts: [
          { name: 'a', port: 0, mounts: [{ mountpoint: '/', origin: 'file://.' }] },
          { name: 'b', port: 0, host: '127.0.0.2', mounts: [{ mountpoint: '/', origin: 'file://.' }] },
        ],
      },
      'x.json',
    ),
    dir,
    'x.json',
  );
  const listeners = buildListeners(config, { createMountHandler });
  const infos = await listeners.listen();
  t.teardown(() => listeners.close(100));
  const [a, b] = infos as unknown as [{ port: number }, { port: number }];
  const c1 = await RawClient.connect(a.port);
  const c2 = await RawClient.connect(b.port, '127.0.0.2');
  t.teardown(() => [c1, c2].forEach((c) => c.close()));
  await new Promise((r) => setTimeout(r, 50));
  const c3 = await RawClient.connect(a.port);
  c3.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  t.equal((await c3.readResponse()).status, 503, 'the third connection, across two listeners, is over max-connections');
  const { processReadAhead } = await import('../../mounts/index.js');
  t.equal(processReadAhead.total, 1 << 20, 'read-ahead-budget-bytes sizes the process budget');
});
