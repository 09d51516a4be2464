/**
 * The chat over real sockets: 40 clients (the `ws` package over HTTP/1.1
 * Upgrade and a client over HTTP/2 extended CONNECT, several streams per h2
 * connection), several senders on both transports; every message reaches
 * every client exactly once, in order per sender. With a small ring, a
 * client that stops reading holds the senders back until laggard-timeout-ms,
 * then is closed with 1008 and a log line while the others receive
 * everything. The default options under load are in pacing.test.ts.
 */
import type http2 from 'node:http2';
import t, { type Test } from 'tap';
import WebSocket from 'ws';
import { start } from '../support/server.js';
import { chatHandler, deliveryProblems, openH1, openH2, until, type ChatClient } from './support/chat-clients.js';
import { connectH2 } from './support/h2-ws-client.js';

/** Per-sender check: each sender's messages arrive as 0..count-1, none missing, none twice. */
function checkDelivery(t: Test, client: ChatClient, name: string, senders: string[], count: number): void {
  t.same(deliveryProblems(client.received, senders, count), [], `${name}: ${senders.length * count} messages, each exactly once, in order per sender`);
}

t.test('40 clients over h1 and h2, 8 senders: every message once to everyone, in order per sender', async (t) => {
  const logs: string[] = [];
  const { port } = await start(t, chatHandler({ default: true, 'messages-per-second': 0 }, { log: (l) => logs.push(l) }), { enableConnectProtocol: true });
  const sessions: http2.ClientHttp2Session[] = [];
  t.teardown(() => sessions.forEach((s) => s.destroy()));
  for (let i = 0; i < 4; i++) sessions.push(await connectH2(`http://127.0.0.1:${port}`));

  const clients: ChatClient[] = [];
  for (let i = 0; i < 20; i++) clients.push(await openH1(`ws://127.0.0.1:${port}/`));
  for (let i = 0; i < 20; i++) clients.push(await openH2(sessions[i % 4] as http2.ClientHttp2Session)); // 5 WebSockets per h2 connection
  t.equal(clients.filter((c) => c.transport === 'h2').length, 20);

  // senders: 4 over h1, 4 over h2; closed loop with up to WINDOW of one's own messages in flight
  const COUNT = 200; // 8 × 200 = 1600 messages: more than the 1024-message ring, so it wraps
  const WINDOW = 16;
  const senderIdx = [0, 1, 2, 3, 20, 21, 22, 23];
  const names = senderIdx.map((i) => `${clients[i]?.transport}${i}`);
  await Promise.all(
    senderIdx.map(async (ci, k) => {
      const c = clients[ci] as ChatClient;
      const me = names[k] as string;
      const own = () => c.received.filter((m) => m.startsWith(`${me}:`)).length;
      for (let q = 0; q < COUNT; q++) {
        if (q - own() >= WINDOW) await until(() => q - own() < WINDOW, 60_000, `${me} echo of ${q - WINDOW}`);
        c.send(`${me}:${q}`);
      }
    }),
  );
  await Promise.all(clients.map((c) => c.waitFor(senderIdx.length * COUNT)));
  clients.forEach((c, i) => checkDelivery(t, c, `client ${i} (${c.transport})`, names, COUNT));
  // nothing extra arrives after everything was delivered
  await new Promise((r) => setTimeout(r, 200));
  t.ok(clients.every((c) => c.received.length === senderIdx.length * COUNT), 'no duplicates afterwards');
  t.same(logs.filter((l) => /closed 10\d\d/.test(l)), [], 'nobody was closed');
  for (const c of clients) c.close();
  const codes = await Promise.all(clients.map((c) => c.closed));
  t.same(codes.filter((c) => c.code !== 1000), [], 'every client closes cleanly with 1000');
});

