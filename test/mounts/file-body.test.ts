/**
 * Read sizing by credit, and the limits readChunkMinBytes / readChunkMaxBytes
 * crossed through a real server with a chunk-size probe.
 */
import t from 'tap';
import { nextChunkSize } from '../../mounts/file-body.js';
import { createMountHandler, DEFAULT_MOUNT_LIMITS } from '../../mounts/index.js';
import { fetchOver } from '../support/fetch.js';
import { start } from '../support/server.js';
import { makeSite } from './site.js';

const L = { readChunkMinBytes: 16 * 1024, readChunkMaxBytes: 256 * 1024 };

t.test('nextChunkSize: max(min, min(allowance, max)), never past what remains', async (t) => {
  t.equal(nextChunkSize(0, 1 << 30, L), 16 * 1024, 'no credit: one minimum read, then the write waits');
  t.equal(nextChunkSize(1000, 1 << 30, L), 16 * 1024, 'below the minimum: the minimum');
  t.equal(nextChunkSize(100_000, 1 << 30, L), 100_000, 'between: the allowance');
  t.equal(nextChunkSize(256 * 1024 + 1, 1 << 30, L), 256 * 1024, 'one over the maximum: the maximum');
  t.equal(nextChunkSize(Infinity, 1 << 30, L), 256 * 1024, 'HTTP/1 (no limit): the maximum');
  t.equal(nextChunkSize(Infinity, 10, L), 10, 'the tail of the range');
  t.same(DEFAULT_MOUNT_LIMITS.readChunkMinBytes, 16 * 1024);
  t.same(DEFAULT_MOUNT_LIMITS.readChunkMaxBytes, 256 * 1024);
});

t.test('h1: with readChunkMaxBytes lowered, the socket sees writes of at most that size', async (t) => {
  const site = makeSite(t);
  const h = createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {}, limits: { readChunkMaxBytes: 4096, readChunkMinBytes: 1024 } });
  const sizes: number[] = [];
  const { port } = await start(t, async (tx) => {
    const write = tx.write.bind(tx);
    tx.write = (data, mode) => {
      sizes.push(typeof data === 'string' ? Buffer.byteLength(data) : data.length);
      return write(data, mode);
    };
    await h(tx);
  });
  const r = await fetchOver('h1', port, { path: '/big.bin' });
  t.ok(r.body.equals(site.big));
  t.equal(sizes.length, Math.ceil(site.big.length / 4096), 'the file in 4 KiB reads');
  t.ok(
    sizes.every((n) => n <= 4096),
    'no write above the limit',
  );
});
