/**
 * Read sizing by credit, the limits readChunkMinBytes / readChunkMaxBytes
 * crossed through a real server with a chunk-size probe, and read-ahead:
 * nothing without credit, readAheadPerStreamBytes beyond it, the process
 * budget shared in turns (fake transports, so each step is exact).
 */
import t from 'tap';
import type { FileHandle } from 'node:fs/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileReads, nextChunkSize, writeRange, type BodyLimits } from '../../mounts/file-body.js';
import { WriteMode, type Transaction } from '../../lib/index.js';
import { createMountHandler, DEFAULT_MOUNT_LIMITS, DEFAULT_READ_AHEAD_BUDGET_BYTES, ReadAheadBudget } from '../../mounts/index.js';
import { READ_BUFFER_POOL_BYTES, ReadBufferPool } from '../../mounts/read-ahead.js';
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

/**
 * A transport whose credit the test sets: writes are held until the test releases them,
 * writable events fire when the test grants credit, as the HTTP/2 session would.
 */
function fakeTransport(initialCredit: number) {
  let credit = initialCredit;
  let writable: (() => void) | null = null;
  let armed = false;
  let abort: ((err: Error) => void) | null = null;
  const held: Array<() => void> = [];
  const out: Buffer[] = [];
  const state = { final: false, aborted: null as Error | null, writableRequests: 0 };
  const tx = {
    get aborted() {
      return state.aborted;
    },
    peerWriteAllowance: () => credit,
    onWritable: (l: () => void) => {
      writable = l;
      return tx;
    },
    requestWritable: () => {
      armed = true;
      state.writableRequests++;
    },
    onAbort: (l: (err: Error) => void) => {
      abort = l;
      return tx;
    },
    write: (data: Buffer, mode: WriteMode) => {
      out.push(Buffer.from(data));
      state.final = mode === WriteMode.HTTP_FINAL;
      return new Promise<void>((resolve) => held.push(resolve));
    },
  } as unknown as Transaction;
  return {
    tx,
    out,
    held,
    state,
    /** The peer grants `n` more octets (WINDOW_UPDATE): an armed writable event fires. */
    grant(n: number) {
      credit += n;
      if (armed && credit > 0) {
        armed = false;
        writable?.();
      }
    },
    /** The first held write is sent, spending its length of credit. */
    sendOne() {
      const resolve = held.shift();
      if (!resolve) return false;
      credit = Math.max(0, credit - (out[out.length - held.length - 1]?.length ?? 0));
      resolve();
      return true;
    },
    reset(err = new Error('stream reset')) {
      state.aborted = err;
      abort?.(err);
    },
  };
}

/** A file whose reads the test counts; each read takes a turn of the event loop, like the thread pool. */
function countingFile(file: Buffer) {
  const reads: number[] = [];
  const handle = {
    read: async (buf: Buffer, off: number, n: number, pos: number) => {
      reads.push(pos);
      await new Promise((r) => setImmediate(r));
      return { bytesRead: file.copy(buf, off, pos, pos + n), buffer: buf };
    },
  } as unknown as FileHandle;
  return { handle, reads };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};
// readSyncMaxMs 0: the fake files above have no descriptor, every read goes through handle.read.
const bodyLimits = (over: Partial<BodyLimits> = {}): BodyLimits => ({ readChunkMinBytes: 3000, readChunkMaxBytes: 3000, readSyncMaxMs: 0, readAheadPerStreamBytes: 3000, readAhead: new ReadAheadBudget(1 << 20), ...over });

t.test('a response that was never granted credit reads nothing, and starts when credit comes', async (t) => {
  const file = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
  const { handle, reads } = countingFile(file);
  const f = fakeTransport(0);
  const limits = bodyLimits();
  const done = writeRange(f.tx, { kind: 'file', handle }, { start: 0, end: file.length - 1 }, true, limits);
  await settle();
  t.same(reads, [], 'no read at zero credit: the response holds its descriptor only');
  t.equal(limits.readAhead.inUse, 0, 'and nothing of the budget');
  t.equal(f.state.writableRequests, 1, 'it waits for a writable event (credit)');
  f.grant(1000);
  await settle();
  t.same(reads, [0, 1000], 'credit came: a read within it, then one read-ahead of readAheadPerStreamBytes');
  t.same(f.out.map((b) => b.length), [1000, 3000]);
  f.grant(1 << 20);
  while (f.sendOne()) await settle();
  await done;
  t.ok(Buffer.concat(f.out).equals(file), 'every byte, in order');
  t.ok(f.state.final, 'the last write is HTTP_FINAL');
  t.equal(limits.readAhead.inUse, 0, 'the budget is whole again');
});

