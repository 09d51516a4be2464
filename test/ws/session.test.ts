/**
 * A WebSocket session driven without a socket: masked client frames in,
 * server frames out. RFC 6455 §5 (framing), §6 (data), §7 (closing).
 */
import t from 'tap';
import { CloseCode } from '../../lib/ws/close-codes.js';
import { WriteMode } from '../../lib/http/write-mode.js';
import { MAX_QUEUED_PONGS } from '../../lib/ws/session.js';
import { clientFrame, closeFrame, closeOf, OP } from './support/frames.js';
import { harness, recordingProtocol } from './support/harness.js';

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

t.test('§5.7: a masked "Hello" (the RFC bytes) is echoed unmasked', async (t) => {
  const h = harness();
  h.tx.send(Buffer.from('818537fa213d7f9f4d5158', 'hex'));
  const [f] = await h.tx.waitFrames(1);
  t.equal(Buffer.concat(h.tx.output).toString('hex'), '810548656c6c6f');
  t.equal(f?.opcode, OP.TEXT);
  t.equal(h.rec.messages[0]?.kind, 'text');
  t.equal(h.rec.messages[0]?.data.toString(), 'Hello');
});

t.test('the framer is installed and frames go out through tx.write with WebSocket modes', async (t) => {
  const h = harness();
  t.ok(h.tx.framer, 'useFramer() called');
  h.tx.send(clientFrame(OP.BINARY, Buffer.from([1, 2, 3])));
  const [f] = await h.tx.waitFrames(1);
  t.equal(f?.opcode, OP.BINARY);
  t.same([...(f?.payload ?? [])], [1, 2, 3]);
  t.equal(h.rec.messages[0]?.kind, 'binary');
});

t.test('bytes split at every boundary still parse', async (t) => {
  const h = harness();
  const bytes = Buffer.concat([clientFrame(OP.TEXT, 'split me'), clientFrame(OP.BINARY, Buffer.alloc(300, 9))]);
  for (let i = 0; i < bytes.length; i++) h.tx.send(bytes.subarray(i, i + 1));
  const frames = await h.tx.waitFrames(2);
  t.equal(frames[0]?.payload.toString(), 'split me');
  t.equal(frames[1]?.payload.length, 300);
});

t.test('§5.4: fragments are reassembled into one message; a ping between fragments is answered first', async (t) => {
  const h = harness();
  h.tx.send(clientFrame(OP.TEXT, 'Hel', { fin: false }), clientFrame(OP.PING, 'p1'), clientFrame(OP.CONT, 'l', { fin: false }), clientFrame(OP.CONT, 'o'));
  const frames = await h.tx.waitFrames(2);
  t.equal(frames[0]?.opcode, OP.PONG);
  t.equal(frames[0]?.payload.toString(), 'p1', 'pong carries the ping payload (§5.5.3)');
  t.equal(frames[1]?.opcode, OP.TEXT);
  t.equal(frames[1]?.payload.toString(), 'Hello');
  t.equal(h.rec.messages.length, 1, 'one message, not one per fragment');
});

t.test('empty messages, empty fragments, and 16/64-bit lengths', async (t) => {
  const h = harness();
  h.tx.send(
    clientFrame(OP.TEXT, ''),
    clientFrame(OP.BINARY, Buffer.alloc(0), { fin: false }),
    clientFrame(OP.CONT, Buffer.alloc(0), { fin: false }),
    clientFrame(OP.CONT, Buffer.alloc(0)),
    clientFrame(OP.BINARY, Buffer.alloc(126, 1)),
    clientFrame(OP.BINARY, Buffer.alloc(65536, 2)),
  );
  const frames = await h.tx.waitFrames(4);
  t.same(
    frames.map((f) => [f.opcode, f.payload.length]),
    [
      [OP.TEXT, 0],
      [OP.BINARY, 0],
      [OP.BINARY, 126],
      [OP.BINARY, 65536],
    ],
  );
});

