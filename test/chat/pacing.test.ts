/**
 * The chat under load, over real sockets, with the chat's default options
 * (ring-size 1024, 100 messages/s, burst 200, laggard-timeout-ms 5000,
 * max-buffered-bytes 64 KiB): senders are paced by flow control, never
 * closed; every client that reads gets every message, in order per sender,
 * exactly once; the only client closed is one that stops reading, and only
 * after laggard-timeout-ms; what the server holds stays bounded.
 * Each case runs over HTTP/1.1 (the `ws` package, one connection per client)
 * and over HTTP/2 (RFC 8441 streams, all clients on one session).
 */
import t, { type Test } from 'tap';
import { DEFAULT_CHAT_LIMITS, type ChatSession, type ChatVhost } from '../../protocols/chat/index.js';
import type { ProtocolContext } from '../../protocols/index.js';
import { start } from '../support/server.js';
import { chatHandler, deliveryProblems, openClients, type ChatClient, type Transport } from './support/chat-clients.js';

const D = DEFAULT_CHAT_LIMITS;

interface Room {
  ctx: ProtocolContext<ChatVhost, ChatSession> | null;
  logs: Array<{ at: number; line: string }>;
}

async function chatServer(t: Test, config: Record<string, unknown> = {}): Promise<{ port: number; room: Room }> {
  const room: Room = { ctx: null, logs: [] };
  const handler = chatHandler({ default: true, ...config }, { log: (line) => room.logs.push({ at: Date.now(), line }) }, undefined, (ctx) => (room.ctx = ctx));
  const { port } = await start(t, handler, { enableConnectProtocol: true });
  return { port, room };
}

function expectDelivered(t: Test, clients: readonly ChatClient[], senders: string[], count: number): void {
  let bad = 0;
  for (const [i, c] of clients.entries()) {
    const problems = deliveryProblems(c.received, senders, count);
    if (problems.length > 0 && bad++ < 3) t.fail(`client ${i} (${c.transport}): ${problems.slice(0, 3).join('; ')}`);
  }
  t.equal(bad, 0, `${clients.length} clients got all ${senders.length * count} messages, in order per sender, each exactly once`);
}

for (const transport of ['h1', 'h2'] as Transport[]) {
  t.test(`${transport}: 40 clients, 4 senders × 250 messages as fast as the client sends them: all 1,000 reach everyone, nobody is closed`, async (t) => {
    const { port, room } = await chatServer(t);
    const clients = await openClients(transport, port, 40, t);
    const senders = ['a', 'b', 'c', 'd'];
    senders.forEach((name, k) => {
      const c = clients[k * 10] as ChatClient;
      for (let q = 0; q < 250; q++) c.send(`${name}:${q}`);
    });
    await Promise.all(clients.map((c) => c.waitFor(1000)));
    expectDelivered(t, clients, senders, 250);
    await new Promise((r) => setTimeout(r, 200));
    t.ok(
      clients.every((c) => c.received.length === 1000),
      'nothing arrives twice afterwards',
    );
    t.same(room.logs.map((l) => l.line).filter((l) => /closed 10\d\d/.test(l)), [], 'no client was closed');
    for (const c of clients) c.close();
    const codes = await Promise.all(clients.map((c) => c.closed));
    t.same(codes.filter((c) => c.code !== 1000), [], 'every client closes cleanly with 1000');
  });

  t.test(`${transport}: one client stops reading during 2,560 messages of 4 KiB: the others get everything, it is closed after laggard-timeout-ms, memory stays bounded`, async (t) => {
    const { port, room } = await chatServer(t);
    const clients = await openClients(transport, port, 40, t);
    const stopped = clients[39] as ChatClient;
    const readers = clients.slice(0, 39);
    stopped.pause();

    // What the server holds for the chat: the ring, messages waiting for room, and what each session handed to the ws layer.
    const vhd = (): ChatVhost => (room.ctx as ProtocolContext<ChatVhost, ChatSession>).state;
    let peakHeld = 0;
    let fullSince = 0;
    const sampler = setInterval(() => {
      const s = vhd().room.stats();
      let buffered = 0;
      for (const session of room.ctx?.sessions() ?? []) buffered += session.bufferedAmount;
      peakHeld = Math.max(peakHeld, s.heldBytes + s.waitingBytes + buffered);
      if (s.waiting > 0 && fullSince === 0) fullSince = Date.now();
    }, 10);
    t.teardown(() => clearInterval(sampler));

    const senders = ['a', 'b', 'c', 'd'];
    const PER_SENDER = 640;
    const pad = 'x'.repeat(4096 - 16);
    senders.forEach((name, k) => {
      const c = clients[k * 10] as ChatClient;
      for (let q = 0; q < PER_SENDER; q++) c.send(`${name}:${q}:${pad}`);
    });
    await Promise.all(readers.map((c) => c.waitFor(senders.length * PER_SENDER)));
    clearInterval(sampler);
    expectDelivered(t, readers, senders, PER_SENDER);

    const closedLines = room.logs.filter((l) => /closed 1008: too slow/.test(l.line));
    t.equal(closedLines.length, 1, 'exactly one client was closed, with one log line');
    t.match(closedLines[0]?.line ?? '', new RegExp(`took nothing for \\d+ ms \\(laggard-timeout-ms ${D.laggardTimeoutMs}\\) while \\d+ message\\(s\\) waited for room; \\d+ messages behind \\(peer 127\\.0\\.0\\.1, ${transport}\\)`));
    t.ok(fullSince > 0, 'the ring filled up behind the stopped client and senders waited');
    const after = (closedLines[0]?.at ?? 0) - fullSince;
    t.ok(after >= D.laggardTimeoutMs - 100, `not closed before laggard-timeout-ms (${after} ms after senders began to wait)`);
    t.ok(after <= D.laggardTimeoutMs * 1.125 + 1500, `closed within laggard-timeout-ms plus a margin (${after} ms)`);

    // Bound: the ring (ring-size messages of at most 4 KiB), one waiting message per sender,
    // and per session max-buffered-bytes plus the one message that crossed it.
    const bound = D.ringSize * 4096 + senders.length * 4096 + clients.length * (D.maxBufferedBytes + 4096);
    t.comment(`peak held by the chat: ${(peakHeld / 2 ** 20).toFixed(1)} MiB (bound ${(bound / 2 ** 20).toFixed(1)} MiB; sent ${((2560 * 4096 * 40) / 2 ** 20).toFixed(0)} MiB in all)`);
    t.ok(peakHeld <= bound, `the chat held at most ${peakHeld} bytes <= ${bound}`);

    stopped.resume();
    const closed = await stopped.closed;
    t.equal(closed.code, 1008, 'the stopped client finds a 1008 close after what it was sent');
    const got = stopped.received.map((m) => m.split(':').slice(0, 2).join(':'));
    t.same(deliveryProblems(got, senders, PER_SENDER).filter((p) => !p.startsWith(`${got.length} messages`)), [], `it got a gap-free prefix (${got.length} messages), nothing skipped`);
    t.ok(got.length < 2560, 'it was cut off, not skipped forward');
    t.ok(readers.every((c) => c.received.length === 2560), 'no reader was closed or lost anything');
  });

  t.test(`${transport}: one sender at 10× messages-per-second: every message arrives, spread out at the rate`, async (t) => {
    const { port, room } = await chatServer(t);
    const [sender, reader] = (await openClients(transport, port, 2, t)) as [ChatClient, ChatClient];
    const N = D.burst + 300;
    const started = Date.now();
    let q = 0;
    // 10 messages every 10 ms: 1,000/s, ten times the default rate.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        for (let i = 0; i < 10 && q < N; i++) sender.send(`s:${q++}`);
        if (q >= N) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const sentIn = Date.now() - started;
    await reader.waitFor(N);
    const took = (reader.arrivals[N - 1] as number) - started;
    t.same(deliveryProblems(reader.received, ['s'], N), [], `all ${N} messages arrived, in order, none twice`);
    // Tokens: the bucket holds at most `burst` when the first message is sent, and gains `rate` per second.
    const early = reader.arrivals.map((at, k) => ({ k, at: at - started, due: ((k + 1 - D.burst) * 1000) / D.messagesPerSecond })).filter((a) => a.at < a.due - 20);
    t.same(early, [], 'no message arrived before its token was due');
    const expected = ((N - D.burst) * 1000) / D.messagesPerSecond;
    t.comment(`sent in ${sentIn} ms, all arrived after ${took} ms (the rate alone needs ${expected} ms)`);
    t.ok(took <= expected * 1.5 + 2000, `spread out at the rate, not slower (${took} ms for ${N - D.burst} paced messages)`);
    t.same(room.logs.map((l) => l.line), [], 'the fast sender was not closed, nothing was logged against it');
    sender.close();
    t.equal((await sender.closed).code, 1000, 'it leaves normally');
  });
}

