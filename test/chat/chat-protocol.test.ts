/**
 * The chat protocol's logic driven through the plugin API with fake sessions
 * (no sockets) and a fake clock: broadcast order, the write bound, senders
 * held while the ring is full, a stopped reader closed after
 * laggard-timeout-ms (1008 + log line) while a slow one never is, the rate
 * limit pacing (never closing) its sender, binary → 1003, backlog, option
 * errors. The same behaviour over real transports is in broadcast.test.ts
 * and pacing.test.ts.
 */
import t from 'tap';
import { createChatProtocol, chatProtocol, type ChatSession, type ChatVhost } from '../../protocols/chat/index.js';
import { closeReason } from '../../protocols/chat/chat-protocol.js';
import { ProtocolConfigError } from '../../protocols/errors.js';
import type { CloseInfo, Protocol, ProtocolContext, Session } from '../../protocols/types.js';
import type { Request } from '../../lib/index.js';

type S = Session<ChatSession, ChatVhost>;

interface Fake {
  session: S;
  sent: Buffer[];
  closedWith: { code: number; reason: string } | null;
  writableArmed: boolean;
  /** Bytes "not yet flushed": tests raise it to stop the pump, or let sends add to it. */
  buffered: number;
  /** When true each send adds its size to `buffered` and stays pending (a peer that does not read). */
  stalled: boolean;
  /** Sends of a stalled peer, settled by `take()`. */
  pending: Array<() => void>;
}

/** A vhost with the protocol initialised and a way to add fake sessions and deliver writable events. */
function harness(protocol: Protocol<ChatVhost, ChatSession>) {
  const fakes: Fake[] = [];
  const ctx: ProtocolContext<ChatVhost, ChatSession> = {
    vhost: '',
    protocolName: protocol.name,
    state: undefined as unknown as ChatVhost,
    *sessions() {
      for (const f of fakes) if (f.session.open) yield f.session;
    },
    requestWritableAll() {
      for (const f of fakes) if (f.session.open) f.writableArmed = true;
    },
    log() {},
  };
  (ctx as { state: ChatVhost }).state = protocol.init(ctx);
  let n = 0;
  const connect = async (): Promise<Fake> => {
    const fake: Fake = { session: null as unknown as S, sent: [], closedWith: null, writableArmed: false, buffered: 0, stalled: false, pending: [] };
    const session: S = {
      id: `s${n++}`,
      state: undefined as unknown as ChatSession,
      context: ctx,
      request: {} as Request,
      transport: 'h1',
      subprotocol: 'lws-minimal',
      get open() {
        return fake.closedWith === null;
      },
      get bufferedAmount() {
        return fake.buffered;
      },
      allowance: () => Infinity,
      receivePaused: false,
      pauseReceiving() {},
      resumeReceiving() {},
      send(data) {
        if (fake.closedWith) return Promise.reject(new Error('closed'));
        const buf = typeof data === 'string' ? Buffer.from(data) : data;
        fake.sent.push(buf);
        if (!fake.stalled) return Promise.resolve();
        fake.buffered += buf.length + 2;
        return new Promise((resolve) => fake.pending.push(resolve));
      },
      requestWritable() {
        fake.writableArmed = true;
      },
      close(code = 1000, reason = '') {
        if (fake.closedWith) return;
        fake.closedWith = { code, reason };
        const info: CloseInfo = { code, reason, wasClean: true, initiator: 'server' };
        protocol.closed?.(session, info);
      },
    };
    fake.session = session;
    session.state = await protocol.established(session);
    fakes.push(fake);
    return fake;
  };
  /** Deliver armed writable events until none is armed (the ws layer's loop). */
  const flush = async (): Promise<void> => {
    for (let round = 0; round < 10_000; round++) {
      const armed = fakes.filter((f) => f.writableArmed && f.session.open && f.buffered === 0);
      if (armed.length === 0) return;
      for (const f of armed) {
        f.writableArmed = false;
        await protocol.writable?.(f.session);
      }
    }
    throw new Error('writable loop did not settle');
  };
  const say = async (f: Fake, text: string): Promise<void> => {
    await protocol.receive?.(f.session, { kind: 'text', data: Buffer.from(text) });
  };
  /** Deliver a message and report whether the protocol held the sender (its receive promise still pending). */
  const offer = (f: Fake, text: string): { held: () => boolean; done: Promise<void> } => {
    const result = protocol.receive?.(f.session, { kind: 'text', data: Buffer.from(text) });
    let settled = !(result instanceof Promise); // no promise: taken at once, the ws layer reads on
    const done = Promise.resolve(result).then(() => void (settled = true));
    return { held: () => !settled, done };
  };
  /** The stalled peer's transport takes everything queued so far. */
  const take = async (f: Fake): Promise<void> => {
    for (const resolve of f.pending.splice(0)) resolve();
    f.buffered = 0;
    await new Promise((r) => setImmediate(r));
  };
  const writable = async (f: Fake): Promise<void> => {
    f.writableArmed = false;
    await protocol.writable?.(f.session);
  };
  const receive = async (f: Fake, kind: 'text' | 'binary', data: Buffer): Promise<void> => {
    await protocol.receive?.(f.session, { kind, data });
  };
  return { ctx, fakes, connect, flush, say, offer, take, writable, receive };
}