t.test('beyond its credit a response holds at most readAheadPerStreamBytes, and the next read overlaps the send', async (t) => {
  const file = Buffer.from(Array.from({ length: 30_000 }, (_, i) => i % 251));
  const { handle, reads } = countingFile(file);
  const f = fakeTransport(3000);
  const limits = bodyLimits();
  const done = writeRange(f.tx, { kind: 'file', handle }, { start: 0, end: file.length - 1 }, true, limits);
  await settle();
  t.same(reads, [0, 3000], 'one chunk within the credit, one read ahead of it');
  await settle();
  t.equal(reads.length, 2, 'and nothing more while the credit does not move');
  t.equal(limits.readAhead.inUse, 6000, 'both chunks come out of the budget');
  f.sendOne(); // the first chunk goes out, credit is now 0; the read-ahead chunk waits
  await settle();
  t.equal(reads.length, 2, 'at zero credit with a chunk already waiting: no further read');
  t.equal(limits.readAhead.inUse, 3000, 'the sent chunk went back to the budget');
  f.grant(3000);
  f.sendOne();
  await settle();
  t.same(reads, [0, 3000, 6000], 'credit for the waiting chunk: one more read ahead');
  let maxHeld = 0;
  f.grant(1 << 20);
  while (f.sendOne()) {
    maxHeld = Math.max(maxHeld, f.held.length);
    await settle();
  }
  await done;
  t.ok(maxHeld <= 2, 'never more than two chunks queued');
  t.ok(Buffer.concat(f.out).equals(file), 'every byte, in order');
});

t.test('read-ahead-budget-bytes: responses take turns for a spent budget, first come first served', async (t) => {
  const file = Buffer.from(Array.from({ length: 9000 }, (_, i) => i % 251));
  const budget = new ReadAheadBudget(3000);
  const limits = bodyLimits({ readAhead: budget });
  const a = fakeTransport(1 << 20);
  const b = fakeTransport(1 << 20);
  const fa = countingFile(file);
  const fb = countingFile(file);
  const da = writeRange(a.tx, { kind: 'file', handle: fa.handle }, { start: 0, end: file.length - 1 }, true, limits);
  const db = writeRange(b.tx, { kind: 'file', handle: fb.handle }, { start: 0, end: file.length - 1 }, true, limits);
  await settle();
  t.same([fa.reads, fb.reads], [[0], []], 'the budget holds one chunk: the first response reads, the second waits');
  t.equal(budget.waiting, 2, "both next reads wait in line: b's first (it asked while a's read was in flight), then a's second");
  a.sendOne();
  await settle();
  t.same([fa.reads, fb.reads], [[0], [0]], "a's chunk went out: b's turn, not a's second read");
  b.sendOne();
  await settle();
  t.same([fa.reads, fb.reads], [[0, 3000], [0]], "b's chunk went out: a's turn again");
  t.ok(budget.inUse <= budget.total, 'never above the budget');
  while (a.sendOne() || b.sendOne()) await settle();
  await Promise.all([da, db]);
  t.ok(Buffer.concat(a.out).equals(file) && Buffer.concat(b.out).equals(file), 'both complete');
  t.equal(budget.inUse, 0);
});

t.test('a response reset while it waits for credit rejects and holds nothing', async (t) => {
  const { handle, reads } = countingFile(Buffer.alloc(10_000));
  const f = fakeTransport(0);
  const limits = bodyLimits();
  const done = writeRange(f.tx, { kind: 'file', handle }, { start: 0, end: 9999 }, true, limits);
  await settle();
  f.reset();
  await t.rejects(done, /stream reset/);
  t.same(reads, []);
  t.equal(limits.readAhead.inUse, 0);
});