// Over HTTP/2 a reader that pauses stops the server within one stream window (the
// client's 64 KiB), so its pauses are felt at once; over HTTP/1.1 loopback's kernel
// buffers (MiBs) would hide them. A small ring and laggard-timeout-ms make it quick.
t.test('h2: a reader that is only slow holds the senders back but is never closed; everyone gets everything', async (t) => {
  const LAGGARD_MS = 1000;
  const { port, room } = await chatServer(t, { 'ring-size': 64, 'laggard-timeout-ms': LAGGARD_MS, 'messages-per-second': 0 });
  const clients = await openClients('h2', port, 6, t);
  const slow = clients[5] as ChatClient;
  // Reads 16 messages (about one stream window), then stops for 300 ms: far slower than the senders, never stopped for long.
  let paused = false;
  let pauses = 0;
  const pacer = setInterval(() => {
    if (!paused && slow.received.length >= (pauses + 1) * 16) {
      paused = true;
      pauses++;
      slow.pause();
      setTimeout(() => {
        paused = false;
        slow.resume();
      }, 300);
    }
  }, 5);
  t.teardown(() => clearInterval(pacer));
  let waited = 0;
  const sampler = setInterval(() => {
    if ((room.ctx?.state.room.waiting ?? 0) > 0) waited++;
  }, 10);
  t.teardown(() => clearInterval(sampler));
  const senders = ['a', 'b', 'c', 'd'];
  const pad = 'x'.repeat(4096 - 16);
  senders.forEach((name, k) => {
    const c = clients[k] as ChatClient;
    for (let q = 0; q < 80; q++) c.send(`${name}:${q}:${pad}`);
  });
  await Promise.all(clients.map((c) => c.waitFor(320)));
  clearInterval(pacer);
  clearInterval(sampler);
  expectDelivered(t, clients, senders, 80);
  t.ok(pauses * 300 > 3 * LAGGARD_MS, `the slow reader stopped ${pauses} times for 300 ms, ${pauses * 300} ms in all, more than three laggard timeouts`);
  t.ok(waited > 0, 'the senders did wait for it (the ring was full behind it)');
  t.same(room.logs.map((l) => l.line), [], 'nobody was closed');
});
