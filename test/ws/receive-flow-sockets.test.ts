/**
 * pauseReceiving() over real sockets: a protocol pauses a sender for
 * PAUSE_MS while the client keeps sending (16 MiB, far more than any
 * buffer). The bytes the server reads from that connection meanwhile
 * (socket.bytesRead, taken from the `net.server.socket` diagnostics channel)
 * stay within one socket buffer plus one message over HTTP/1.1, and within
 * one stream window over HTTP/2, where the peer's own flow control stops it.
 * After resumeReceiving() every message arrives, in order, none lost.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import t from 'tap';
import WebSocket from 'ws';
import { DEFAULT_H2_LIMITS } from '../../lib/index.js';
import type { Protocol, ProtocolFactory } from '../../protocols/types.js';
import { h2Connect, H2WsClient } from './support/h2-ws-client.js';
import { wsServer } from './support/ws-server.js';

const PAUSE_MS = 1500;
const MESSAGE = 1024;
const COUNT = 16_384; // 16 MiB: more than every bound below and than loopback's kernel buffers, so a pause that did not hold would show
/** One socket read: libuv reads at most 64 KiB at a time. */
const READ = 64 * 1024;
/**
 * h1: each stage holds at most its high-water mark plus the read that crossed
 * it: the tunnel body's queue (64 KiB, BODY_HIGH_WATER in
 * lib/server/h1-connection.ts), the body stream's buffer (16 KiB), the
 * socket's readable buffer (16 KiB), and the chunk being parsed into messages.
 */
const H1_BOUND = 64 * 1024 + 16 * 1024 + 16 * 1024 + 4 * READ;
/** h2: one stream window (SETTINGS_INITIAL_WINDOW_SIZE, 1 MiB) plus frame headers and the body stream's buffer. */
const H2_BOUND = DEFAULT_H2_LIMITS.initialWindowSize + 128 * 1024;

interface Probe {
  /** Server-side sockets accepted while the test runs. */
  sockets: Socket[];
  stop(): void;
}

function socketProbe(): Probe {
  const sockets: Socket[] = [];
  const onSocket = (msg: unknown): void => void sockets.push((msg as { socket: Socket }).socket);
  diagnostics.subscribe('net.server.socket', onSocket);
  return { sockets, stop: () => diagnostics.unsubscribe('net.server.socket', onSocket) };
}

/** A protocol that pauses on the first message for PAUSE_MS, measures what the server read meanwhile, then resumes. */
function holdProtocol(probe: Probe, seen: number[], measured: (held: number) => void): ProtocolFactory {
  return () => {
    const p: Protocol<null, null> = {
      name: 'hold',
      ws: { maxMessageSize: 64 * 1024, pingIntervalMs: 0 },
      init: () => null,
      established: () => null,
      receive: (s, m) => {
        seen.push(Number(m.data.subarray(0, 8).toString()));
        if (seen.length !== 1) return;
        s.pauseReceiving();
        setTimeout(() => {
          measured(probe.sockets.reduce((n, sock) => n + sock.bytesRead, 0));
          s.resumeReceiving();
        }, PAUSE_MS);
      },
    };
    return p;
  };
}

const payload = (i: number): Buffer => {
  const b = Buffer.alloc(MESSAGE, 0x2e);
  b.write(String(i).padStart(8, '0'));
  return b;
};

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const transport of ['h1', 'h2'] as const) {
  t.test(`${transport}: a sender paused for ${PAUSE_MS} ms is held by its own flow control; resumed, nothing is lost`, async (t) => {
    const probe = socketProbe();
    t.teardown(() => probe.stop());
    const seen: number[] = [];
    let held = -1;
    const { port } = await wsServer(t, { hold: { default: true } }, { registry: { hold: holdProtocol(probe, seen, (n) => (held = n)) } });

    let clientBuffered: number;
    if (transport === 'h1') {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      await new Promise((r) => ws.once('open', r));
      t.teardown(() => ws.terminate());
      for (let i = 0; i < COUNT; i++) ws.send(payload(i));
      await waitFor(() => held >= 0, PAUSE_MS + 5000, 'the pause to end');
      clientBuffered = ws.bufferedAmount;
    } else {
      const session = await h2Connect(port);
      t.teardown(() => session.destroy());
      const ws = await H2WsClient.open(session);
      t.equal(ws.status, 200);
      for (let i = 0; i < COUNT; i++) ws.send(payload(i));
      await waitFor(() => held >= 0, PAUSE_MS + 5000, 'the pause to end');
      clientBuffered = ws.stream.writableLength;
    }
    const bound = transport === 'h1' ? H1_BOUND : H2_BOUND;
    t.comment(`${transport}: the server read ${held} bytes during the pause; the client still held ${clientBuffered} bytes`);
    // The kernel's socket buffers take some on h1 (a few MiB on loopback); the rest must still be with the client.
    t.ok(clientBuffered > (COUNT * MESSAGE) / 4, `the client could not hand over its data (${clientBuffered} bytes still with it)`);
    t.ok(held <= bound, `${held} bytes read by the server while paused <= ${bound}`);
    await waitFor(() => seen.length === COUNT, 30_000, `all ${COUNT} messages`);
    t.same(seen, Array.from({ length: COUNT }, (_, i) => i), `all ${COUNT} messages arrived after the resume, in order, none lost`);
  });
}

t.test('h1: a session failed for a message too big reads no further: the rest of a 64 MiB message stays with TCP', async (t) => {
  const probe = socketProbe();
  t.teardown(() => probe.stop());
  const seen: number[] = [];
  const { port } = await wsServer(t, { hold: { default: true } }, { registry: { hold: holdProtocol(probe, seen, () => {}) } });
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  ws.on('error', () => {}); // the server drops the transport under the client's write: EPIPE/ECONNRESET are expected
  await new Promise((r) => ws.once('open', r));
  t.teardown(() => ws.terminate());
  ws.send(Buffer.alloc(64 << 20)); // maxMessageSize is 64 KiB: the frame header alone fails it
  await new Promise((r) => setTimeout(r, 1500));
  const read = probe.sockets.reduce((n, sock) => n + sock.bytesRead, 0);
  t.comment(`the server read ${read} bytes of the 64 MiB message`);
  t.ok(read <= H1_BOUND, `${read} bytes read after the failure <= ${H1_BOUND} (the peer's writes are left to TCP)`);
  t.same(seen, [], 'the protocol never saw the message');
});