/** Protocol errors: each closes with the code and ends the transport (§7.1.7). */
const failures: Array<[string, () => Buffer[], number]> = [
  ['unmasked client frame (§5.1)', () => [clientFrame(OP.TEXT, 'x', { mask: false })], CloseCode.PROTOCOL_ERROR],
  ['RSV1 without an extension (§5.2)', () => [clientFrame(OP.TEXT, 'x', { rsv1: true })], CloseCode.PROTOCOL_ERROR],
  ['RSV2 (§5.2)', () => [clientFrame(OP.TEXT, 'x', { rsv2: true })], CloseCode.PROTOCOL_ERROR],
  ['RSV3 (§5.2)', () => [clientFrame(OP.TEXT, 'x', { rsv3: true })], CloseCode.PROTOCOL_ERROR],
  ['reserved data opcode 3 (§5.2)', () => [clientFrame(0x3, 'x')], CloseCode.PROTOCOL_ERROR],
  ['reserved control opcode 0xB (§5.2)', () => [clientFrame(0xb, 'x')], CloseCode.PROTOCOL_ERROR],
  ['continuation without a start (§5.4)', () => [clientFrame(OP.CONT, 'x')], CloseCode.PROTOCOL_ERROR],
  ['new data frame inside a fragmented message (§5.4)', () => [clientFrame(OP.TEXT, 'a', { fin: false }), clientFrame(OP.TEXT, 'b')], CloseCode.PROTOCOL_ERROR],
  ['fragmented ping (§5.5)', () => [clientFrame(OP.PING, 'x', { fin: false })], CloseCode.PROTOCOL_ERROR],
  ['ping with 126 bytes (§5.5)', () => [clientFrame(OP.PING, Buffer.alloc(126))], CloseCode.PROTOCOL_ERROR],
  ['close with a 1-byte payload (§5.5.1)', () => [clientFrame(OP.CLOSE, Buffer.from([3]))], CloseCode.PROTOCOL_ERROR],
  ['close with a 124-byte reason: 126-byte control payload (§5.5)', () => [closeFrame(1000, 'r'.repeat(124))], CloseCode.PROTOCOL_ERROR],
  ['close with code 999 (§7.4)', () => [closeFrame(999)], CloseCode.PROTOCOL_ERROR],
  ['close with code 1005 on the wire (§7.4.1)', () => [closeFrame(1005)], CloseCode.PROTOCOL_ERROR],
  ['close with code 1006 on the wire (§7.4.1)', () => [closeFrame(1006)], CloseCode.PROTOCOL_ERROR],
  ['close with code 1015 on the wire (§7.4.1)', () => [closeFrame(1015)], CloseCode.PROTOCOL_ERROR],
  ['close with code 2999 (§7.4.2)', () => [closeFrame(2999)], CloseCode.PROTOCOL_ERROR],
  ['close with code 5000 (§7.4.2)', () => [closeFrame(5000)], CloseCode.PROTOCOL_ERROR],
  ['invalid UTF-8 text (§8.1)', () => [clientFrame(OP.TEXT, Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80]))], CloseCode.INVALID_PAYLOAD],
  ['invalid UTF-8 across fragments (§8.1)', () => [clientFrame(OP.TEXT, Buffer.from([0xf0, 0x90]), { fin: false }), clientFrame(OP.CONT, Buffer.from([0x80]))], CloseCode.INVALID_PAYLOAD],
  ['invalid UTF-8 in a close reason (§7.1.6)', () => [clientFrame(OP.CLOSE, Buffer.from([0x03, 0xe8, 0xff, 0xfe]))], CloseCode.INVALID_PAYLOAD],
];
for (const [name, frames, code] of failures) {
  t.test(`fails the connection: ${name} → ${code}`, async (t) => {
    const h = harness();
    h.tx.send(...frames());
    const out = await h.tx.waitFrames(1);
    const last = out[out.length - 1];
    t.equal(last?.opcode, OP.CLOSE);
    t.equal(last && closeOf(last).code, code);
    await tick();
    t.ok(h.tx.ended, 'transport ended after the close frame');
    t.equal(h.rec.closed.length, 1);
    t.equal(h.rec.closed[0]?.code, code);
    t.equal(h.rec.closed[0]?.wasClean, false);
    t.equal(h.rec.closed[0]?.initiator, 'server');
    t.equal(h.rec.messages.length, 0, 'nothing delivered');
  });
}

t.test('a valid message before a bad frame is delivered, then the close', async (t) => {
  const h = harness();
  h.tx.send(Buffer.concat([clientFrame(OP.TEXT, 'ok'), clientFrame(0x3, 'bad')]));
  const frames = await h.tx.waitFrames(2);
  t.same(
    frames.map((f) => f.opcode),
    [OP.TEXT, OP.CLOSE],
  );
  t.equal(frames[0]?.payload.toString(), 'ok');
});

