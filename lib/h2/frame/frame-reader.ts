/**
 * Incremental frame splitter: bytes in (split anywhere), whole frames out.
 * It checks only what the 9-octet header alone can tell (§4.1, §4.2);
 * per-type payload rules live in decode.ts.
 * @module
 */
import { ErrorCode, H2ConnectionError } from '../errors.js';
import { FRAME_HEADER_LENGTH, STREAM_ID_MASK } from './constants.js';

export interface RawFrame {
  type: number;
  flags: number;
  /** Reserved bit already cleared (§4.1: "MUST be ignored when receiving"). */
  streamId: number;
  /** Zero-copy view of the input when the frame arrived in one chunk. */
  payload: Buffer;
}

export class FrameReader {
  #chunks: Buffer[] = [];
  /** Read offset into #chunks[0]. */
  #offset = 0;
  #buffered = 0;
  readonly #header = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);

  /** Our SETTINGS_MAX_FRAME_SIZE; frames above it are FRAME_SIZE_ERROR (§4.2). */
  constructor(public maxFrameSize: number) {}

  get buffered(): number {
    return this.#buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  next(): RawFrame | null {
    if (this.#buffered < FRAME_HEADER_LENGTH) return null;
    const h = this.#peekHeader();
    const length = (h[0]! << 16) | (h[1]! << 8) | h[2]!;
    if (length > this.maxFrameSize) {
      // A size error on a frame we have not parsed yet: we cannot tell whether it
      // would alter connection state, so treat it as a connection error (§4.2 allows it).
      throw new H2ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${length} octets exceeds SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize}`);
    }
    if (this.#buffered < FRAME_HEADER_LENGTH + length) return null;
    const type = h[3]!;
    const flags = h[4]!;
    const streamId = h.readUInt32BE(5) & STREAM_ID_MASK;
    this.#skip(FRAME_HEADER_LENGTH);
    return { type, flags, streamId, payload: this.#take(length) };
  }

  /** Bytes left unparsed (used when a connection is handed to another protocol). */
  takeRemaining(): Buffer {
    const out = this.#take(this.#buffered);
    return out;
  }

  #peekHeader(): Buffer {
    const first = this.#chunks[0]!;
    if (first.length - this.#offset >= FRAME_HEADER_LENGTH) return first.subarray(this.#offset, this.#offset + FRAME_HEADER_LENGTH);
    let filled = 0;
    let off = this.#offset;
    for (const c of this.#chunks) {
      const n = Math.min(c.length - off, FRAME_HEADER_LENGTH - filled);
      c.copy(this.#header, filled, off, off + n);
      filled += n;
      off = 0;
      if (filled === FRAME_HEADER_LENGTH) break;
    }
    return this.#header;
  }

  #skip(n: number): void {
    this.#buffered -= n;
    while (n > 0) {
      const first = this.#chunks[0]!;
      const avail = first.length - this.#offset;
      if (n < avail) {
        this.#offset += n;
        return;
      }
      n -= avail;
      this.#chunks.shift();
      this.#offset = 0;
    }
  }

  #take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.#chunks[0]!;
    if (first.length - this.#offset >= n) {
      const out = first.subarray(this.#offset, this.#offset + n);
      this.#skip(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0]!;
      const k = Math.min(c.length - this.#offset, n - filled);
      c.copy(out, filled, this.#offset, this.#offset + k);
      filled += k;
      this.#skip(k);
    }
    return out;
  }
}
