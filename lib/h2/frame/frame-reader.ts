/**
 * Incremental frame splitter: bytes in (split anywhere), whole frames out.
 * It checks only what the 9-octet header alone can tell (§4.1, §4.2, and the
 * fixed lengths of §6.4-§6.9);
 * per-type payload rules live in decode.ts.
 * @module
 */
import { ErrorCode, H2ConnectionError } from '../errors.js';
import { Flag, FRAME_HEADER_LENGTH, FrameType, STREAM_ID_MASK } from './constants.js';

export interface RawFrame {
  type: number;
  flags: number;
  /** Reserved bit already cleared (§4.1: "MUST be ignored when receiving"). */
  streamId: number;
  /** Zero-copy view of the input when the frame arrived in one chunk. */
  payload: Buffer;
}

/**
 * The connection-level FRAME_SIZE_ERRORs of §6.4, §6.5, §6.7, §6.8 and §6.9, from the
 * header alone (decode.ts checks the same on whole frames), or null.
 */
function fixedSizeError(type: number, flags: number, length: number): string | null {
  switch (type) {
    case FrameType.RST_STREAM:
    case FrameType.WINDOW_UPDATE:
      return length === 4 ? null : `${type === FrameType.RST_STREAM ? 'RST_STREAM' : 'WINDOW_UPDATE'} of length ${length}`;
    case FrameType.SETTINGS:
      if (flags & Flag.ACK) return length === 0 ? null : 'SETTINGS ACK with a payload';
      return length % 6 === 0 ? null : `SETTINGS of length ${length}, not a multiple of 6`;
    case FrameType.PING:
      return length === 8 ? null : `PING of length ${length}`;
    case FrameType.GOAWAY:
      return length >= 8 ? null : `GOAWAY of length ${length}`;
    default:
      return null;
  }
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
    const type = h[3]!;
    const flags = h[4]!;
    // A length the type forbids is known from the header: fail now rather than wait for octets that may never come.
    const wrongSize = fixedSizeError(type, flags, length);
    if (wrongSize !== null) throw new H2ConnectionError(ErrorCode.FRAME_SIZE_ERROR, wrongSize);
    if (this.#buffered < FRAME_HEADER_LENGTH + length) return null;
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