t.test('maxMessageSize → 1009, for a single frame and for fragments', async (t) => {
  for (const frames of [[clientFrame(OP.BINARY, Buffer.alloc(101))], [clientFrame(OP.BINARY, Buffer.alloc(60), { fin: false }), clientFrame(OP.CONT, Buffer.alloc(60))]]) {
    const h = harness({ limits: { maxMessageSize: 100 } });
    h.tx.send(...frames);
    const out = await h.tx.waitFrames(1);
    t.equal(out[0] && closeOf(out[0]).code, CloseCode.MESSAGE_TOO_BIG);
    t.equal(h.rec.closed[0]?.code, 1009);
  }
  const ok = harness({ limits: { maxMessageSize: 100 } });
  ok.tx.send(clientFrame(OP.BINARY, Buffer.alloc(100)));
  const out = await ok.tx.waitFrames(1);
  t.equal(out[0]?.payload.length, 100, 'exactly the limit passes');
});

t.test('maxFragments → 1008', async (t) => {
  const h = harness({ limits: { maxFragments: 3 } });
  h.tx.send(clientFrame(OP.TEXT, 'a', { fin: false }), clientFrame(OP.CONT, 'b', { fin: false }), clientFrame(OP.CONT, 'c', { fin: false }), clientFrame(OP.CONT, 'd'));
  const out = await h.tx.waitFrames(1);
  t.equal(out[0] && closeOf(out[0]).code, CloseCode.POLICY_VIOLATION);
});

t.test('§7: the peer closes; we answer with its code and end the transport', async (t) => {
  const h = harness();
  h.tx.send(clientFrame(OP.TEXT, 'before'), closeFrame(1000, 'bye'), clientFrame(OP.TEXT, 'after close: ignored'));
  const frames = await h.tx.waitFrames(2);
  await tick();
  t.same(
    frames.map((f) => f.opcode),
    [OP.TEXT, OP.CLOSE],
  );
  t.equal(frames[1] && closeOf(frames[1]).code, 1000);
  t.ok(h.tx.ended);
  t.same(h.rec.closed, [{ code: 1000, reason: 'bye', wasClean: true, initiator: 'peer' }]);
  t.equal(h.rec.messages.length, 1);
  t.equal(h.session.open, false);
  await t.rejects(h.session.send('late'), { code: 'WS_ERR_CLOSED' });
  t.equal(h.ctx.size, 0, 'removed from the protocol context');
});

t.test('a close without a code is answered with an empty close (1005 reported)', async (t) => {
  const h = harness();
  h.tx.send(closeFrame());
  const [f] = await h.tx.waitFrames(1);
  t.equal(f?.payload.length, 0);
  t.equal(h.rec.closed[0]?.code, 1005);
});

t.test('application close codes 3000-4999 and 1000-1003/1007-1014 are accepted and echoed', async (t) => {
  for (const code of [1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]) {
    const h = harness();
    h.tx.send(closeFrame(code));
    const [f] = await h.tx.waitFrames(1);
    t.equal(f && closeOf(f).code, code, `${code}`);
  }
});

t.test('§7.1.2: the server closes; the session waits for the peer close, then ends', async (t) => {
  const h = harness();
  await tick();
  h.session.close(4001, 'done here');
  const [f] = await h.tx.waitFrames(1);
  t.same(f && closeOf(f), { code: 4001, reason: 'done here' });
  t.equal(h.tx.ended, false, 'waits for the peer');
  h.tx.send(clientFrame(OP.TEXT, 'in flight: not delivered'), closeFrame(4001));
  await h.done;
  t.ok(h.tx.ended);
  t.same(h.rec.closed, [{ code: 4001, reason: 'done here', wasClean: true, initiator: 'server' }]);
  t.equal(h.rec.messages.length, 0);
  t.equal(h.tx.frames().length, 1, 'exactly one close frame sent');
});

t.test('closeTimeoutMs: no close frame back → transport dropped', async (t) => {
  const h = harness({ limits: { closeTimeoutMs: 50 } });
  await tick();
  h.session.close();
  await tick(150);
  t.ok(h.tx.aborted);
  t.equal(h.rec.closed[0]?.wasClean, false);
  t.match(h.logs.join('\n'), /no close frame/);
});

