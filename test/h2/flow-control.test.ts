import t from 'tap';
import { ReceiveWindow, SendWindow, sendAllowance } from '../../lib/h2/flow-control.js';

const MAX = 2 ** 31 - 1;

t.test('send window: WINDOW_UPDATE increases, overflow past 2^31-1 is refused', async (t) => {
  const rows: Array<[initial: number, inc: number, ok: boolean, after: number]> = [
    [65_535, 1, true, 65_536],
    [0, MAX, true, MAX],
    [1, MAX, false, 1],
    [MAX, 1, false, MAX],
    [-100, MAX, true, MAX - 100],
  ];
  for (const [initial, inc, ok, after] of rows) {
    const w = new SendWindow(initial);
    t.equal(w.increase(inc), ok, `${initial} + ${inc}`);
    t.equal(w.size, after);
  }
});

t.test('send window: SETTINGS_INITIAL_WINDOW_SIZE shift may go negative, overflow refused', async (t) => {
  const w = new SendWindow(65_535);
  w.consume(60_000);
  t.ok(w.shift(16_384 - 65_535), 'shrink');
  t.equal(w.size, 5535 - 49_151, 'negative window after a shrink (§6.9.2)');
  t.ok(w.size < 0);
  t.equal(sendAllowance(w, new SendWindow(1_000_000)), 0, 'allowance never negative');
  t.ok(w.increase(50_000));
  t.equal(sendAllowance(w, new SendWindow(1_000_000)), w.size);
  const big = new SendWindow(MAX - 10);
  t.notOk(big.shift(11), 'shift past 2^31-1 is FLOW_CONTROL_ERROR');
  t.equal(big.size, MAX - 10, 'unchanged on refusal');
});

t.test('send window: consuming more than the window is a bug and throws', async (t) => {
  const w = new SendWindow(10);
  t.throws(() => w.consume(11), RangeError);
  w.consume(10);
  t.equal(w.size, 0);
});

t.test('allowance is min(stream, connection), never negative', async (t) => {
  const rows: Array<[number, number, number]> = [
    [100, 50, 50],
    [50, 100, 50],
    [0, 100, 0],
    [-5, 100, 0],
    [100, 0, 0],
  ];
  for (const [s, c, want] of rows) t.equal(sendAllowance(new SendWindow(s), new SendWindow(c)), want, `min(${s}, ${c})`);
});

t.test('property: bytes in flight never exceed the credit granted', async (t) => {
  // Seeded LCG: a sender that only ever sends min(want, allowance) against a
  // receiver granting random WINDOW_UPDATEs and SETTINGS changes.
  let seed = 12345;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  for (let run = 0; run < 200; run++) {
    let initial = 65_535;
    const conn = new SendWindow(65_535);
    const streams = [new SendWindow(initial), new SendWindow(initial), new SendWindow(initial)];
    const granted = [initial, initial, initial];
    const sent = [0, 0, 0];
    let connGranted = 65_535;
    let connSent = 0;
    for (let step = 0; step < 200; step++) {
      const op = rand(4);
      const i = rand(3);
      if (op === 0) {
        const n = Math.min(rand(40_000), sendAllowance(streams[i]!, conn));
        streams[i]!.consume(n);
        conn.consume(n);
        sent[i]! += n;
        connSent += n;
      } else if (op === 1) {
        const inc = 1 + rand(30_000);
        if (streams[i]!.increase(inc)) granted[i]! += inc;
      } else if (op === 2) {
        const inc = 1 + rand(30_000);
        if (conn.increase(inc)) connGranted += inc;
      } else {
        const next = rand(200_000);
        const delta = next - initial;
        if (streams.every((s) => s.size + delta <= MAX)) {
          streams.forEach((s, k) => {
            s.shift(delta);
            granted[k]! += delta;
          });
          initial = next;
        }
      }
      for (let k = 0; k < 3; k++) {
        if (sent[k]! > granted[k]!) return t.fail(`run ${run} step ${step}: stream ${k} sent ${sent[k]} > granted ${granted[k]}`);
        if (granted[k]! - sent[k]! !== streams[k]!.size) return t.fail('window bookkeeping drifted');
      }
      if (connSent > connGranted) return t.fail(`connection sent ${connSent} > granted ${connGranted}`);
    }
  }
  t.pass('200 random runs: never past credit, windows equal granted - sent');
});

t.test('receive window: refuses data beyond the window', async (t) => {
  const w = new ReceiveWindow(1000);
  t.ok(w.receive(600));
  t.notOk(w.receive(401), 'FLOW_CONTROL_ERROR');
  t.ok(w.receive(400));
  t.equal(w.available, 0);
});

t.test('receive window: WINDOW_UPDATE only once enough is consumed', async (t) => {
  const w = new ReceiveWindow(1 << 20);
  t.ok(w.receive(1 << 20));
  // threshold = max(4096, target/16) = 65536
  t.equal(w.release(1000), 1000, 'the peer is stalled (unsent >= available): announce at once');
  const w2 = new ReceiveWindow(1 << 20);
  t.ok(w2.receive(100_000));
  t.equal(w2.release(60_000), 0, 'below a sixteenth of the window: keep accumulating');
  t.equal(w2.release(5536), 65_536, 'a sixteenth reached: announce all of it');
  t.equal(w2.available, (1 << 20) - 100_000 + 65_536);
});

t.test('receive window: grow announces at once and never past 2^31-1', async (t) => {
  const w = new ReceiveWindow(16 << 20, 65_535);
  t.equal(w.grow((16 << 20) - 65_535), (16 << 20) - 65_535);
  t.equal(w.available, 16 << 20);
  const full = new ReceiveWindow(MAX);
  t.equal(full.grow(10), 0, 'capped at 2^31-1');
});