t.test('a write that fails mid-file stops the reads, rejects, and gives its bytes back', async (t) => {
  let reads = 0;
  const handle = {
    read: async (buf: Buffer) => {
      reads++;
      return { bytesRead: buf.length, buffer: buf };
    },
  } as unknown as FileHandle;
  let writes = 0;
  const f = fakeTransport(1000);
  f.tx.write = () => (++writes === 1 ? new Promise((_, reject) => setTimeout(() => reject(new Error('stream reset')), 20)) : new Promise(() => undefined));
  const limits = bodyLimits({ readChunkMinBytes: 1000, readChunkMaxBytes: 1000, readAheadPerStreamBytes: 1000 });
  await t.rejects(writeRange(f.tx, { kind: 'file', handle }, { start: 0, end: 99_999 }, true, limits), /stream reset/);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(reads, 2, 'no read after the failure (the caller closes the file next)');
  t.equal(limits.readAhead.inUse, 1000, 'only the chunk whose write never settles is still counted');
});

t.test('ReadAheadBudget: FIFO, clamped to its total, refuses a non-positive size', async (t) => {
  const b = new ReadAheadBudget(100);
  t.equal(b.take(60), 60);
  const big = b.take(500) as Promise<number>;
  t.type(big, Promise, 'more than is free: wait');
  const small = b.take(1) as Promise<number>;
  t.type(small, Promise, 'even a small read waits behind an earlier one');
  b.give(60);
  t.equal(await big, 100, 'the whole budget at most');
  t.equal(b.waiting, 1);
  b.give(100);
  t.equal(await small, 1);
  t.throws(() => new ReadAheadBudget(0), RangeError);
  const ahead = new ReadAheadBudget(100);
  t.ok(ahead.tryTakeAhead(30), 'read-ahead from the spare half');
  t.ok(ahead.tryTakeAhead(20), 'up to half the budget');
  t.notOk(ahead.tryTakeAhead(1), 'not past half: the rest is for responses with credit');
  t.equal(ahead.take(50), 50, 'which a read within credit still gets at once');
  const queuedRead = ahead.take(10) as Promise<number>;
  ahead.give(60);
  t.equal(await queuedRead, 10);
  t.notOk(new ReadAheadBudget(100).tryTakeAhead(60), 'one read-ahead larger than half is refused too');
  t.equal(DEFAULT_READ_AHEAD_BUDGET_BYTES, 32 * 1024 * 1024);
  t.equal(DEFAULT_MOUNT_LIMITS.readAheadPerStreamBytes, 128 * 1024);
});

t.test('readSyncMaxMs: warm files are read on the event loop; two slow reads in a row send reads to the thread pool for a second', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-sync-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = Buffer.from(Array.from({ length: 50_000 }, (_, i) => i % 253));
  writeFileSync(join(dir, 'f.bin'), file);
  const saved = { ...fileReads };
  t.teardown(() => Object.assign(fileReads, saved));
  const run = async (limits: BodyLimits): Promise<{ sync: number; async: number; ok: boolean }> => {
    const handle = await open(join(dir, 'f.bin'));
    try {
      const before = { sync: fileReads.sync, async: fileReads.async };
      const f = fakeTransport(1 << 30);
      const done = writeRange(f.tx, { kind: 'file', handle }, { start: 0, end: file.length - 1 }, true, limits);
      while (!(await Promise.race([done.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]))) f.sendOne();
      while (f.sendOne());
      return { sync: fileReads.sync - before.sync, async: fileReads.async - before.async, ok: Buffer.concat(f.out).equals(file) };
    } finally {
      await handle.close();
    }
  };
  const limits = bodyLimits({ readSyncMaxMs: DEFAULT_MOUNT_LIMITS.readSyncMaxMs, readChunkMinBytes: 10_000, readChunkMaxBytes: 10_000, readAheadPerStreamBytes: 10_000 });
  t.equal(DEFAULT_MOUNT_LIMITS.readSyncMaxMs, 1);
  t.same(await run(limits), { sync: 5, async: 0, ok: true }, 'a warm file: five reads on the event loop, none through the thread pool');
  t.same(await run({ ...limits, readSyncMaxMs: 0 }), { sync: 0, async: 5, ok: true }, 'readSyncMaxMs 0: always the thread pool');
  // A disk that takes 5 ms per read, on a clock the test moves.
  let clock = 1_000_000;
  fileReads.now = () => clock;
  fileReads.read = (...args) => {
    clock += 5;
    return saved.read(...args);
  };
  fileReads.asyncUntil = 0;
  // One slow read alone (a preempted thread) changes nothing.
  let hiccup = true;
  const disk = fileReads.read;
  fileReads.read = (...args) => {
    if (hiccup) {
      hiccup = false;
      return disk(...args);
    }
    return saved.read(...args);
  };
  t.same(await run(limits), { sync: 5, async: 0, ok: true }, 'one slow read alone: still on the event loop');
  fileReads.read = disk;
  t.same(await run(limits), { sync: 2, async: 3, ok: true }, 'two slow reads in a row: the rest of the file goes through the thread pool');
  clock += 999;
  t.same(await run(limits), { sync: 0, async: 5, ok: true }, 'and so does the next response, within the second');
  clock += 1000;
  fileReads.read = saved.read;
  t.same(await run(limits), { sync: 5, async: 0, ok: true }, 'a second later, fast reads are back on the event loop');
});

