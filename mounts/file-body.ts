/**
 * Writing file bytes to a response only as fast as the peer's credit allows:
 * each read is sized by `peerWriteAllowance()` (within the named chunk limits),
 * nothing is read for a response that was never granted credit, at most
 * `readAheadPerStreamBytes` is held beyond the credit, and every read comes out
 * of the process-wide read-ahead budget (read-ahead.ts).
 * @module
 */
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { WriteMode, type Transaction } from '../lib/index.js';
import type { MountLimits } from './limits.js';
import type { ByteRange } from './range.js';
import { creditWaiter, readBuffers, type ReadAheadBudget } from './read-ahead.js';

/** Where the bytes come from: a buffer already in memory (file cache) or an open file. */
export type BodySource = { kind: 'buffer'; data: Buffer } | { kind: 'file'; handle: FileHandle };

type ChunkLimits = Pick<MountLimits, 'readChunkMinBytes' | 'readChunkMaxBytes'>;
type ReadLimits = Pick<MountLimits, 'readSyncMaxMs'>;
/** What a file body is read under: the chunk sizes, the per-response read-ahead, the process budget. */
export type BodyLimits = ChunkLimits & ReadLimits & Pick<MountLimits, 'readAheadPerStreamBytes'> & { readAhead: ReadAheadBudget };

/** How many bytes to read next: max(min chunk, min(allowance, max chunk)), never past `remaining`. */
export function nextChunkSize(allowance: number, remaining: number, limits: ChunkLimits): number {
  return Math.min(remaining, Math.max(limits.readChunkMinBytes, Math.min(allowance, limits.readChunkMaxBytes)));
}

/** Write bytes [start, end] (inclusive) of `source`; the last write is HTTP_FINAL when `final`. */
export async function writeRange(tx: Transaction, source: BodySource, range: ByteRange, final: boolean, limits: BodyLimits): Promise<void> {
  const stop = range.end + 1;
  if (source.kind === 'file') return writeFileRange(tx, source.handle, range.start, stop, final, limits);
  let pos = range.start;
  while (pos < stop) {
    const chunk = source.data.subarray(pos, pos + nextChunkSize(tx.peerWriteAllowance(), stop - pos, limits));
    pos += chunk.length;
    await tx.write(chunk, final && pos >= stop ? WriteMode.HTTP_FINAL : WriteMode.HTTP);
  }
}

/**
 * Chunks of one response handed to the transport at a time: while one is being framed
 * under the peer's credit the next is already queued behind it, so a WINDOW_UPDATE never
 * finds the stream empty while a read is still in the thread pool.
 */
const QUEUED_CHUNKS = 2;

/**
 * Bytes [pos, stop) of an open file, read only where credit exists:
 * - a response that has never been granted credit reads nothing (it holds its descriptor only);
 * - after that, it holds at most `readAheadPerStreamBytes` beyond its credit, so the
 *   WINDOW_UPDATE that reopens a closed window finds data waiting;
 * - every read takes its bytes from the process-wide budget first and gives them back when
 *   the chunk is handed to the socket: a read within credit waits its turn when the budget is
 *   spent, a read ahead of credit is skipped unless half the budget is free;
 * - at most QUEUED_CHUNKS chunks wait in the transport; the read of chunk k+2 overlaps the
 *   sending of chunk k+1.
 */
