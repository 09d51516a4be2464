/**
 * The chat room as a pure unit (fake clock, no sessions): messages wait for
 * room in arrival order, every freed slot admits the next, stats count what
 * is held, a stopped reader is found after the timeout while a moving one is
 * not, Infinity never closes, close() releases the waiting.
 */
import t from 'tap';
import { ChatRoom, type LaggardInfo } from '../../protocols/chat/room.js';

function room(ringSize: number, laggardTimeoutMs = 1000) {
  let now = 0;
  const pushes: number[] = [];
  const laggards: Array<{ member: string; info: LaggardInfo }> = [];
  const r = new ChatRoom<string>({
    ringSize,
    laggardTimeoutMs,
    now: () => now,
    onPush: () => pushes.push(r.ring.head),
    onLaggard: (member, info) => laggards.push({ member, info }),
  });
  return { r, pushes, laggards, at: (ms: number) => (now = ms) };
}

const msg = (s: string) => Buffer.from(s);

t.test('messages wait for room in arrival order; each freed slot admits the next', async (t) => {
  const { r, pushes } = room(2);
  const reader = r.join('a');
  t.equal(r.publish(msg('1')), undefined, 'room: pushed at once');
  t.equal(r.publish(msg('2')), undefined);
  const order: string[] = [];
  const w3 = r.publish(msg('3'))?.then(() => order.push('3'));
  const w4 = r.publish(msg('4'))?.then(() => order.push('4'));
  t.ok(w3 && w4, 'a full ring makes both wait');
  t.equal(r.waiting, 2);
  const from = reader.tail.next;
  reader.tail.advance();
  r.advanced(reader, from);
  await w3;
  t.same(order, ['3'], 'one freed slot admits exactly the first waiter');
  t.equal(r.waiting, 1);
  const from2 = reader.tail.next;
  reader.tail.advance();
  r.advanced(reader, from2);
  await w4;
  t.same(order, ['3', '4']);
  t.same(pushes, [1, 2, 3, 4], 'every push woke the readers');
  const s = r.stats();
  t.same(s, { readers: 1, held: 2, heldBytes: 2, waiting: 0, waitingBytes: 0, laggardsClosed: 0 });
});

t.test('a newcomer queues behind waiting messages even if a slot just freed (arrival order is kept)', async (t) => {
  const { r } = room(1);
  const reader = r.join('a');
  r.publish(msg('x'));
  const first = r.publish(msg('first'));
  t.ok(first);
  r.leave(reader); // the only reader left: everything fits
  await first;
  t.equal(r.waiting, 0);
  t.equal(r.publish(msg('later')), undefined);
  t.equal(r.ring.at(r.ring.head - 1)?.toString(), 'later');
  t.equal(r.ring.at(r.ring.head - 2), undefined, 'ring of one: only the newest is held');
});

t.test('laggard check: only while messages wait; a moving reader is spared, a stopped one is handed over once', async (t) => {
  const { r, laggards, at } = room(2, 1000);
  const stopped = r.join('stopped');
  const moving = r.join('moving');
  r.publish(msg('1'));
  r.publish(msg('2'));
  at(5000);
  r.checkLaggards();
  t.same(laggards, [], 'nothing waits: nobody is a laggard, however long idle');
  const waiter = r.publish(msg('3'));
  t.ok(waiter, 'ring full');
  t.same(r.stats().waitingBytes, 1);
  at(5600);
  moving.progress++; // its transport took something
  r.checkLaggards();
  at(5999);
  r.checkLaggards();
  t.same(laggards, [], 'less than the timeout since the wait began');
  at(6000);
  r.checkLaggards();
  t.equal(laggards.length, 1, 'the stopped reader at the timeout');
  t.same(laggards[0], { member: 'stopped', info: { behind: 2, idleMs: 1000, waiting: 1 } });
  t.ok(stopped.tail.detached, 'it left the room');
  t.notOk(moving.tail.detached, 'the moving reader holds the oldest message too, but it made progress');
  t.equal(r.waiting, 1, 'still waiting on the moving reader');
  const from = moving.tail.next;
  moving.tail.advance();
  r.advanced(moving, from);
  await waiter;
  t.equal(r.stats().laggardsClosed, 1);
  r.checkLaggards();
  t.equal(laggards.length, 1, 'handed over once');
});

t.test('laggardTimeoutMs Infinity never closes anyone; close() releases what waits', async (t) => {
  const { r, laggards, at } = room(1, Infinity);
  r.join('a');
  r.publish(msg('1'));
  const w = r.publish(msg('2'));
  at(1e9);
  r.checkLaggards();
  t.same(laggards, []);
  r.close();
  await w;
  t.equal(r.waiting, 0);
  t.equal(r.ring.head, 1, 'the waiting message was not pushed: the room is gone');
});
