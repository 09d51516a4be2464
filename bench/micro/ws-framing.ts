/**
 * WebSocket framing micro-benchmarks: the server framer (unmasked frames
 * around a payload that is not copied) and parsing masked client frames
 * with the receiver Sluice uses (ws's Receiver), for a 64-byte chat message
 * and a 16 KiB binary message.
 * @module
 */
import type { Bench } from 'tinybench';
import { WriteMode } from '../../lib/http/write-mode.js';
import { wsFramer } from '../../lib/ws/framer.js';
import { Receiver, Sender } from '../../lib/ws/ws-lib.js';

export function register(bench: Bench): void {
  const chat = Buffer.from('x'.repeat(64));
  const big = Buffer.alloc(16 << 10, 7);
  bench.add('ws frame 64 B text (server)', () => {
    wsFramer(chat, WriteMode.TEXT);
  });
  bench.add('ws frame 16 KiB binary (server)', () => {
    wsFramer(big, WriteMode.BINARY);
  });
  // 100 masked client text frames in one read, as a busy chat sender's socket delivers them.
  const one = Buffer.concat(Sender.frame(chat, { opcode: 1, fin: true, mask: true, readOnly: false }));
  const read = Buffer.concat(Array.from({ length: 100 }, () => one));
  const rx = new Receiver({ isServer: true, maxPayload: 1 << 20, allowSynchronousEvents: true });
  let messages = 0;
  rx.on('message', () => {
    messages++;
  });
  // The receiver unmasks in place, so every round parses a fresh copy (the 6.6 KB copy is part of the figure).
  bench.add('ws parse 100 masked 64 B frames (ws Receiver)', () => {
    rx.write(Buffer.from(read));
  });
  bench.add('ws parse: messages seen so far (sanity, must be > 0)', () => {
    if (messages === 0) throw new Error('the receiver parsed nothing');
  });
}
