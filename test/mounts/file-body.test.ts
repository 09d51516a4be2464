/**
 * Read sizing by credit, and the limits readChunkMinBytes / readChunkMaxBytes
 * crossed through a real server with a chunk-size probe.
 */
import t from 'tap';
import type { FileHandle } from 'node:fs/promises';
import { nextChunkSize, writeRange } from '../../mounts/file-body.js';
import { WriteMode, type Transaction } from '../../lib/index.js';
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
  t.same(DEFAULT_MOUNT_LIMITS.readChunkMinBytes, 64 * 1024);
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

t.test('a file is read while the previous chunk waits for credit, with at most two chunks in memory', async (t) => {
  const file = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
  const events: string[] = [];
  let inMemory = 0; // chunks read (or being read) whose write has not completed
  let maxInMemory = 0;
  const handle = {
    read: async (buf: Buffer, off: number, n: number, pos: number) => {
      inMemory++;
      maxInMemory = Math.max(maxInMemory, inMemory);
      events.push(`read ${pos}`);
      await new Promise((r) => setImmediate(r));
      return { bytesRead: file.copy(buf, off, pos, pos + n), buffer: buf };
    },
  } as unknown as FileHandle;
  // A transport with no credit to spare: each write is held until the test releases it.
  const held: Array<() => void> = [];
  const out: Buffer[] = [];
  let final = false;
  const tx = {
    peerWriteAllowance: () => 0,
    write: (data: Buffer, mode: WriteMode) => {
      events.push(`write ${out.length}`);
      out.push(Buffer.from(data));
      final = mode === WriteMode.HTTP_FINAL;
      return new Promise<void>((resolve) =>
        held.push(() => {
          inMemory--;
          resolve();
        }),
      );
    },
  } as unknown as Transaction;
  const limits = { readChunkMinBytes: 3000, readChunkMaxBytes: 3000 };
  const done = writeRange(tx, { kind: 'file', handle }, { start: 0, end: file.length - 1 }, true, limits);
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  await settle();
  t.same(events, ['read 0', 'write 0', 'read 3000', 'write 1'], 'the second chunk is read and queued while the first waits for credit');
  await settle();
  t.equal(events.length, 4, 'and nothing more is read until the first is sent');
  held.shift()!();
  await settle();
  t.same(events.slice(4), ['read 6000', 'write 2'], 'one chunk sent: one more read');
  while (held.length > 0) {
    held.shift()!();
    await settle();
  }
  await done;
  t.equal(maxInMemory, 2, 'never more than two chunks in memory');
  t.ok(Buffer.concat(out).equals(file), 'every byte, in order');
  t.ok(final, 'the last write is HTTP_FINAL');
});

t.test('a write that fails mid-file stops the reads and rejects', async (t) => {
  let reads = 0;
  const handle = {
    read: async (buf: Buffer) => {
      reads++;
      return { bytesRead: buf.length, buffer: buf };
    },
  } as unknown as FileHandle;
  let writes = 0;
  const tx = {
    peerWriteAllowance: () => 0,
    write: () => (++writes === 1 ? new Promise((_, reject) => setTimeout(() => reject(new Error('stream reset')), 20)) : new Promise(() => undefined)),
  } as unknown as Transaction;
  await t.rejects(writeRange(tx, { kind: 'file', handle }, { start: 0, end: 99_999 }, true, { readChunkMinBytes: 1000, readChunkMaxBytes: 1000 }), /stream reset/);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(reads, 2, 'no read after the failure (the caller closes the file next)');
});