t.test('close() validates code and reason', async (t) => {
  const h = harness();
  for (const code of [999, 1004, 1005, 1006, 1015, 2000, 5000]) t.throws(() => h.session.close(code), { code: 'WS_ERR_INVALID_CLOSE' }, `${code}`);
  t.throws(() => h.session.close(1000, 'x'.repeat(124)), { code: 'WS_ERR_INVALID_CLOSE' });
  t.doesNotThrow(() => h.session.close(1000, 'x'.repeat(123)));
});

t.test('transport lost → closed 1006 (initiator transport)', async (t) => {
  const h = harness();
  await tick();
  h.tx.lose();
  await tick();
  t.same(h.rec.closed, [{ code: 1006, reason: '', wasClean: false, initiator: 'transport' }]);
});

t.test('peer ends its side without a close frame → 1006', async (t) => {
  const h = harness();
  h.tx.body.end(clientFrame(OP.TEXT, 'last'));
  await h.done;
  t.equal(h.rec.messages.length, 1);
  t.same(h.rec.closed, [{ code: 1006, reason: '', wasClean: false, initiator: 'transport' }]);
  t.ok(h.tx.ended);
});

t.test('a protocol that throws in receive → 1011, logged', async (t) => {
  const h = harness({
    protocol: (rec) =>
      recordingProtocol(rec, {
        receive: () => {
          throw new Error('boom');
        },
      }),
  });
  h.tx.send(clientFrame(OP.TEXT, 'x'));
  const [f] = await h.tx.waitFrames(1);
  t.equal(f && closeOf(f).code, CloseCode.INTERNAL_ERROR);
  t.match(h.logs.join('\n'), /threw in receive: Error: boom/);
});

t.test('a protocol that throws in established → 1011, closed is not called', async (t) => {
  const h = harness({
    protocol: (rec) =>
      recordingProtocol(rec, {
        established: () => {
          throw new Error('no');
        },
      }),
  });
  const [f] = await h.tx.waitFrames(1);
  t.equal(f && closeOf(f).code, CloseCode.INTERNAL_ERROR);
  t.equal(h.rec.closed.length, 0);
});

t.test('receive waits for the previous message (in order, one at a time)', async (t) => {
  const order: string[] = [];
  let active = 0;
  let maxActive = 0;
  const h = harness({
    protocol: (rec) =>
      recordingProtocol(rec, {
        receive: async (_s, m) => {
          active++;
          maxActive = Math.max(maxActive, active);
          await tick(5);
          order.push(m.data.toString());
          active--;
        },
      }),
  });
  h.tx.send(Buffer.concat(['1', '2', '3', '4'].map((s) => clientFrame(OP.TEXT, s))));
  while (order.length < 4) await tick(10);
  t.same(order, ['1', '2', '3', '4']);
  t.equal(maxActive, 1);
});

t.test('send(): strings are text, Buffers binary; kind overrides', async (t) => {
  const h = harness();
  await tick();
  await h.session.send('txt');
  await h.session.send(Buffer.from('bin'));
  await h.session.send(Buffer.from('as text'), 'text');
  t.same(
    h.tx.frames().map((f) => f.opcode),
    [OP.TEXT, OP.BINARY, OP.TEXT],
  );
});

t.test('maxBufferedAmount: one message always fits; more than the limit is refused, not queued', async (t) => {
  const h = harness({ limits: { maxBufferedAmount: 1000 } });
  await tick();
  h.tx.hold = true;
  const big = h.session.send(Buffer.alloc(5000));
  t.equal(h.session.bufferedAmount, 5004, 'payload + 4-byte header');
  await t.rejects(h.session.send(Buffer.alloc(10)), { code: 'WS_ERR_BUFFER_FULL' });
  t.equal(h.session.allowance(), 0, 'no credit while held');
  h.tx.release();
  await big;
  t.equal(h.session.bufferedAmount, 0);
  const a = h.session.send(Buffer.alloc(400));
  h.tx.hold = true;
  const b = h.session.send(Buffer.alloc(400));
  await t.rejects(h.session.send(Buffer.alloc(400)), { code: 'WS_ERR_BUFFER_FULL' });
  h.tx.release();
  await Promise.all([a, b]);
  t.equal(h.tx.frames().length, 3);
});

