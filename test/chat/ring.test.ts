/**
 * The chat ring and its limits, without sockets: wraparound, slow readers,
 * many tails, backlog, overrun reporting, the token bucket and option checks.
 */
import t from 'tap';
import { MessageRing, type RingTail } from '../../protocols/chat/ring.js';
import { DEFAULT_CHAT_LIMITS, rateLimiter, resolveChatLimits } from '../../protocols/chat/limits.js';
import { ProtocolConfigError } from '../../protocols/errors.js';
import { TokenBucket } from '../../protocols/chat/token-bucket.js';

function drain<T>(tail: RingTail<T>): T[] {
  const out: T[] = [];
  for (let m = tail.read(); m !== undefined; m = tail.read()) out.push(m);
  return out;
}

t.test('rejects a size that is not a positive integer', async (t) => {
  for (const bad of [0, -1, 1.5, NaN, Infinity]) t.throws(() => new MessageRing(bad), RangeError, `size ${bad}`);
});

t.test('a tail reads every message pushed after it joined, in order', async (t) => {
  const ring = new MessageRing<string>(4);
  ring.push('before');
  const tail = ring.addTail();
  t.equal(tail.pending, 0);
  t.equal(tail.peek(), undefined);
  ring.push('a');
  ring.push('b');
  t.equal(tail.pending, 2);
  t.equal(tail.peek(), 'a');
  t.equal(tail.peek(), 'a', 'peek does not consume');
  tail.advance();
  t.equal(tail.read(), 'b');
  t.equal(tail.read(), undefined);
  tail.advance();
  t.equal(tail.next, 3, 'advance at the head is a no-op');
});

t.test('wraparound: a reader that keeps up loses nothing over many laps', async (t) => {
  for (const size of [1, 2, 3, 7, 64]) {
    const ring = new MessageRing<number>(size);
    const tail = ring.addTail();
    const got: number[] = [];
    let n = 0;
    let overruns = 0;
    for (let lap = 0; lap < 10 * size + 3; lap++) {
      // push between 1 and `size` messages (never more than the ring holds), then read them all
      const burst = 1 + (lap % size);
      for (let i = 0; i < burst; i++) overruns += ring.push(n++).length;
      got.push(...drain(tail));
    }
    t.equal(overruns, 0, `size ${size}: nobody overrun`);
    t.same(got, Array.from({ length: n }, (_, i) => i), `size ${size}: all ${n} messages in order`);
    t.equal(ring.head, n);
    t.equal(ring.oldest, Math.max(0, n - size));
  }
});

t.test('a reader exactly one ring behind keeps everything; one more message overruns it', async (t) => {
  const ring = new MessageRing<number>(8);
  const slow = ring.addTail();
  const fast = ring.addTail();
  for (let i = 0; i < 8; i++) {
    t.same(ring.push(i), []);
    fast.read();
  }
  t.equal(slow.pending, 8, 'a full ring behind, nothing lost yet');
  t.equal(slow.peek(), 0);
  const overrun = ring.push(8);
  t.same(overrun, [slow], 'the push that would overwrite its unread message reports it');
  t.equal(slow.overrun, true);
  t.equal(slow.detached, true);
  t.equal(slow.peek(), undefined, 'an overrun tail reads nothing (never skipped forward)');
  t.equal(slow.pending, 0);
  t.equal(ring.tails, 1);
  t.equal(fast.read(), 8, 'the reader that kept up still gets the new message');
  t.same(ring.push(9), [], 'an overrun tail is reported once');
});

t.test('many tails at different positions: only those a full ring behind are overrun', async (t) => {
  const size = 16;
  const ring = new MessageRing<number>(size);
  const tails = Array.from({ length: 40 }, () => ring.addTail());
  // tail i reads i messages out of the first 16
  for (let i = 0; i < size; i++) ring.push(i);
  tails.forEach((tail, i) => {
    for (let k = 0; k < Math.min(i, size); k++) tail.read();
  });
  const reported: Array<RingTail<number>> = [];
  // each further push overwrites seq s-16: the tails whose next is s-16 go
  for (let s = size; s < 2 * size; s++) {
    const gone = ring.push(s);
    const expectIdx = s - size; // tails that read exactly s-size messages
    t.same(
      gone.map((g) => tails.indexOf(g)),
      [expectIdx],
      `push ${s} overruns only tail ${expectIdx}`,
    );
    reported.push(...gone);
  }
  t.equal(reported.length, size, 'tails 0..15 overrun, one per push');
  t.equal(ring.tails, 40 - size);
  for (let i = size; i < 40; i++) {
    t.same(drain(tails[i]!), Array.from({ length: size }, (_, k) => size + k), `tail ${i} gets every later message`);
  }
});