const texts = (f: Fake) => f.sent.map((b) => b.toString());

t.test('every message reaches every client, the sender included, in order', async (t) => {
  const h = harness(createChatProtocol({ 'messages-per-second': 0 }));
  const clients = await Promise.all(Array.from({ length: 5 }, () => h.connect()));
  const expected: string[] = [];
  for (let i = 0; i < 20; i++) {
    const from = clients[i % 3]!;
    const text = `${from.session.id}:${i}`;
    expected.push(text);
    await h.say(from, text);
    if (i % 4 === 0) await h.flush(); // sometimes several messages wait in the ring
  }
  await h.flush();
  for (const c of clients) t.same(texts(c), expected, `${c.session.id} got all 20 in order`);
  const first = clients.map((c) => c.sent[0]);
  t.ok(first.every((b) => b === first[0]), 'one Buffer object sent to every client (no per-client copy)');
});

t.test('a session stops at max-buffered-bytes and resumes at the next writable event', async (t) => {
  const h = harness(createChatProtocol({ 'messages-per-second': 0, 'max-buffered-bytes': 100 }));
  const a = await h.connect();
  a.stalled = true;
  for (let i = 0; i < 10; i++) await h.say(a, String(i).repeat(40));
  t.equal(a.sent.length, 0, 'nothing is sent outside a writable event');
  t.equal(a.writableArmed, true, 'a new message arms a writable event');
  await h.writable(a);
  // 42 + 42 = 84 < 100 → a third send, then 126 ≥ 100 stops the pump
  t.equal(a.sent.length, 3, 'sends while buffered bytes stay under the bound');
  t.equal(a.writableArmed, true, 'asks for the next writable event while messages wait');
  a.buffered = 0; // the transport took them
  await h.writable(a);
  t.equal(a.sent.length, 6);
  a.buffered = 0;
  a.stalled = false;
  await h.writable(a);
  t.same(texts(a), Array.from({ length: 10 }, (_, i) => String(i).repeat(40)), 'all ten, in order');
  t.equal(a.writableArmed, false, 'no writable event asked for when the tail is empty');
});

const tick = () => new Promise((r) => setImmediate(r));