for (const slowTransport of ['h1', 'h2'] as const) {
  t.test(`a ${slowTransport} client that stops reading holds a 32-message ring for laggard-timeout-ms, then is closed with 1008; the others get everything`, async (t) => {
    const logs: string[] = [];
    const RING = 32;
    const { port } = await start(
      t,
      chatHandler(
        { default: true, 'ring-size': RING, 'messages-per-second': 0, 'max-buffered-bytes': 32 * 1024, 'close-timeout-ms': 60_000, 'laggard-timeout-ms': 500 },
        { log: (l) => logs.push(l) },
      ),
      { enableConnectProtocol: true },
    );
    const session = await connectH2(`http://127.0.0.1:${port}`);
    t.teardown(() => session.destroy());
    // the h2 readers share one HTTP/2 connection with the slow h2 client: its stream stalls, theirs do not
    const readers = [await openH1(`ws://127.0.0.1:${port}/`), await openH1(`ws://127.0.0.1:${port}/`), await openH2(session), await openH2(session)];
    const slow = slowTransport === 'h1' ? await openH1(`ws://127.0.0.1:${port}/`) : await openH2(session);
    const sender = readers[0] as ChatClient;
    slow.pause();

    // 8000-byte messages until the server gives up on the slow client (socket
    // buffers on loopback can hold a few MiB first), then 50 more. The sender
    // waits until every reader is less than 8 messages behind: once the ring
    // is full behind the slow client its message waits too, until the slow
    // client is closed.
    const pad = 'x'.repeat(8000);
    const slowestReader = () => Math.min(...readers.map((r) => r.received.length));
    let sent = 0;
    let after = -1;
    const deadline = Date.now() + 120_000;
    while (after < 50) {
      if (Date.now() > deadline) throw new Error(`the slow client was never closed (${sent} messages sent)`);
      if (sent - slowestReader() >= 8) {
        await until(() => sent - slowestReader() < 8, 60_000, 'the readers to catch up');
        continue;
      }
      sender.send(`s:${sent++}:${pad}`);
      if (after >= 0) after++;
      else if (logs.some((l) => /closed 1008: too slow/.test(l))) after = 0;
    }
    await Promise.all(readers.map((c) => c.waitFor(sent)));
    for (const [i, c] of readers.entries()) {
      const seqs = c.received.map((m) => Number(m.split(':')[1]));
      t.same(seqs, Array.from({ length: sent }, (_, k) => k), `reader ${i} (${c.transport}) got all ${sent} messages in order`);
    }
    const tooSlow = logs.filter((l) => /closed 1008: too slow: took nothing for \d+ ms \(laggard-timeout-ms 500\) while 1 message\(s\) waited for room; 32 messages behind/.test(l));
    t.equal(tooSlow.length, 1, 'exactly one "too slow" log line, naming how far behind it was');

    // When the slow client reads again it finds a gap-free prefix and then the close frame (1008).
    slow.resume();
    const closed = await slow.closed;
    t.equal(closed.code, 1008, 'closed with 1008 (policy violation)');
    t.match(closed.reason, /too slow/);
    const got = slow.received.map((m) => Number(m.split(':')[1]));
    t.same(got, Array.from({ length: got.length }, (_, k) => k), `the slow client got a gap-free prefix (${got.length} of ${sent}) and nothing after a gap`);
    t.ok(got.length < sent, 'it did not get everything (it was cut off, not skipped forward)');
  });
}

t.test('limits at the edge: max-message-size closes with 1009, a binary message with 1003', async (t) => {
  const { port } = await start(t, chatHandler({ default: true, 'max-message-size': 100 }), { enableConnectProtocol: true });
  const a = await openH1(`ws://127.0.0.1:${port}/`);
  a.send('y'.repeat(100));
  await a.waitFor(1);
  t.equal(a.received[0]?.length, 100, 'a message of exactly max-message-size is relayed');
  a.send('y'.repeat(101));
  t.equal((await a.closed).code, 1009, 'one byte more: 1009 message too big');

  const session = await connectH2(`http://127.0.0.1:${port}`);
  t.teardown(() => session.destroy());
  const b = await openH2(session);
  const bin = new WebSocket(`ws://127.0.0.1:${port}/`, 'lws-minimal');
  await new Promise((r) => bin.once('open', r));
  bin.send(Buffer.from([1, 2, 3]));
  const code = await new Promise<number>((r) => bin.once('close', (c) => r(c)));
  t.equal(code, 1003, 'binary: 1003 unsupported data');
  b.close();
  t.equal((await b.closed).code, 1000);
});

t.test('default backlog 0; with backlog N a newcomer first gets the last N messages', async (t) => {
  const { port } = await start(t, chatHandler({ default: true, backlog: 3 }), { enableConnectProtocol: true });
  const a = await openH1(`ws://127.0.0.1:${port}/`);
  for (let i = 0; i < 5; i++) a.send(`a:${i}`);
  await a.waitFor(5);
  const session = await connectH2(`http://127.0.0.1:${port}`);
  t.teardown(() => session.destroy());
  const late = await openH2(session);
  await late.waitFor(3);
  a.send('a:5');
  await late.waitFor(4);
  t.same(late.received, ['a:2', 'a:3', 'a:4', 'a:5']);
  a.close();
  late.close();
});