t.test('requestWritable: fires once per request, only when nothing is buffered', async (t) => {
  const h = harness();
  await tick();
  h.tx.hold = true;
  const p = h.session.send('queued');
  h.session.requestWritable();
  h.session.requestWritable();
  await tick(50);
  t.equal(h.rec.writable, 0, 'held while our frame waits for credit');
  h.tx.release();
  await p;
  await tick(50);
  t.equal(h.rec.writable, 1, 'fired once after the buffer drained');
  await tick(50);
  t.equal(h.rec.writable, 1, 'not again without a new request');
  h.ctx.requestWritableAll();
  await tick(50);
  t.equal(h.rec.writable, 2, 'requestWritableAll reaches the session');
});

t.test('writable handler that sends and re-arms (lws style) drains a backlog in order', async (t) => {
  const backlog = ['a', 'b', 'c', 'd'];
  const h = harness({
    protocol: (rec) =>
      recordingProtocol(rec, {
        writable: async (s) => {
          const next = backlog.shift();
          if (next === undefined) return;
          await s.send(next);
          if (backlog.length > 0) s.requestWritable();
        },
      }),
  });
  await tick();
  h.session.requestWritable();
  const frames = await h.tx.waitFrames(4);
  t.same(
    frames.map((f) => f.payload.toString()),
    ['a', 'b', 'c', 'd'],
  );
});

t.test('§5.5.3: each ping of a burst is answered in order', async (t) => {
  const h = harness();
  h.tx.send(Buffer.concat(Array.from({ length: 10 }, (_v, i) => clientFrame(OP.PING, `p${i}`))));
  const frames = await h.tx.waitFrames(10);
  t.same(
    frames.map((f) => f.payload.toString()),
    Array.from({ length: 10 }, (_v, i) => `p${i}`),
  );
});

t.test('§5.5.3: pongs do not pile up past MAX_QUEUED_PONGS while writes wait for credit; the newest ping wins', async (t) => {
  const h = harness({ protocol: (rec) => recordingProtocol(rec, { receive: () => {} }) });
  await tick();
  h.tx.hold = true;
  const p = h.session.send(Buffer.alloc(10));
  const n = MAX_QUEUED_PONGS + 8;
  h.tx.send(Buffer.concat(Array.from({ length: n }, (_v, i) => clientFrame(OP.PING, `p${i}`))));
  await tick(50);
  h.tx.release();
  await p;
  await tick(50);
  const pongs = h.tx.frames().filter((f) => f.opcode === OP.PONG);
  t.equal(pongs.length, MAX_QUEUED_PONGS);
  t.equal(pongs[0]?.payload.toString(), 'p0');
  t.equal(pongs[MAX_QUEUED_PONGS - 1]?.payload.toString(), `p${n - 1}`);
});

t.test('unsolicited pongs are ignored (§5.5.3)', async (t) => {
  const h = harness();
  h.tx.send(clientFrame(OP.PONG, 'hi'), clientFrame(OP.TEXT, 'x'));
  const frames = await h.tx.waitFrames(1);
  t.equal(frames[0]?.opcode, OP.TEXT);
});

t.test('heartbeat: idle → ping; no pong → transport dropped, closed 1006', async (t) => {
  const h = harness({ limits: { pingIntervalMs: 40, pongTimeoutMs: 60 } });
  const [f] = await h.tx.waitFrames(1);
  t.equal(f?.opcode, OP.PING);
  await tick(200);
  t.ok(h.tx.aborted);
  t.equal(h.rec.closed[0]?.code, 1006);
  t.equal(h.rec.closed[0]?.initiator, 'server');
  t.match(h.logs.join('\n'), /no pong/);
});

t.test('heartbeat: a peer that answers pings stays open', async (t) => {
  const h = harness({ limits: { pingIntervalMs: 40, pongTimeoutMs: 60 } });
  for (let i = 0; i < 5; i++) {
    const frames = await h.tx.waitFrames(i + 1);
    t.equal(frames[i]?.opcode, OP.PING);
    h.tx.send(clientFrame(OP.PONG));
  }
  t.notOk(h.tx.aborted);
  t.equal(h.rec.closed.length, 0);
  h.session.close();
});

t.test('write modes used: TEXT/BINARY/PING/PONG/CLOSE reach tx.write', async (t) => {
  const modes: number[] = [];
  const h = harness();
  const orig = h.tx.write.bind(h.tx);
  h.tx.write = (d, m) => {
    if (m !== undefined) modes.push(m);
    return orig(d, m);
  };
  h.tx.send(clientFrame(OP.PING, ''), clientFrame(OP.TEXT, 't'), clientFrame(OP.BINARY, 'b'), closeFrame(1000));
  await h.tx.waitFrames(4);
  t.same(modes, [WriteMode.PONG, WriteMode.TEXT, WriteMode.BINARY, WriteMode.CLOSE]);
});

