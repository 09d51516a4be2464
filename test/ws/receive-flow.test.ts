/**
 * Receive flow control of a session without a socket (lws_rx_flow_control):
 * `pauseReceiving()` stops message delivery and stops pulling the peer's
 * bytes (they stay with the transport), `resumeReceiving()` delivers what was
 * held in order; the close handshake reads on while paused; the heartbeat is
 * suspended while paused. Over real sockets: receive-flow-sockets.test.ts.
 */
import t from 'tap';
import { clientFrame, closeFrame, OP } from './support/frames.js';
import { harness, recordingProtocol } from './support/harness.js';

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));
const texts = (ms: Array<{ data: Buffer }>) => ms.map((m) => m.data.toString());

t.test('paused from established: nothing is delivered, later chunks are not pulled; resume delivers all in order', async (t) => {
  const h = harness({
    protocol: (rec) =>
      recordingProtocol(rec, {
        established: (s) => {
          s.pauseReceiving();
          return null;
        },
      }),
  });
  await tick();
  t.equal(h.session.receivePaused, true);
  h.tx.send(clientFrame(OP.TEXT, 'm0'));
  await tick(); // the loop pulls what has arrived, parses it, and stops at the gate
  for (let i = 1; i < 5; i++) h.tx.send(clientFrame(OP.TEXT, `m${i}`));
  await tick(50);
  t.same(h.rec.messages, [], 'no message delivered while paused');
  t.ok(h.tx.body.readableLength > 0, `the later chunks stay with the transport (${h.tx.body.readableLength} bytes unread)`);
  h.session.resumeReceiving();
  t.equal(h.session.receivePaused, false);
  await h.tx.waitFrames(5);
  t.same(texts(h.rec.messages), ['m0', 'm1', 'm2', 'm3', 'm4'], 'all five, in order, once resumed');
  t.equal(h.tx.body.readableLength, 0);
});

t.test('a protocol pauses in receive: messages behind it wait, even those in the same chunk', async (t) => {
  const h = harness({
    protocol: (rec) =>
      recordingProtocol(rec, {
        receive: (s, m) => {
          rec.messages.push(m);
          if (m.data.toString() === 'stop') s.pauseReceiving();
        },
      }),
  });
  h.tx.send(Buffer.concat(['a', 'stop', 'b', 'c'].map((m) => clientFrame(OP.TEXT, m))));
  await tick(50);
  t.same(texts(h.rec.messages), ['a', 'stop'], 'delivery stops at the pause');
  h.session.pauseReceiving(); // idempotent
  h.session.resumeReceiving();
  await tick(50);
  t.same(texts(h.rec.messages), ['a', 'stop', 'b', 'c']);
  h.session.resumeReceiving(); // resuming twice is harmless
  h.tx.send(clientFrame(OP.TEXT, 'd'));
  await tick(50);
  t.same(texts(h.rec.messages), ['a', 'stop', 'b', 'c', 'd']);
});

t.test('a pending receive promise holds reading like a pause, and is released by a close', async (t) => {
  let release: () => void = () => {};
  const h = harness({
    protocol: (rec) =>
      recordingProtocol(rec, {
        receive: (_s, m) => {
          rec.messages.push(m);
          return new Promise<void>((r) => (release = r));
        },
      }),
  });
  h.tx.send(clientFrame(OP.TEXT, 'one'));
  await tick();
  h.tx.send(clientFrame(OP.TEXT, 'two'));
  await tick(50);
  t.same(texts(h.rec.messages), ['one'], 'the next message waits for the promise');
  t.ok(h.tx.body.readableLength > 0, 'and its bytes stay with the transport');
  release();
  await tick(50);
  t.same(texts(h.rec.messages), ['one', 'two']);
  // Still pending on 'two': a close started by the server must not wait for it.
  h.session.close(1000, 'bye');
  h.tx.send(closeFrame(1000));
  await h.done;
  t.equal(h.rec.closed[0]?.wasClean, true, 'the peer close frame was read although receive never settled');
});

t.test('closing while paused: the peer close frame is still read, the handshake completes', async (t) => {
  const h = harness();
  await tick();
  h.session.pauseReceiving();
  h.tx.send(clientFrame(OP.TEXT, 'held'));
  await tick(30);
  h.session.close(1001, 'going away');
  h.tx.send(closeFrame(1001));
  await h.done;
  t.same(h.rec.messages, [], 'data after the pause is not delivered once closing');
  t.equal(h.rec.closed[0]?.code, 1001);
  t.equal(h.rec.closed[0]?.wasClean, true);
});

t.test('the peer closes while we are paused: answered once we read again', async (t) => {
  const h = harness();
  await tick();
  h.session.pauseReceiving();
  h.tx.send(clientFrame(OP.TEXT, 'x'), closeFrame(1000));
  await tick(50);
  t.equal(h.rec.closed.length, 0, 'nothing read while paused, not even the close frame');
  h.session.resumeReceiving();
  await h.done;
  t.same(texts(h.rec.messages), ['x']);
  t.equal(h.rec.closed[0]?.initiator, 'peer');
});

t.test('the heartbeat is suspended while paused (a pong could not be read) and restarts on resume', async (t) => {
  const h = harness({ limits: { pingIntervalMs: 40, pongTimeoutMs: 60 } });
  await tick(5);
  h.session.pauseReceiving();
  await tick(250);
  t.equal(h.tx.frames().filter((f) => f.opcode === OP.PING).length, 0, 'no ping while paused');
  t.notOk(h.tx.aborted, 'and not dropped for a missing pong');
  h.session.resumeReceiving();
  const [f] = await h.tx.waitFrames(1);
  t.equal(f?.opcode, OP.PING, 'pings resume after resumeReceiving');
  h.tx.send(clientFrame(OP.PONG));
  h.session.close();
});