t.test('one payload object is shared by every tail (no per-client copy)', async (t) => {
  const ring = new MessageRing<Buffer>(4);
  const tails = Array.from({ length: 10 }, () => ring.addTail());
  const payload = Buffer.from('hello');
  ring.push(payload);
  for (const tail of tails) t.equal(tail.read(), payload, 'the same Buffer instance');
});

t.test('backlog: a new tail starts with up to N recent messages', async (t) => {
  const ring = new MessageRing<number>(5);
  t.equal(ring.addTail(3).pending, 0, 'an empty ring has no backlog');
  ring.push(0);
  ring.push(1);
  t.same(drain(ring.addTail(10)), [0, 1], 'at most what the ring holds');
  for (let i = 2; i < 12; i++) ring.push(i);
  t.same(drain(ring.addTail(3)), [9, 10, 11]);
  t.same(drain(ring.addTail(99)), [7, 8, 9, 10, 11], 'capped at the ring size');
  t.same(drain(ring.addTail(0)), []);
  t.same(drain(ring.addTail(-2)), [], 'a negative backlog is none');
});

t.test('removeTail detaches; a removed tail never constrains or gets reported', async (t) => {
  const ring = new MessageRing<number>(2);
  const a = ring.addTail();
  const b = ring.addTail();
  ring.removeTail(a);
  t.equal(a.detached, true);
  t.equal(ring.tails, 1);
  for (let i = 0; i < 2; i++) ring.push(i);
  drain(b);
  t.same(ring.push(2), [], 'the removed tail is not reported');
  t.equal(a.overrun, false);
});

t.test('at() and slowest()', async (t) => {
  const ring = new MessageRing<string>(3);
  t.equal(ring.slowest(), 0);
  const tail = ring.addTail();
  for (const m of ['a', 'b', 'c', 'd']) ring.push(m);
  t.equal(ring.at(0), undefined, 'overwritten');
  t.equal(ring.at(1), 'b');
  t.equal(ring.at(3), 'd');
  t.equal(ring.at(4), undefined, 'not yet written');
  t.equal(tail.overrun, true, 'pushing 4 into 3 slots overran the idle tail');
  const t2 = ring.addTail(2);
  t.equal(ring.slowest(), 2);
  t2.read();
  t.equal(ring.slowest(), 3);
});

t.test('randomised: several readers at random speeds; keep-up readers get all, laggards are reported exactly when a ring behind', async (t) => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const size = 32;
  const ring = new MessageRing<number>(size);
  const readers = Array.from({ length: 12 }, () => ({ tail: ring.addTail(), got: [] as number[], speed: 1 + rand(4) }));
  let n = 0;
  for (let step = 0; step < 3000; step++) {
    const sends = rand(3);
    for (let i = 0; i < sends; i++) {
      // attached readers exactly one ring behind are the ones this push must report
      const full = readers.filter((r) => !r.tail.detached && r.tail.pending === size).map((r) => r.tail);
      const gone = ring.push(n++);
      if (full.length !== gone.length || !full.every((x) => gone.includes(x))) t.fail(`push ${n - 1}: reported ${gone.length}, expected ${full.length}`);
    }
    for (const r of readers) for (let k = 0; k < r.speed && rand(2) === 0; k++) {
      const m = r.tail.read();
      if (m !== undefined) r.got.push(m);
    }
  }
  let survivors = 0;
  for (const r of readers) {
    // whatever a reader got is a gap-free run from 0
    t.same(r.got, Array.from({ length: r.got.length }, (_, i) => i), 'no gaps, no duplicates');
    if (!r.tail.overrun) {
      survivors++;
      r.got.push(...drain(r.tail));
      t.equal(r.got.length, n, 'a surviving reader gets every message');
    }
  }
  t.ok(survivors > 0 && survivors < readers.length, `mix of survivors (${survivors}) and overrun readers`);
});

