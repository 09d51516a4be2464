/**
 * Property test: any sequence of valid client messages, fragmented at random,
 * with pings between fragments, cut into random chunks, comes back as the
 * same messages in the same order, each ping answered once.
 */
import t from 'tap';
import { clientFrame, OP } from './support/frames.js';
import { harness } from './support/harness.js';
import { rng } from '../support/random.js';

for (const seed of [1, 2, 3, 42, 1234]) {
  t.test(`random fragmentation and chunking, seed ${seed}`, async (t) => {
    const rand = rng(seed);
    const int = (n: number) => Math.floor(rand() * n);
    const h = harness();
    const expected: Array<{ opcode: number; payload: string }> = [];
    const wire: Buffer[] = [];
    for (let m = 0; m < 40; m++) {
      const binary = rand() < 0.5;
      const text = Array.from({ length: int(3000) }, () => String.fromCodePoint(rand() < 0.9 ? 0x61 + int(26) : 0x3b1 + int(20))).join('');
      const payload = binary ? Buffer.from(text).reverse() : Buffer.from(text);
      const parts = 1 + int(5);
      const cuts = Array.from({ length: parts - 1 }, () => int(payload.length + 1)).sort((a, b) => a - b);
      let from = 0;
      let after: { opcode: number; payload: string } | null = null;
      for (let i = 0; i < parts; i++) {
        const last = i === parts - 1;
        const to = last ? payload.length : (cuts[i] as number);
        wire.push(clientFrame(i === 0 ? (binary ? OP.BINARY : OP.TEXT) : OP.CONT, payload.subarray(from, to), { fin: last }));
        if (rand() < 0.3) {
          const p = `ping ${m}.${i}`;
          wire.push(clientFrame(OP.PING, p));
          // A ping inside a message is answered before the echo; one after the last fragment, after it.
          if (last) after = { opcode: OP.PONG, payload: p };
          else expected.push({ opcode: OP.PONG, payload: p });
        }
        from = to;
      }
      expected.push({ opcode: binary ? OP.BINARY : OP.TEXT, payload: payload.toString('latin1') });
      if (after) expected.push(after);
    }
    const all = Buffer.concat(wire);
    for (let off = 0; off < all.length; ) {
      const n = 1 + int(700);
      h.tx.send(all.subarray(off, off + n));
      off += n;
    }
    const frames = await h.tx.waitFrames(expected.length, 20_000);
    t.same(
      frames.map((f) => ({ opcode: f.opcode, payload: f.payload.toString('latin1') })),
      expected,
    );
    t.equal(h.rec.closed.length, 0, 'no error');
  });
}
