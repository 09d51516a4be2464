/**
 * The parser's input: the pushed Buffers as they are, so body bytes leave as
 * zero-copy slices, plus one scratch buffer for a line split across pushes.
 * Every byte is copied at most once (into the scratch), so a peer sending one
 * byte at a time costs linear, not quadratic, copying.
 * @module
 */

import { CR, LF } from './chars.js';

const EMPTY = Buffer.alloc(0);

export class ByteQueue {
  #chunks: Buffer[] = [];
  /** Read offset in #chunks[0]. */
  #offset = 0;
  /** Unread bytes in #chunks. */
  #queued = 0;
  #scratch: Buffer = EMPTY;
  #scratchLength = 0;
  #line: Buffer = EMPTY;
  #lineStart = 0;
  #lineEnd = 0;
  #loneLF = false;

  /** Bytes not yet consumed, a pending partial line included. */
  get length(): number {
    return this.#queued + this.#scratchLength;
  }

  /** The start of a line whose LF has not arrived yet. */
  get partialLine(): Buffer {
    return this.#scratch.subarray(0, this.#scratchLength);
  }

  /** After readLine() returned true, the line without CR/LF is line[lineStart, lineEnd); valid until the next call. */
  get line(): Buffer {
    return this.#line;
  }

  get lineStart(): number {
    return this.#lineStart;
  }

  get lineEnd(): number {
    return this.#lineEnd;
  }

  /** Whether that line ended in LF without CR. */
  get loneLF(): boolean {
    return this.#loneLF;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
  }

  /**
   * Consume the next complete line (see line, lineStart, lineEnd, loneLF) and
   * return true, or return false with the available bytes, at most cap + 1, in
   * partialLine, so the caller can apply its limits before the line ends.
   */
  readLine(cap: number): boolean {
    for (;;) {
      const chunk = this.#chunks[0];
      if (chunk === undefined) return false;
      const start = this.#offset;
      const lf = chunk.indexOf(LF, start);
      // A line already being collected stops growing past the cap; one found whole in a chunk is used in place.
      if (lf === -1 || (this.#scratchLength > 0 && this.#scratchLength + (lf - start) > cap + 1)) {
        const room = cap + 1 - this.#scratchLength;
        if (room <= 0) return false;
        const end = Math.min(lf === -1 ? chunk.length : lf, start + room);
        this.#append(chunk, start, end);
        this.#consume(end - start);
        continue;
      }
      this.#consume(lf + 1 - start);
      if (this.#scratchLength === 0) {
        this.#line = chunk;
        this.#lineStart = start;
        this.#lineEnd = lf;
      } else {
        this.#append(chunk, start, lf);
        this.#line = this.#scratch;
        this.#lineStart = 0;
        this.#lineEnd = this.#scratchLength;
        this.#scratchLength = 0;
      }
      this.#loneLF = this.#lineEnd === this.#lineStart || this.#line[this.#lineEnd - 1] !== CR;
      if (!this.#loneLF) this.#lineEnd--;
      return true;
    }
  }

  /**
   * When no partial line is pending and the first chunk holds `terminator`
   * within `maxLength` bytes, consume everything through it and return it as a
   * latin1 string; else null. Lets a head that arrived whole become one string.
   */
  takeThrough(terminator: Buffer, maxLength: number): string | null {
    const chunk = this.#chunks[0];
    if (chunk === undefined || this.#scratchLength !== 0) return null;
    const start = this.#offset;
    const found = chunk.indexOf(terminator, start);
    if (found === -1 || found - start + terminator.length > maxLength) return null;
    const end = found + terminator.length;
    this.#consume(end - start);
    return chunk.toString('latin1', start, end);
  }

  /** Up to `max` bytes as a zero-copy slice of one pushed chunk, or null when none are queued. */
  take(max: number): Buffer | null {
    const chunk = this.#chunks[0];
    if (chunk === undefined || max <= 0) return null;
    const start = this.#offset;
    const end = Math.min(chunk.length, start + max);
    this.#consume(end - start);
    return start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end);
  }

  /** The next byte, or -1 when none is queued. */
  shiftByte(): number {
    const chunk = this.#chunks[0];
    if (chunk === undefined) return -1;
    const byte = chunk[this.#offset] as number;
    this.#consume(1);
    return byte;
  }

  /** Everything not consumed (a partial line first), as one Buffer; the queue is empty afterwards. */
  drain(): Buffer {
    const parts = [this.partialLine, ...this.#chunks];
    if (parts[1] !== undefined) parts[1] = parts[1].subarray(this.#offset);
    const out = this.#scratchLength === 0 && parts.length === 2 ? (parts[1] as Buffer) : Buffer.concat(parts);
    this.#chunks = [];
    this.#offset = 0;
    this.#queued = 0;
    this.#scratchLength = 0;
    return out;
  }

  #consume(n: number): void {
    this.#offset += n;
    this.#queued -= n;
    const chunk = this.#chunks[0];
    if (chunk !== undefined && this.#offset === chunk.length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
  }

  #append(source: Buffer, start: number, end: number): void {
    const need = this.#scratchLength + (end - start);
    if (need > this.#scratch.length) {
      const grown = Buffer.allocUnsafe(Math.max(256, need * 2));
      this.#scratch.copy(grown, 0, 0, this.#scratchLength);
      this.#scratch = grown;
    }
    source.copy(this.#scratch, this.#scratchLength, start, end);
    this.#scratchLength = need;
  }
}
