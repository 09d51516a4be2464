/**
 * The echo protocol over HTTP/1.1 Upgrade with the `ws` client on a real
 * socket: text, binary, fragmented, 1 MiB, ping, close codes, invalid UTF-8,
 * oversize messages, bad handshakes, subprotocol selection.
 */
import net from 'node:net';
import t from 'tap';
import WebSocket from 'ws';
import { ECHO_MAX_MESSAGE_SIZE } from '../../protocols/echo/index.js';
import { wsServer } from './support/ws-server.js';
import { clientFrame, closeFrame, closeOf, OP, parseServerFrames } from './support/frames.js';

function open(url: string, protocols?: string | string[], opts: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, opts);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected ${res.statusCode}`)));
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

t.test('echo: text, binary, fragmented, 1 MiB, ping; clean close', async (t) => {
  const { wsUrl } = await wsServer(t);
  const ws = await open(wsUrl, 'echo');
  t.equal(ws.protocol, 'echo');

  ws.send('hello');
  const m1 = await nextMessage(ws);
  t.equal(m1.data.toString(), 'hello');
  t.equal(m1.isBinary, false);

  ws.send(Buffer.from([0, 1, 2, 255]));
  const m2 = await nextMessage(ws);
  t.same([...m2.data], [0, 1, 2, 255]);
  t.equal(m2.isBinary, true);

  ws.send('frag-', { fin: false });
  ws.send('ment', { fin: true });
  t.equal((await nextMessage(ws)).data.toString(), 'frag-ment');

  const big = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  ws.send(big);
  const m3 = await nextMessage(ws);
  t.equal(m3.data.length, big.length);
  t.ok(m3.data.equals(big), '1 MiB intact');

  const pong = new Promise<Buffer>((r) => ws.once('pong', r));
  ws.ping('are you there');
  t.equal((await pong).toString(), 'are you there');

  const c = closed(ws);
  ws.close(4000, 'bye');
  t.same(await c, { code: 4000, reason: '' }, 'server echoes the code');
});

t.test('invalid UTF-8 → 1007; oversize → 1009', async (t) => {
  const { wsUrl } = await wsServer(t, { echo: { default: true, 'max-message-size': 1000 } });
  const a = await open(wsUrl);
  const ca = closed(a);
  // ws validates what it sends only for strings; a Buffer sent as text goes through raw.
  a.send(Buffer.from([0xff, 0xfe, 0x41]), { binary: false });
  t.equal((await ca).code, 1007);

  const b = await open(wsUrl);
  const cb = closed(b);
  b.send(Buffer.alloc(1001));
  t.equal((await cb).code, 1009);

  const c = await open(wsUrl);
  c.send(Buffer.alloc(1000));
  t.equal((await nextMessage(c)).data.length, 1000, 'at the limit still echoes');
  c.close();
});

t.test('raw socket: a protocol error closes with 1002 and the server closes the connection', async (t) => {
  const { port } = await wsServer(t);
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.write(
    'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  let all = Buffer.alloc(0);
  sock.on('data', (c: Buffer) => (all = Buffer.concat([all, c])));
  const ended = new Promise((r) => sock.once('close', r));
  await new Promise((r) => setTimeout(r, 100));
  const head = all.toString('latin1');
  t.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  t.match(head, /sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/i);
  t.match(head, /connection: upgrade\r\n/i);
  sock.write(Buffer.concat([clientFrame(OP.TEXT, 'hi'), clientFrame(OP.TEXT, 'unmasked', { mask: false })]));
  await ended;
  const body = all.subarray(all.indexOf('\r\n\r\n') + 4);
  const { frames } = parseServerFrames(body);
  t.same(
    frames.map((f) => f.opcode),
    [OP.TEXT, OP.CLOSE],
  );
  t.equal(frames[1] && closeOf(frames[1]).code, 1002);
});

t.test('raw socket: close handshake initiated by the client ends with the server closing TCP', async (t) => {
  const { port } = await wsServer(t);
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  let all = Buffer.alloc(0);
  sock.on('data', (c: Buffer) => (all = Buffer.concat([all, c])));
  const ended = new Promise((r) => sock.once('end', r));
  sock.write(closeFrame(1000, 'done'));
  await ended;
  const { frames } = parseServerFrames(all.subarray(all.indexOf('\r\n\r\n') + 4));
  t.equal(frames.length, 1);
  t.equal(frames[0] && closeOf(frames[0]).code, 1000);
  sock.destroy();
});

async function rawHandshake(port: number, lines: string[]): Promise<{ status: number; head: string; body: string }> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.write(`${lines.join('\r\n')}\r\n\r\n`);
  let all = '';
  await new Promise<void>((resolve) => {
    sock.on('data', (c: Buffer) => {
      all += c.toString('latin1');
      const m = /content-length: (\d+)/i.exec(all);
      const end = all.indexOf('\r\n\r\n');
      if (end >= 0 && (all.startsWith('HTTP/1.1 101') || (m && all.length >= end + 4 + Number(m[1])))) resolve();
    });
    sock.on('close', () => resolve());
  });
  sock.destroy();
  const end = all.indexOf('\r\n\r\n');
  return { status: Number(all.slice(9, 12)), head: all.slice(0, end), body: all.slice(end + 4) };
}

t.test('bad handshakes: 400 for a bad key, 426 with Sec-WebSocket-Version: 13', async (t) => {
  const { port } = await wsServer(t);
  const base = ['GET / HTTP/1.1', 'Host: x', 'Upgrade: websocket', 'Connection: Upgrade'];
  const badKey = await rawHandshake(port, [...base, 'Sec-WebSocket-Key: short', 'Sec-WebSocket-Version: 13']);
  t.equal(badKey.status, 400);
  t.match(badKey.body, /Sec-WebSocket-Key/);
  const badVersion = await rawHandshake(port, [...base, 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 8']);
  t.equal(badVersion.status, 426);
  t.match(badVersion.head, /sec-websocket-version: 13/i);
  const noConn = await rawHandshake(port, ['GET / HTTP/1.1', 'Host: x', 'Upgrade: websocket', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13']);
  t.equal(noConn.status, 400);
  const plain = await rawHandshake(port, ['GET / HTTP/1.1', 'Host: x']);
  t.equal(plain.status, 200, 'non-WebSocket requests go to the fallback');
  t.equal(plain.body, 'plain http\n');
});

t.test('subprotocols: preference order, default, unknown-only refused with 400', async (t) => {
  const withDefault = await wsServer(t, { echo: { default: true } });
  const d = await open(withDefault.wsUrl);
  t.equal(d.protocol, '', 'default chosen, no subprotocol echoed');
  d.send('x');
  t.equal((await nextMessage(d)).data.toString(), 'x');
  d.close();
  // Only unknown subprotocols offered, a default exists: RFC 6455 §4.2.2 says the server then answers
  // without Sec-WebSocket-Protocol; it is the client's choice to go on (ws and browsers fail it).
  const hs = [
    'GET / HTTP/1.1',
    'Host: x',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Protocol: unknown-proto',
  ];
  const u = await rawHandshake(withDefault.port, hs);
  t.equal(u.status, 101, 'unknown offered, default used');
  t.notMatch(u.head, /sec-websocket-protocol/i, 'no subprotocol echoed');
  await t.rejects(open(withDefault.wsUrl, ['unknown-proto']), /no subprotocol/, 'the ws client then fails the connection itself');

  const noDefault = await wsServer(t, { echo: {} });
  await t.rejects(open(noDefault.wsUrl, ['nope']), /unexpected 400/);
  await t.rejects(open(noDefault.wsUrl), /unexpected 400/);
  const ok = await open(noDefault.wsUrl, ['nope', 'echo']);
  t.equal(ok.protocol, 'echo');
  ok.close();
  const refused = await rawHandshake(noDefault.port, [
    'GET / HTTP/1.1',
    'Host: x',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Protocol: nope',
  ]);
  t.equal(refused.status, 400);
  t.match(refused.body, /none of the offered WebSocket subprotocols \(nope\) is served here; available: echo/);
});

t.test('permessage-deflate: off by default, negotiated when configured, large messages round-trip', async (t) => {
  const off = await wsServer(t);
  const a = await open(off.wsUrl, 'echo', { perMessageDeflate: true });
  t.equal(a.extensions, '', 'not negotiated by default');
  a.close();
  const on = await wsServer(t, { echo: { default: true, 'permessage-deflate': { threshold: 0 } } });
  const b = await open(on.wsUrl, 'echo', { perMessageDeflate: true });
  t.match(b.extensions, /permessage-deflate/);
  const text = 'compress me '.repeat(10000);
  b.send(text);
  t.equal((await nextMessage(b)).data.toString(), text);
  b.send('tiny');
  t.equal((await nextMessage(b)).data.toString(), 'tiny');
  b.close();
});

t.test('many clients at once', async (t) => {
  const { wsUrl, handler } = await wsServer(t);
  const clients = await Promise.all(Array.from({ length: 20 }, () => open(wsUrl)));
  t.equal(handler.sessionCount, 20);
  const replies = await Promise.all(
    clients.map((c, i) => {
      const p = nextMessage(c);
      c.send(`client ${i}`);
      return p;
    }),
  );
  t.same(
    replies.map((r) => r.data.toString()),
    clients.map((_c, i) => `client ${i}`),
  );
  const closes = clients.map(closed);
  handler.goingAway();
  const codes = await Promise.all(closes);
  t.ok(codes.every((c) => c.code === 1001), 'goingAway closes every session with 1001');
});

t.test('ECHO_MAX_MESSAGE_SIZE (16 MiB, for conformance suites): at the limit echoes, one byte more → 1009', async (t) => {
  const { wsUrl } = await wsServer(t);
  const ws = await open(wsUrl, 'echo');
  const msg = Buffer.alloc(ECHO_MAX_MESSAGE_SIZE, 0x42);
  ws.send(msg);
  const back = await nextMessage(ws);
  t.equal(back.data.length, ECHO_MAX_MESSAGE_SIZE);
  t.ok(back.data.equals(msg));
  const c = closed(ws);
  ws.send(Buffer.alloc(ECHO_MAX_MESSAGE_SIZE + 1));
  t.equal((await c).code, 1009);
});

t.test('frame bytes in the same packet as the handshake are not lost', async (t) => {
  const { port } = await wsServer(t);
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let all = Buffer.alloc(0);
  sock.on('data', (c: Buffer) => (all = Buffer.concat([all, c])));
  const ended = new Promise((r) => sock.once('end', r));
  sock.write(
    Buffer.concat([
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
      clientFrame(OP.TEXT, 'early'),
      closeFrame(1000),
    ]),
  );
  await ended;
  const { frames } = parseServerFrames(all.subarray(all.indexOf('\r\n\r\n') + 4));
  t.same(
    frames.map((f) => [f.opcode, f.payload.toString('latin1')]),
    [
      [OP.TEXT, 'early'],
      [OP.CLOSE, '\x03\xe8'],
    ],
  );
  sock.destroy();
});

t.test('a client that vanishes is forgotten (closed 1006, no leaked session)', async (t) => {
  const { wsUrl, handler } = await wsServer(t);
  const ws = await open(wsUrl);
  t.equal(handler.sessionCount, 1);
  ws.terminate();
  for (let i = 0; i < 100 && handler.sessionCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(handler.sessionCount, 0);
});

t.test('heartbeat over a real socket: the ws client answers pings and stays; a silent peer is dropped', async (t) => {
  const logs: string[] = [];
  const { wsUrl, port, handler } = await wsServer(t, { echo: { default: true, 'ping-interval-ms': 100, 'pong-timeout-ms': 200 } }, { logs });
  const ws = await open(wsUrl);
  let pings = 0;
  ws.on('ping', () => pings++);
  while (pings < 3) await new Promise((r) => setTimeout(r, 50));
  t.equal(ws.readyState, WebSocket.OPEN, 'still open after several pings');

  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  sock.resume();
  await new Promise((r) => sock.once('close', r));
  t.pass('the silent raw client was dropped');
  t.match(logs.join('\n'), /no pong within 200 ms/);
  t.equal(handler.sessionCount, 1, 'only the answering client remains');
  ws.close();
});

t.test('graceful server close: open sessions get 1001 Going Away (tx.shutdown)', async (t) => {
  const { wsUrl, server } = await wsServer(t);
  const ws = await open(wsUrl);
  const c = closed(ws);
  const stopping = server.close(5000);
  t.same(await c, { code: 1001, reason: 'server shutting down' });
  await stopping;
});
