/**
 * Gathers the small frames a session writes in one turn of the event loop
 * (HEADERS blocks, 9-octet DATA headers, small DATA payloads, control frames)
 * into one buffer, so the transport gets one write per turn instead of two or
 * three per response. Larger payloads are passed through without a copy,
 * after whatever was gathered before them, so the byte order never changes.
 *
 * Only the number of writes changes: what the session sends and when it may
 * send it (flow control) is decided before a byte gets here.
 * @module
 */
import type { H2SessionHost } from './session.js';

/** Writes up to this many octets are copied into the batch; larger ones go to the transport as they are. */
export const BATCH_COPY_MAX = 4096;
/** Size of each batch buffer; a new one is taken when it is full (the transport may still hold the old one). */
const SLAB_SIZE = 64 << 10;

/** Wraps a session host so that its `write`s are gathered until the end of the current tick. */
export function batchingHost(host: H2SessionHost): H2SessionHost {
  let slab = Buffer.allocUnsafe(SLAB_SIZE);
  let start = 0;
  let pos = 0;
  let scheduled = false;

  // Callbacks of writes copied into the batch: the batch's own write carries them (writes complete in order).
  let pending: Array<() => void> = [];
  const flush = (): void => {
    if (pos === start) return;
    const out = slab.subarray(start, pos);
    start = pos;
    if (pending.length === 0) return host.write(out);
    const done = pending;
    pending = [];
    host.write(out, () => {
      for (const f of done) f();
    });
  };

  const onTick = (): void => {
    scheduled = false;
    flush();
  };
  // Everything else the host offers is inherited unchanged.
  const batching: H2SessionHost = Object.create(host) as H2SessionHost;
  batching.write = (data: Buffer, flushed?: () => void): void => {
    const n = data.length;
    if (n > BATCH_COPY_MAX) {
      flush();
      host.write(data, flushed);
      return;
    }
    if (flushed) pending.push(flushed);
    if (slab.length - pos < n) {
      flush();
      slab = Buffer.allocUnsafe(SLAB_SIZE);
      start = pos = 0;
    }
    if (n < 64) for (let i = 0; i < n; i++) slab[pos + i] = data[i]!;
    else data.copy(slab, pos);
    pos += n;
    if (!scheduled) {
      scheduled = true;
      // A tick, not a microtask: it runs before the transport's own end-of-tick flush (cork/uncork), also a tick.
      process.nextTick(onTick);
    }
  };
  batching.bufferedAmount = () => host.bufferedAmount() + (pos - start);
  batching.end = (): void => {
    flush();
    host.end();
  };
  return batching;
}
