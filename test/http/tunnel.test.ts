/**
 * Tunnels (the WebSocket transport): one handler accepts an upgrade with
 * tx.tunnel() and then talks raw bytes both ways, over an HTTP/1.1 Upgrade and
 * over an RFC 8441 extended CONNECT stream alike.
 */
import net from 'node:net';
import http2 from 'node:http2';
import t from 'tap';
import { SluiceErrorCode, WriteMode, type Transaction } from '../../lib/index.js';
import { start } from '../support/server.js';

/** A toy protocol: every chunk the peer sends comes back upper-cased; "bye" ends the tunnel. Messages are framed as `<len>:<text>`. */
async function shout(tx: Transaction): Promise<void> {
  if (tx.request.upgradeProtocol?.toLowerCase() !== 'shout') {
    await tx.respond(426, { upgrade: 'shout' }, 'upgrade required\n');
    return;
  }
  tx.tunnel({ upgrade: 'shout', 'x-tunnel': 'yes' });
  tx.useFramer((data, mode) => [Buffer.from(`${mode === WriteMode.TEXT ? 't' : 'b'}${data.length}:`), data]);
  for await (const chunk of tx.request.body as AsyncIterable<Buffer>) {
    const text = chunk.toString();
    if (text.includes('bye')) break;
    await tx.write(text.toUpperCase(), WriteMode.TEXT);
  }
  await tx.end('done');
}

function readUntil(socket: net.Socket, pred: (all: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let all = '';
    const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(all)}`)), 5000);
    const onData = (c: Buffer): void => {
      all += c.toString('latin1');
      if (pred(all)) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(all);
      }
    };
    socket.on('data', onData);
  });
}

t.test('h1: Upgrade is answered 101 and the connection becomes the tunnel (bytes in the head packet included)', async (t) => {
  const { port } = await start(t, shout);
  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  const head = readUntil(socket, (s) => s.includes('t5:HELLO'));
  socket.write('GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\nhello');
  const got = await head;
  t.match(got, /^HTTP\/1\.1 101 Switching Protocols\r\n/, '101 first');
  t.match(got, /\r\nupgrade: shout\r\n/i);
  t.match(got, /\r\nConnection: Upgrade\r\n/);
  t.notMatch(got, /Transfer-Encoding|Content-Length/i, 'no body framing on a tunnel');
  const more = readUntil(socket, (s) => s.includes('t5:AGAIN'));
  socket.write('again');
  await more;
  const closed = new Promise<string>((resolve) => {
    let rest = '';
    socket.on('data', (c: Buffer) => (rest += c.toString()));
    socket.on('close', () => resolve(rest));
  });
  socket.write('bye');
  t.equal(await closed, 'done', 'end() sends the last raw bytes and closes the connection');
});

t.test('h1: a request without Upgrade cannot be tunneled', async (t) => {
  let code = '';
  const { url } = await start(t, async (tx) => {
    try {
      tx.tunnel();
    } catch (err) {
      code = (err as { code: string }).code;
    }
    await tx.respond(200, {}, 'plain');
  });
  const res = await fetch(url);
  t.equal(await res.text(), 'plain');
  t.equal(code, SluiceErrorCode.NOT_UPGRADABLE);
});

t.test('h1: an Upgrade request answered normally keeps HTTP framing and an empty body', async (t) => {
  const { port } = await start(t, async (tx) => {
    const body = await tx.request.body.bytes();
    await tx.respond(200, { 'x-body': body.length }, 'no tunnel');
  });
  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  const got = readUntil(socket, (s) => s.endsWith('no tunnel'));
  socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: other\r\nConnection: Upgrade\r\n\r\n');
  const text = await got;
  t.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  t.match(text, /x-body: 0\r\n/);
});

t.test('message modes are refused without a tunnel and framer', async (t) => {
  let code = '';
  const { url } = await start(t, async (tx) => {
    tx.status(200).finalizeHeaders();
    await tx.write('x', WriteMode.TEXT).catch((err: { code: string }) => (code = err.code));
    await tx.end();
  });
  await (await fetch(url)).text();
  t.equal(code, SluiceErrorCode.INVALID_WRITE_MODE);
});

t.test('h2: extended CONNECT (RFC 8441) is answered 200 and the stream is the tunnel', async (t) => {
  const { port } = await start(t, shout, { enableConnectProtocol: true });
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.teardown(() => session.destroy());
  await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
  t.equal(session.remoteSettings.enableConnectProtocol, true, 'SETTINGS_ENABLE_CONNECT_PROTOCOL advertised');
  const stream = session.request({ ':method': 'CONNECT', ':protocol': 'shout', ':scheme': 'http', ':path': '/chat', ':authority': 'x' }, { endStream: false });
  const response = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
  let got = '';
  stream.on('data', (c: Buffer) => (got += c.toString()));
  const ended = new Promise<void>((resolve) => stream.on('end', resolve));
  stream.write('hello');
  const headers = await response;
  t.equal(headers[':status'], 200);
  t.equal(headers['x-tunnel'], 'yes');
  t.equal(headers.upgrade, undefined, 'connection-specific fields are dropped on h2');
  await new Promise((r) => setTimeout(r, 50));
  stream.write('bye');
  await ended;
  t.equal(got, 't5:HELLOdone');
});
