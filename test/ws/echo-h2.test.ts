/**
 * The echo protocol over HTTP/2 extended CONNECT (RFC 8441) with a node:http2
 * client: SETTINGS_ENABLE_CONNECT_PROTOCOL, the 200 response, echo of every
 * message kind, close codes, many WebSocket streams on one connection each
 * with its own credit, frames larger than the allowance split or waiting.
 */
import http2 from 'node:http2';
import t from 'tap';
import { h2Connect, H2WsClient } from './support/h2-ws-client.js';
import { OP } from './support/frames.js';
import { testCert } from '../support/tls.js';
import { wsServer } from './support/ws-server.js';

t.test('SETTINGS_ENABLE_CONNECT_PROTOCOL is advertised; a stream is accepted with 200 and echoes', async (t) => {
  const { port } = await wsServer(t, { echo: { default: true } });
  const session = await h2Connect(port);
  t.teardown(() => session.close());
  t.equal(session.remoteSettings.enableConnectProtocol, true);
  const ws = await H2WsClient.open(session, { protocols: ['echo'] });
  t.equal(ws.status, 200);
  t.equal(ws.headers['sec-websocket-protocol'], 'echo');
  t.notOk(ws.headers['sec-websocket-accept'], 'no accept hash on h2 (RFC 8441 §5)');

  ws.send('hello h2');
  const a = await ws.next();
  t.equal(a.data.toString(), 'hello h2');
  t.equal(a.isBinary, false);
  ws.send(Buffer.from([9, 8, 7]));
  const b = await ws.next();
  t.same([...b.data], [9, 8, 7]);
  t.equal(b.isBinary, true);
  ws.frame(OP.TEXT, 'frag', false);
  ws.frame(OP.PING, 'mid');
  ws.frame(OP.CONT, 'mented', true);
  t.equal((await ws.next()).data.toString(), 'fragmented');
  t.equal(ws.pongs[0]?.toString(), 'mid');
  const big = Buffer.alloc(1024 * 1024, 0x5a);
  ws.send(big);
  t.ok((await ws.next()).data.equals(big), '1 MiB intact');
  ws.close(1000, 'bye');
  await ws.ended;
  t.same(ws.closeFrame, { code: 1000, reason: '' });
});

t.test('h2 refusals: 426 for a version, 400 for unknown subprotocols', async (t) => {
  const { port } = await wsServer(t, { echo: {} });
  const session = await h2Connect(port);
  t.teardown(() => session.close());
  const v = await H2WsClient.open(session, { version: '8', protocols: ['echo'] });
  t.equal(v.status, 426);
  t.equal(v.headers['sec-websocket-version'], '13');
  await v.text();
  const p = await H2WsClient.open(session, { protocols: ['nope'] });
  t.equal(p.status, 400);
  t.match(await p.text(), /none of the offered WebSocket subprotocols \(nope\)/);
});

t.test('h2 protocol errors: invalid UTF-8 → 1007, oversize → 1009, unmasked → 1002', async (t) => {
  const { port } = await wsServer(t, { echo: { default: true, 'max-message-size': 500 } });
  const session = await h2Connect(port);
  t.teardown(() => session.close());
  const a = await H2WsClient.open(session);
  a.frame(OP.TEXT, Buffer.from([0xc3, 0x28]));
  await a.ended;
  t.equal(a.closeFrame?.code, 1007);
  const b = await H2WsClient.open(session);
  b.send(Buffer.alloc(501));
  await b.ended;
  t.equal(b.closeFrame?.code, 1009);
  const c = await H2WsClient.open(session);
  c.stream.write(Buffer.from('810548656c6c6f', 'hex'));
  await c.ended;
  t.equal(c.closeFrame?.code, 1002);
  t.equal(session.closed, false, 'the h2 connection survives: only the streams ended');
});

