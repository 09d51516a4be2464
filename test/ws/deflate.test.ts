/**
 * permessage-deflate (RFC 7692) in a session: compressed client messages are
 * inflated (and bounded by maxMessageSize after inflation), replies above
 * the threshold go out compressed with RSV1, small ones uncompressed.
 */
import t from 'tap';
import { negotiateDeflate, type DeflateAgreement } from '../../lib/ws/deflate.js';
import { PerMessageDeflate } from '../../lib/ws/ws-lib.js';
import { clientFrame, closeOf, OP } from './support/frames.js';
import { harness } from './support/harness.js';

function agree(config: Parameters<typeof negotiateDeflate>[1], maxPayload = 1 << 20): DeflateAgreement {
  const a = negotiateDeflate('permessage-deflate; client_max_window_bits', config, maxPayload);
  if (a === null || 'ok' in a) throw new Error('no agreement');
  return a;
}

function clientPmd(): InstanceType<typeof PerMessageDeflate> {
  const pmd = new PerMessageDeflate({ isServer: false });
  pmd.accept([{}]);
  return pmd;
}

const compress = (pmd: InstanceType<typeof PerMessageDeflate>, data: Buffer) =>
  new Promise<Buffer>((resolve, reject) => pmd.compress(data, true, (err, out) => (err || !out ? reject(err) : resolve(out))));
const decompress = (pmd: InstanceType<typeof PerMessageDeflate>, data: Buffer) =>
  new Promise<Buffer>((resolve, reject) => pmd.decompress(data, true, (err, out) => (err || !out ? reject(err) : resolve(out))));

t.test('compressed in, compressed out above the threshold, plain below it', async (t) => {
  const h = harness({ deflate: agree({ threshold: 100 }) });
  const client = clientPmd();
  const text = Buffer.from('abcabcabc '.repeat(200));
  h.tx.send(clientFrame(OP.TEXT, await compress(client, text), { rsv1: true }));
  h.tx.send(clientFrame(OP.TEXT, 'small'));
  const frames = await h.tx.waitFrames(2);
  t.equal(h.rec.messages[0]?.data.toString(), text.toString(), 'inflated for the protocol');
  t.equal(frames[0]?.rsv1, true, 'large reply compressed (RSV1)');
  t.ok((frames[0]?.payload.length ?? 0) < text.length, 'and smaller on the wire');
  t.equal((await decompress(client, frames[0]?.payload ?? Buffer.alloc(0))).toString(), text.toString());
  t.equal(frames[1]?.rsv1, false, 'below the threshold: not compressed');
  t.equal(frames[1]?.payload.toString(), 'small');
});

t.test('maxMessageSize applies after inflation (zip bomb) → 1009', async (t) => {
  const h = harness({ deflate: agree(true, 1000), limits: { maxMessageSize: 1000 } });
  const bomb = await compress(clientPmd(), Buffer.alloc(100_000));
  t.ok(bomb.length < 1000, 'small on the wire');
  h.tx.send(clientFrame(OP.BINARY, bomb, { rsv1: true }));
  const [f] = await h.tx.waitFrames(1);
  t.equal(f && closeOf(f).code, 1009);
});

t.test('corrupt deflate data → 1007', async (t) => {
  const h = harness({ deflate: agree(true) });
  h.tx.send(clientFrame(OP.BINARY, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]), { rsv1: true }));
  const [f] = await h.tx.waitFrames(1);
  t.equal(f?.opcode, OP.CLOSE);
  t.equal(f && closeOf(f).code, 1007);
});

t.test('RSV1 on a continuation frame is a protocol error even with deflate (RFC 7692 §6.1)', async (t) => {
  const h = harness({ deflate: agree(true) });
  h.tx.send(clientFrame(OP.TEXT, 'a', { fin: false }), clientFrame(OP.CONT, 'b', { rsv1: true }));
  const [f] = await h.tx.waitFrames(1);
  t.equal(f && closeOf(f).code, 1002);
});