t.test('a full ring holds senders; a stopped reader is closed after laggard-timeout-ms with 1008 and a log line; nothing is lost', async (t) => {
  let now = 0;
  const lines: string[] = [];
  const h = harness(createChatProtocol({ 'messages-per-second': 0, 'ring-size': 8, 'laggard-timeout-ms': 1000 }, { now: () => now, log: (l) => lines.push(l) }));
  const slow = await h.connect();
  const fast = await Promise.all([h.connect(), h.connect()]);
  slow.stalled = true;
  slow.buffered = 1_000_000; // its peer stopped reading: the pump never runs for it
  const all = Array.from({ length: 30 }, (_, i) => `m${i}`);
  for (let i = 0; i < 8; i++) {
    t.notOk(h.offer(fast[i % 2]!, all[i]!).held(), `m${i} is pushed at once`);
    await h.flush();
  }
  const ninth = h.offer(fast[0]!, 'm8');
  await tick();
  t.ok(ninth.held(), 'the 9th message waits: the ring is full and the stopped reader holds its oldest message');
  t.equal(h.ctx.state.room.waiting, 1);
  for (const f of fast) t.same(texts(f), all.slice(0, 8), `${f.session.id} has the first 8`);

  now = 999;
  h.ctx.state.room.checkLaggards();
  t.equal(slow.closedWith, null, 'not closed one ms before laggard-timeout-ms');
  t.ok(ninth.held());
  now = 1000;
  h.ctx.state.room.checkLaggards();
  t.same(slow.closedWith?.code, 1008, 'closed 1008 at laggard-timeout-ms');
  t.match(slow.closedWith?.reason, /^too slow: took nothing for 1000 ms/);
  t.equal(lines.length, 1, 'one log line');
  t.match(lines[0], /session s0 closed 1008: too slow: took nothing for 1000 ms \(laggard-timeout-ms 1000\) while 1 message\(s\) waited for room; 8 messages behind/);
  await ninth.done;
  t.pass('the waiting message was admitted');
  for (let i = 9; i < 30; i++) {
    t.notOk(h.offer(fast[i % 2]!, all[i]!).held(), `m${i} goes straight in`);
    await h.flush();
  }
  await h.flush();
  for (const f of fast) t.same(texts(f), all, `${f.session.id} got all 30, in order`);
  t.equal(slow.sent.length, 0, 'nothing was skipped forward to the stopped reader');
  t.equal(h.ctx.state.room.ring.tails, 2, 'its tail is gone');
  t.equal(h.ctx.state.room.stats().laggardsClosed, 1);
});

t.test('a reader that is only slow is never closed, however long the senders wait on it', async (t) => {
  let now = 0;
  const lines: string[] = [];
  const h = harness(createChatProtocol({ 'messages-per-second': 0, 'ring-size': 4, 'laggard-timeout-ms': 1000, 'max-buffered-bytes': 1 }, { now: () => now, log: (l) => lines.push(l) }));
  const slow = await h.connect();
  const sender = await h.connect();
  slow.stalled = true; // each message stays with its transport until take()
  const all = Array.from({ length: 24 }, (_, i) => `m${i}`);
  let next = 0;
  let offered = h.offer(sender, all[next++]!);
  for (let round = 0; round < 60 && next <= all.length; round++) {
    await h.flush();
    if (!offered.held() && next < all.length) {
      offered = h.offer(sender, all[next++]!); // the sender sends its next message as soon as it is let go
      continue;
    }
    if (offered.held()) {
      now += 900; // the room waits on it for almost a laggard timeout at every step
      h.ctx.state.room.checkLaggards();
      t.equal(slow.closedWith, null, `still open at t=${now} ms`);
      await h.take(slow); // then it takes one more message
    } else break;
  }
  await offered.done;
  for (let i = 0; i < 10 && slow.sent.length < all.length; i++) {
    await h.take(slow);
    await h.flush();
  }
  t.ok(now >= 10_000, `the senders waited on it for ${now} ms in all, ten laggard timeouts`);
  t.same(texts(slow), all, 'the slow reader got all 24, in order');
  t.same(texts(sender), all, 'and so did the sender');
  t.same(lines, [], 'nobody was closed');
});