t.test('token bucket: burst, then the sustained rate', async (t) => {
  let now = 1000;
  const b = new TokenBucket(10, 3, () => now);
  t.ok(b.take() && b.take() && b.take(), 'a burst of 3');
  t.notOk(b.take(), 'the 4th is over the rate');
  now += 100; // 1 token per 100 ms
  t.ok(b.take());
  t.notOk(b.take());
  now += 10_000;
  t.equal(Math.round(b.tokens), 3, 'refill is capped at the burst');
  for (let i = 0; i < 3; i++) t.ok(b.take());
  t.notOk(b.take());
  now -= 5000; // a clock going backwards adds nothing
  t.notOk(b.take());
});

t.test('limits: defaults, overrides, errors that name the option', async (t) => {
  t.same(resolveChatLimits(), DEFAULT_CHAT_LIMITS);
  t.same(
    resolveChatLimits({ default: true, 'ring-size': 16, backlog: 4, 'messages-per-second': 0, burst: 5, 'max-buffered-bytes': 100, 'laggard-timeout-ms': 0 }),
    { ringSize: 16, backlog: 4, messagesPerSecond: 0, burst: 5, maxBufferedBytes: 100, laggardTimeoutMs: 0 },
  );
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ 'ring-size': 0 }, 'ring-size'],
    [{ 'ring-size': 1.5 }, 'ring-size'],
    [{ 'max-buffered-bytes': '8k' }, 'max-buffered-bytes'],
    [{ 'messages-per-second': -1 }, 'messages-per-second'],
    [{ burst: 0 }, 'burst'],
    [{ 'laggard-timeout-ms': -1 }, 'laggard-timeout-ms'],
    [{ ringSize: 10 }, 'ringSize'],
    [{ 'ring-size': 8, backlog: 9 }, 'backlog'],
  ];
  for (const [opts, path] of cases) {
    try {
      resolveChatLimits(opts);
      t.fail(`${JSON.stringify(opts)} accepted`);
    } catch (e) {
      t.ok(e instanceof ProtocolConfigError, 'a ProtocolConfigError');
      t.equal((e as ProtocolConfigError).path, path, `${JSON.stringify(opts)} names ${path}`);
    }
  }
  t.equal(rateLimiter({ ...DEFAULT_CHAT_LIMITS, messagesPerSecond: 0 }), null, 'rate 0 disables the limiter');
  t.ok(rateLimiter(DEFAULT_CHAT_LIMITS) instanceof TokenBucket);
});

t.test('full: the next push would overwrite a message some tail has not read', async (t) => {
  const ring = new MessageRing<string>(3);
  t.notOk(ring.full, 'empty, no tails');
  for (const m of ['a', 'b', 'c', 'd']) ring.push(m);
  t.notOk(ring.full, 'with no tail nothing is unread: pushing on is free');
  const tail = ring.addTail();
  ring.push('e');
  ring.push('f');
  t.notOk(ring.full, 'two of three slots unread');
  ring.push('g');
  t.ok(ring.full, 'three unread in a ring of three');
  tail.advance();
  t.notOk(ring.full, 'the tail moved: one slot free');
  const second = ring.addTail(3);
  t.ok(ring.full, 'a new tail with a backlog of the whole ring holds the oldest message');
  ring.removeTail(second);
  t.notOk(ring.full);
});

t.test('TokenBucket.msUntilToken: 0 while a token is there, else the wait for the next one', async (t) => {
  let now = 0;
  const b = new TokenBucket(4, 2, () => now);
  t.equal(b.msUntilToken(), 0);
  t.ok(b.take());
  t.ok(b.take());
  t.equal(b.msUntilToken(), 250, 'one token per 250 ms at 4/s');
  now = 100;
  t.equal(b.msUntilToken(), 150, 'part of the way there');
  now = 250;
  t.equal(b.msUntilToken(), 0);
  t.ok(b.take());
  t.notOk(b.take());
});