async function writeFileRange(tx: Transaction, handle: FileHandle, pos: number, stop: number, final: boolean, limits: BodyLimits): Promise<void> {
  const queued: Array<Promise<void>> = [];
  const budget = limits.readAhead;
  let held = 0; // bytes read and not yet handed to the socket
  let flowed = false; // credit was granted at least once
  let waitCredit: (() => Promise<void>) | null = null;
  while (pos < stop) {
    const allowance = tx.peerWriteAllowance();
    const room = allowance === Infinity ? Infinity : allowance - held + (flowed ? limits.readAheadPerStreamBytes : 0);
    if (room <= 0) {
      if (queued.length > 0) await queued.shift();
      else await (waitCredit ??= creditWaiter(tx))();
      continue;
    }
    flowed = true;
    // Within credit: wait for the budget in line. Beyond it (read-ahead): only from the budget's spare half, never waiting.
    const covered = allowance - held;
    let n = Math.min(nextChunkSize(allowance, stop - pos, limits), room);
    if (covered <= 0) {
      if (!budget.tryTakeAhead(n)) {
        if (queued.length > 0) await queued.shift();
        else await (waitCredit ??= creditWaiter(tx))();
        continue;
      }
    } else {
      n = Math.min(n, Math.max(covered, limits.readChunkMinBytes));
      const taken = budget.take(n);
      n = typeof taken === 'number' ? taken : await taken;
    }
    if (tx.aborted) {
      budget.give(n);
      throw tx.aborted;
    }
    // Each chunk its own buffer (the transport still holds the previous ones), reused once the socket flushed it.
    const whole = readBuffers.take(n);
    const buf = whole.length === n ? whole : whole.subarray(0, n);
    let bytesRead: number;
    try {
      bytesRead = await readChunk(handle, buf, n, pos, limits);
    } catch (err) {
      budget.give(n);
      throw err;
    }
    if (bytesRead < n) budget.give(n - bytesRead);
    if (bytesRead === 0) throw new Error(`file shrank while being sent (at byte ${pos})`);
    pos += bytesRead;
    held += bytesRead;
    const written = tx.write(bytesRead === n ? buf : buf.subarray(0, bytesRead), final && pos >= stop ? WriteMode.HTTP_FINAL : WriteMode.HTTP, () => readBuffers.give(whole));
    const settled = (): void => {
      held -= bytesRead;
      budget.give(bytesRead);
    };
    written.then(settled, settled); // also keeps a later chunk's failure from going unhandled meanwhile
    queued.push(written);
    if (queued.length >= QUEUED_CHUNKS) await queued.shift();
  }
  for (const written of queued) await written;
}

/**
 * How file chunks are read: on the event loop while reads are fast (a page-cache hit is a
 * memcpy, ~10 µs per 64 KiB, far less than a thread-pool round trip, whose thread also competes
 * with the load for the cores), through the thread pool for a second after two reads in a row
 * took longer than `readSyncMaxMs` (a cold disk: the event loop must not wait on it). `read` and `now` are
 * here so tests can stand in for a slow disk.
 */
export const fileReads = {
  read: readSync as (fd: number, buf: Buffer, offset: number, length: number, position: number) => number,
  now: (): number => performance.now(),
  /** Until when (performance.now() ms) every read goes through the thread pool. */
  asyncUntil: 0,
  /** Slow synchronous reads in a row: one alone is a hiccup (the thread was preempted), two are a disk. */
  slowInRow: 0,
  /** Reads done on the event loop, and through the thread pool (for tests and profiles). */
  sync: 0,
  async: 0,
};

/** The fallback window after slow synchronous reads, in ms. */
const ASYNC_AFTER_SLOW_MS = 1000;
/**
 * Slow reads in a row before the fallback: on a shared machine a page-cache read is now and
 * then slow because the thread was preempted (measured: a few per second under load, which sent
 * three quarters of the reads to the thread pool); a cold disk is slow every time.
 */
const SLOW_READS_TO_FALL_BACK = 2;

async function readChunk(handle: FileHandle, buf: Buffer, n: number, pos: number, limits: ReadLimits): Promise<number> {
  const r = fileReads;
  const started = r.now();
  if (limits.readSyncMaxMs > 0 && started >= r.asyncUntil) {
    r.sync++;
    const bytes = r.read(handle.fd, buf, 0, n, pos);
    if (r.now() - started <= limits.readSyncMaxMs) r.slowInRow = 0;
    else if (++r.slowInRow >= SLOW_READS_TO_FALL_BACK) {
      r.slowInRow = 0;
      r.asyncUntil = r.now() + ASYNC_AFTER_SLOW_MS;
    }
    return bytes;
  }
  r.async++;
  return (await handle.read(buf, 0, n, pos)).bytesRead;
}

/** Write the whole body of a 200/206 response: one range, or multipart parts with their heads and tail. */
export async function writeBody(
  tx: Transaction,
  source: BodySource,
  ranges: readonly ByteRange[],
  multipart: { heads: Buffer[]; tail: Buffer } | null,
  limits: BodyLimits,
): Promise<void> {
  if (!multipart) {
    const r = ranges[0];
    if (!r || r.end < r.start) await tx.end();
    else await writeRange(tx, source, r, true, limits);
    return;
  }
  for (let i = 0; i < ranges.length; i++) {
    await tx.write(multipart.heads[i]!);
    await writeRange(tx, source, ranges[i]!, false, limits);
  }
  await tx.end(multipart.tail);
}