t.test('a client over its message rate is paced, never closed: each message waits for a token', async (t) => {
  let now = 0;
  const lines: string[] = [];
  const h = harness(createChatProtocol({ 'messages-per-second': 10, burst: 3 }, { now: () => now, log: (l) => lines.push(l) }));
  const [a, b] = await Promise.all([h.connect(), h.connect()]);
  for (let i = 0; i < 3; i++) t.notOk(h.offer(a!, `burst${i}`).held(), `burst${i} goes at once`);
  const fourth = h.offer(a!, 'paced');
  await tick();
  t.ok(fourth.held(), 'over the burst the sender is held (its reading paused), not refused');
  t.equal(h.ctx.state.rateWaiting, 1, 'counted as a sender waiting for its rate');
  await h.flush();
  t.same(texts(b!), ['burst0', 'burst1', 'burst2']);
  now = 100; // one token is due at 10/s
  await fourth.done;
  t.equal(h.ctx.state.rateWaiting, 0);
  await h.flush();
  t.same(texts(b!), ['burst0', 'burst1', 'burst2', 'paced'], 'the held message is relayed once its token is due');
  t.equal(a!.closedWith, null, 'the fast sender is still connected');
  t.same(lines, [], 'and nothing was logged against it');
});

t.test('a binary message closes its sender with 1003 and is not relayed; an empty text message is relayed', async (t) => {
  const h = harness(createChatProtocol());
  const [a, b] = await Promise.all([h.connect(), h.connect()]);
  await h.say(a!, '');
  await h.receive(b!, 'binary', Buffer.from([0xff, 0x00]));
  t.same(b!.closedWith?.code, 1003);
  await h.flush();
  t.same(texts(a!), [''], 'only the empty text message reached the other client');
  await h.say(b!, 'after close');
  await h.flush();
  t.same(texts(a!), [''], 'a closing client is not relayed');
});

t.test('backlog: a new client gets the last N messages, then the live ones', async (t) => {
  const h = harness(createChatProtocol({ backlog: 2, 'messages-per-second': 0 }));
  const a = await h.connect();
  for (const m of ['one', 'two', 'three']) await h.say(a, m);
  await h.flush();
  const late = await h.connect();
  t.equal(late.writableArmed, true, 'a client with backlog asks to write at once');
  await h.say(a, 'four');
  await h.flush();
  t.same(texts(late), ['two', 'three', 'four']);
  const none = harness(createChatProtocol());
  const x = await none.connect();
  await none.say(x, 'old');
  const y = await none.connect();
  await none.say(x, 'new');
  await none.flush();
  t.same(texts(y), ['new'], 'default backlog 0: only messages after joining');
});

t.test('a closed session leaves the ring; the others are unaffected', async (t) => {
  const h = harness(createChatProtocol({ 'ring-size': 2, 'messages-per-second': 0 }));
  const [a, b] = await Promise.all([h.connect(), h.connect()]);
  b!.session.close(1000, 'bye');
  for (let i = 0; i < 5; i++) {
    await h.say(a!, `m${i}`);
    await h.flush();
  }
  t.equal(h.ctx.state.room.ring.tails, 1);
  t.equal(texts(a!).length, 5);
});

t.test('factory: defaults, ws defaults, option errors', async (t) => {
  const p = chatProtocol({ default: true });
  t.equal(p.name, 'lws-minimal');
  t.same(p.ws, { maxMessageSize: 8192 }, 'the chat sets lib/ws max-message-size to 8 KiB by default');
  t.throws(() => chatProtocol({ 'ring-size': 0 }), ProtocolConfigError);
  try {
    chatProtocol({ colour: 'blue' });
    t.fail('an unknown option was accepted');
  } catch (e) {
    t.equal((e as ProtocolConfigError).path, 'colour', 'the error names the unknown option');
  }
});

t.test('close reasons are cut to the 123 bytes a close frame holds', async (t) => {
  t.equal(closeReason('short'), 'short');
  t.equal(Buffer.byteLength(closeReason('é'.repeat(100))), 122, 'whole characters only, never a split UTF-8 sequence');
  t.equal(closeReason('x'.repeat(200)), 'x'.repeat(123));
});
