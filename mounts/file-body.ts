/**
 * Writing file bytes to a response only as fast as the peer's credit allows:
 * each read is sized by `peerWriteAllowance()` (within the named chunk limits)
 * and at most two chunks wait in the transport for credit (on HTTP/2 for
 * WINDOW_UPDATE), the next read starting when the older one is sent. A response
 * therefore holds at most two chunks of the file in memory, whatever its size.
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import { WriteMode, type Transaction } from '../lib/index.js';
import type { MountLimits } from './limits.js';
import type { ByteRange } from './range.js';

/** Where the bytes come from: a buffer already in memory (file cache) or an open file. */
export type BodySource = { kind: 'buffer'; data: Buffer } | { kind: 'file'; handle: FileHandle };

type ChunkLimits = Pick<MountLimits, 'readChunkMinBytes' | 'readChunkMaxBytes'>;

/** How many bytes to read next: max(min chunk, min(allowance, max chunk)), never past `remaining`. */
export function nextChunkSize(allowance: number, remaining: number, limits: ChunkLimits): number {
  return Math.min(remaining, Math.max(limits.readChunkMinBytes, Math.min(allowance, limits.readChunkMaxBytes)));
}

/** Write bytes [start, end] (inclusive) of `source`; the last write is HTTP_FINAL when `final`. */
export async function writeRange(tx: Transaction, source: BodySource, range: ByteRange, final: boolean, limits: ChunkLimits): Promise<void> {
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
 * Bytes [pos, stop) of an open file. A chunk is read only when fewer than QUEUED_CHUNKS
 * are waiting in the transport, so a response holds at most two chunks in memory; the
 * read of chunk k+2 overlaps the sending of chunk k+1.
 */
async function writeFileRange(tx: Transaction, handle: FileHandle, pos: number, stop: number, final: boolean, limits: ChunkLimits): Promise<void> {
  const queued: Array<Promise<void>> = [];
  while (pos < stop) {
    const n = nextChunkSize(tx.peerWriteAllowance(), stop - pos, limits);
    // A fresh buffer per chunk: the transport still holds the previous ones.
    const buf = Buffer.allocUnsafe(n);
    const { bytesRead } = await handle.read(buf, 0, n, pos);
    if (bytesRead === 0) throw new Error(`file shrank while being sent (at byte ${pos})`);
    pos += bytesRead;
    const written = tx.write(bytesRead === n ? buf : buf.subarray(0, bytesRead), final && pos >= stop ? WriteMode.HTTP_FINAL : WriteMode.HTTP);
    written.catch(() => undefined); // awaited below; this keeps a later chunk's failure from going unhandled meanwhile
    queued.push(written);
    if (queued.length >= QUEUED_CHUNKS) await queued.shift();
  }
  for (const written of queued) await written;
}

/** Write the whole body of a 200/206 response: one range, or multipart parts with their heads and tail. */
export async function writeBody(
  tx: Transaction,
  source: BodySource,
  ranges: readonly ByteRange[],
  multipart: { heads: Buffer[]; tail: Buffer } | null,
  limits: ChunkLimits,
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