t.test('many WebSocket streams on one connection, each with its own credit', async (t) => {
  const { port } = await wsServer(t, { echo: { default: true } });
  // A small stream window: an echo bigger than it must wait for WINDOW_UPDATE.
  const session = await h2Connect(port, { initialWindowSize: 1024 });
  t.teardown(() => session.close());
  const streams = await Promise.all(Array.from({ length: 12 }, () => H2WsClient.open(session)));
  t.ok(streams.every((s) => s.status === 200));

  // One client stops reading: its echo stalls on its own stream credit...
  const stalled = streams[0] as H2WsClient;
  stalled.stream.pause();
  const payload = Buffer.alloc(64 * 1024, 1);
  stalled.send(payload);
  await new Promise((r) => setTimeout(r, 200));
  // ...while every other stream keeps echoing.
  const others = streams.slice(1);
  const replies = await Promise.all(
    others.map(async (s, i) => {
      s.send(`stream ${i}`);
      return (await s.next()).data.toString();
    }),
  );
  t.same(
    replies,
    others.map((_s, i) => `stream ${i}`),
  );
  stalled.stream.resume();
  const back = await stalled.next();
  t.equal(back.data.length, payload.length);
  t.ok(back.data.equals(payload), 'the stalled echo arrives intact once credit returns');
});

t.test('a frame larger than the allowance is cut into DATA frames that fit (small window, intact payload)', async (t) => {
  const { port } = await wsServer(t, { echo: { default: true } });
  const session = await h2Connect(port, { initialWindowSize: 100, maxFrameSize: 16384 });
  t.teardown(() => session.close());
  const ws = await H2WsClient.open(session);
  const sizes: number[] = [];
  ws.stream.on('data', (c: Buffer) => sizes.push(c.length));
  const msg = Buffer.alloc(5000);
  for (let i = 0; i < msg.length; i++) msg[i] = i & 0xff;
  ws.send(msg);
  const back = await ws.next();
  t.ok(back.data.equals(msg), '5000-byte message through a 100-byte window');
  t.ok(sizes.length >= 50, `arrived in ${sizes.length} DATA chunks`);
  t.ok(
    sizes.every((n) => n <= 100),
    'no chunk larger than the stream window',
  );
});

t.test('plain h2 requests still reach the fallback; CONNECT without :protocol is not a WebSocket', async (t) => {
  const { port } = await wsServer(t, { echo: { default: true } });
  const session = await h2Connect(port);
  t.teardown(() => session.close());
  const req = session.request({ ':path': '/' });
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  const status = await new Promise<number>((r) => req.once('response', (h) => r(Number(h[':status']))));
  await new Promise((r) => req.once('end', r));
  t.equal(status, 200);
  t.equal(body, 'plain http\n');
  const connect = session.request({ ':method': 'CONNECT', ':authority': 'localhost:9' }, { endStream: false });
  const cStatus = await new Promise<number>((r) => connect.once('response', (h) => r(Number(h[':status']))));
  t.equal(cStatus, 200, 'a classic CONNECT is handed to the fallback, not taken as a WebSocket');
  connect.close();
});

t.test('a stream reset by the client is forgotten; the other streams go on', async (t) => {
  const { port, handler } = await wsServer(t, { echo: { default: true } });
  const session = await h2Connect(port);
  t.teardown(() => session.close());
  const a = await H2WsClient.open(session);
  const b = await H2WsClient.open(session);
  t.equal(handler.sessionCount, 2);
  a.stream.close(http2.constants.NGHTTP2_CANCEL);
  for (let i = 0; i < 100 && handler.sessionCount > 1; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(handler.sessionCount, 1);
  b.send('still here');
  t.equal((await b.next()).data.toString(), 'still here');
  b.close();
  await b.ended;
  for (let i = 0; i < 100 && handler.sessionCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(handler.sessionCount, 0, 'a clean close frees the session too');
});

t.test('over TLS: h2 by ALPN, extended CONNECT, echo', async (t) => {
  const cert = testCert();
  const { port } = await wsServer(t, { echo: { default: true } }, { server: { tls: { cert: cert.cert, key: cert.key } } });
  const session = await h2Connect(port, {}, true);
  t.teardown(() => session.close());
  t.equal(session.alpnProtocol, 'h2');
  const ws = await H2WsClient.open(session, { scheme: 'https', protocols: ['echo'] });
  t.equal(ws.status, 200);
  ws.send('secure');
  t.equal((await ws.next()).data.toString(), 'secure');
  ws.close();
  await ws.ended;
  t.equal(ws.closeFrame?.code, 1000);
});

t.test('graceful server close over h2: the WebSocket stream gets 1001 Going Away', async (t) => {
  const { port, server } = await wsServer(t, { echo: { default: true } });
  const session = await h2Connect(port);
  t.teardown(() => session.close());
  const ws = await H2WsClient.open(session);
  const stopping = server.close(5000);
  await ws.ended;
  t.same(ws.closeFrame, { code: 1001, reason: 'server shutting down' });
  ws.close(1001);
  await stopping;
});
