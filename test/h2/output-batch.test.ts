/**
 * lib/h2/output-batch.ts: small writes of one tick are gathered into one
 * transport write, large ones pass through in order, and a write's `flushed`
 * callback runs only when the transport's write that carries it (or comes
 * after it) reports flushed: a DATA chunk's buffer is never reused early.
 */
import t from 'tap';
import { BATCH_COPY_MAX, batchingHost } from '../../lib/h2/output-batch.js';
import type { H2SessionHost } from '../../lib/h2/session.js';

function recordingHost(): { host: H2SessionHost; writes: Array<{ data: Buffer; flush: (() => void) | undefined }> } {
  const writes: Array<{ data: Buffer; flush: (() => void) | undefined }> = [];
  const host: H2SessionHost = {
    write: (data, flushed) => void writes.push({ data: Buffer.from(data), flush: flushed }),
    bufferedAmount: () => 0,
    end: () => {},
    onRequest: () => {},
  };
  return { host, writes };
}

const tick = (): Promise<void> => new Promise((r) => process.nextTick(r));

t.test('small writes of a tick go out as one write, in order, with large ones passed through between them', async (t) => {
  const { host, writes } = recordingHost();
  const b = batchingHost(host);
  b.write(Buffer.from('ab'));
  b.write(Buffer.from('cd'));
  const large = Buffer.alloc(BATCH_COPY_MAX + 1, 0x78);
  b.write(large);
  b.write(Buffer.from('ef'));
  t.same(writes.map((w) => w.data.toString().slice(0, 4)), ['abcd', 'xxxx'], 'the batch is flushed before the large write');
  await tick();
  t.same(writes.map((w) => w.data.toString().slice(0, 4)), ['abcd', 'xxxx', 'ef'], 'and the rest at the end of the tick');
});

t.test('flushed: passed with a large write, carried by the batch for a copied one, never called early', async (t) => {
  const { host, writes } = recordingHost();
  const b = batchingHost(host);
  const calls: string[] = [];
  const large = Buffer.alloc(BATCH_COPY_MAX + 1);
  b.write(large, () => calls.push('large'));
  b.write(Buffer.from('tail'), () => calls.push('small'));
  await tick();
  t.same(calls, [], 'nothing flushed yet: the transport has not said so');
  t.equal(writes.length, 2);
  writes[0]!.flush?.();
  t.same(calls, ['large'], 'the large write is flushed with its own transport write');
  writes[1]!.flush?.();
  t.same(calls, ['large', 'small'], "the copied write's callback rides on the batch's write");
  b.write(Buffer.from('x'));
  await tick();
  t.equal(writes[2]!.flush, undefined, 'a batch without callbacks carries none');
});