t.test('a peer that never lets our close frame out is dropped after closeTimeoutMs', async (t) => {
  const h = harness({ limits: { closeTimeoutMs: 50 } });
  await tick();
  h.tx.hold = true;
  h.tx.send(clientFrame(0x3, 'bad opcode'));
  await tick(200);
  t.ok(h.tx.aborted, 'transport dropped');
  t.equal(h.rec.closed[0]?.code, 1002);
  t.match(h.logs.join('\n'), /close frame not delivered/);
});

t.test('shutdown signal: one listener however many sessions; ended sessions unsubscribe; abort closes the rest with 1001', async (t) => {
  const { onShutdown } = await import('../../lib/ws/shutdown.js');
  const ac = new AbortController();
  const calls: number[] = [];
  const offs = Array.from({ length: 50 }, (_v, i) => onShutdown(ac.signal, () => calls.push(i)));
  const { EventEmitter } = await import('node:events');
  t.equal(EventEmitter.getEventListeners(ac.signal, 'abort').length, 1, 'a single abort listener');
  for (let i = 0; i < 49; i++) offs[i]?.();
  ac.abort();
  t.same(calls, [49], 'only the session still open is told');
  let late = false;
  onShutdown(ac.signal, () => (late = true));
  t.ok(late, 'an already aborted signal calls at once');

  const ac2 = new AbortController();
  const sessions = [harness({ shutdown: ac2.signal }), harness({ shutdown: ac2.signal }), harness({ shutdown: ac2.signal })];
  await tick();
  sessions[2]?.tx.send(closeFrame(1000));
  await sessions[2]?.tx.waitFrames(1);
  ac2.abort();
  for (const s of sessions.slice(0, 2)) {
    const [f] = await s.tx.waitFrames(1);
    t.same(f && closeOf(f), { code: 1001, reason: 'server shutting down' });
  }
  t.equal(sessions[2]?.tx.frames().length, 1, 'the session that had ended got nothing more');
});

t.test('heartbeat: the pong wait starts when the ping gets out, not while it waits behind a slow transfer', async (t) => {
  const h = harness({ limits: { pingIntervalMs: 30, pongTimeoutMs: 40 } });
  await tick();
  h.tx.hold = true;
  const big = h.session.send(Buffer.alloc(100_000));
  await tick(250);
  t.notOk(h.tx.aborted, 'not dropped while our own frames wait for credit');
  h.tx.release();
  await big;
  await tick(250);
  t.ok(h.tx.aborted, 'dropped once the ping was out and nothing came back');
  t.equal(h.tx.frames().filter((f) => f.opcode === OP.PING).length, 1, 'one ping, not one per interval while stuck');
});

t.test('sendStallTimeoutMs: a peer that takes none of our frames is dropped (1006); one that takes them slowly is not', async (t) => {
  const stalled = harness({ limits: { sendStallTimeoutMs: 200 } });
  await tick();
  stalled.tx.hold = true;
  void stalled.session.send('never delivered').catch(() => {});
  await tick(100);
  t.equal(stalled.rec.closed.length, 0, 'not before the limit');
  await tick(300);
  t.equal(stalled.rec.closed[0]?.code, CloseCode.ABNORMAL);
  t.equal(stalled.rec.closed[0]?.reason, 'send stalled');
  t.equal(stalled.rec.closed[0]?.initiator, 'server');
  t.ok(stalled.tx.aborted, 'the transport is dropped: no close frame can reach such a peer');
  t.match(stalled.logs.join('\n'), /took none of our frames for 200 ms/);

  const slow = harness({ limits: { sendStallTimeoutMs: 200 } });
  await tick();
  slow.tx.hold = true;
  const sends = Array.from({ length: 6 }, (_, i) => slow.session.send(`m${i}`));
  for (let i = 0; i < 6; i++) {
    await tick(120); // each frame is taken within the limit, the whole queue takes longer than it
    slow.tx.hold = false;
    slow.tx.release();
    slow.tx.hold = i < 5;
  }
  await Promise.all(sends);
  t.equal(slow.rec.closed.length, 0, 'progress keeps the session');
  t.equal(slow.tx.aborted, false);
});
