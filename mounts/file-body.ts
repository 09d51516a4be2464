/**
 * Writing file bytes to a response only as fast as the peer's credit allows:
 * each read is sized by `peerWriteAllowance()` (within the named chunk limits)
 * and the next read starts only after `await tx.write()` has handed the chunk
 * over, which on HTTP/2 waits for WINDOW_UPDATE. A response therefore holds at
 * most one chunk of the file in memory, whatever the file's size.
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
  let pos = range.start;
  const stop = range.end + 1;
  while (pos < stop) {
    const n = nextChunkSize(tx.peerWriteAllowance(), stop - pos, limits);
    let chunk: Buffer;
    if (source.kind === 'buffer') chunk = source.data.subarray(pos, pos + n);
    else {
      // A fresh buffer per chunk: the transport may still hold the previous one.
      const buf = Buffer.allocUnsafe(n);
      const { bytesRead } = await source.handle.read(buf, 0, n, pos);
      if (bytesRead === 0) throw new Error(`file shrank while being sent (at byte ${pos})`);
      chunk = bytesRead === n ? buf : buf.subarray(0, bytesRead);
    }
    pos += chunk.length;
    await tx.write(chunk, final && pos >= stop ? WriteMode.HTTP_FINAL : WriteMode.HTTP);
  }
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