t.test('read buffers are reused only once the transport says it flushed them, and the pool is bounded', async (t) => {
  const pool = new ReadBufferPool(256 * 1024);
  const a = pool.take(10_000);
  t.equal(a.length, 16 * 1024, 'the smallest class that holds the read');
  t.not(pool.take(10_000), a, 'not given back: a fresh buffer');
  pool.give(a);
  t.equal(pool.idleBytes, 16 * 1024);
  t.equal(pool.take(16 * 1024), a, 'given back: reused');
  const big = pool.take(300 * 1024);
  t.equal(big.length, 300 * 1024, 'larger than every class: exact, not pooled');
  pool.give(big);
  t.equal(pool.idleBytes, 0);
  for (let i = 0; i < 5; i++) pool.give(Buffer.allocUnsafe(64 * 1024));
  t.equal(pool.idleBytes, 256 * 1024, `at most maxIdleBytes idle (${READ_BUFFER_POOL_BYTES} by default)`);

  // Through writeRange: a transport that keeps every chunk it was given until it calls `flushed`.
  const dir = mkdtempSync(join(tmpdir(), 'sluice-pool-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251));
  writeFileSync(join(dir, 'f.bin'), file);
  const handle = await open(join(dir, 'f.bin'));
  t.teardown(() => handle.close());
  const given: Array<{ data: Buffer; copy: Buffer; flushed: (() => void) | undefined }> = [];
  const f = fakeTransport(1 << 30);
  f.tx.write = ((data: Buffer, _mode: WriteMode, flushed?: () => void) => {
    given.push({ data, copy: Buffer.from(data), flushed });
    return Promise.resolve();
  }) as Transaction['write'];
  const limits = bodyLimits({ readSyncMaxMs: 1, readChunkMinBytes: 16 * 1024, readChunkMaxBytes: 16 * 1024, readAheadPerStreamBytes: 16 * 1024 });
  await writeRange(f.tx, { kind: 'file', handle }, { start: 0, end: file.length - 1 }, true, limits);
  t.ok(given.every((g) => typeof g.flushed === 'function'), 'every chunk comes with a flushed callback');
  t.ok(given.every((g) => g.data.equals(g.copy)), 'nothing was reused while the transport held it (no flushed yet)');
  t.ok(Buffer.concat(given.map((g) => g.copy)).equals(file), 'every byte, in order');
  const reads = given.length;
  given.forEach((g) => g.flushed?.());
  const again = await open(join(dir, 'f.bin'));
  t.teardown(() => again.close());
  given.length = 0;
  await writeRange(f.tx, { kind: 'file', handle: again }, { start: 0, end: file.length - 1 }, true, limits);
  t.equal(given.length, reads);
  t.ok(Buffer.concat(given.map((g) => g.copy)).equals(file), 'a second download through reused buffers is whole');
});
