/**
 * The chunked transfer coding of a request body (RFC 9112 §7.1), decoded
 * incrementally: chunk data leaves as zero-copy slices as it arrives.
 * @module
 */

import type { ByteQueue } from './byte-queue.js';
import { CHUNK_EXT, CR, LF, isWhitespace } from './chars.js';
import { H1ParseError } from './errors.js';
import { parseFieldLine } from './field-line.js';
import type { H1Limits } from './limits.js';
import { LineMarks, lineError } from './line-marks.js';
import type { ParseEvent } from './types.js';

/** 16 hex digits is 64 bits, already beyond Number.MAX_SAFE_INTEGER; more is never a real size. */
const MAX_HEX_DIGITS = 16;

/**
 * Fields a trailer may not carry, dropped on receipt (RFC 9110 §6.5.1: framing,
 * routing, request modifiers, authentication, and how to process the content).
 * The head was already acted on, so a late value could only disagree with it.
 */
const NOT_IN_TRAILERS = new Set([
  // framing and connection management (RFC 9112 §6, §9.6; RFC 9110 §7.6, §7.8)
  'content-length', 'transfer-encoding', 'trailer', 'te', 'connection', 'keep-alive', 'proxy-connection', 'upgrade',
  // routing (RFC 9110 §7.2, §7.6.2)
  'host', 'max-forwards',
  // controls and conditionals (RFC 9110 §10.1, §13.1, §14.2; RFC 9111 §5.2)
  'expect', 'cache-control', 'pragma', 'range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range',
  // authentication and state (RFC 9110 §11.6; RFC 6265)
  'authorization', 'proxy-authorization', 'cookie',
  // how to process the content (RFC 9110 §8.3, §8.4, §14.4)
  'content-type', 'content-encoding', 'content-range',
]);

const END: ParseEvent = Object.freeze({ type: 'end' });

const SIZE_LINE = 0;
const DATA = 1;
const DATA_CR = 2;
const DATA_LF = 3;
const TRAILERS = 4;
const DONE = 5;

export class ChunkedDecoder {
  readonly #maxExtension: number;
  readonly #maxTrailer: number;
  #state = SIZE_LINE;
  #remaining = 0;
  #trailers: Array<[string, string]> = [];
  #trailerBytes = 0;
  readonly #marks = new LineMarks();

  constructor(limits: Pick<H1Limits, 'maxChunkExtensionBytes' | 'maxTrailerBytes'>) {
    this.#maxExtension = limits.maxChunkExtensionBytes;
    this.#maxTrailer = limits.maxTrailerBytes;
  }

  /** The next 'body', 'trailers' or 'end' event, or null when more bytes are needed. After 'end' it is ready for another body. */
  next(input: ByteQueue): ParseEvent | null {
    for (;;) {
      switch (this.#state) {
        case SIZE_LINE: {
          if (!input.readLine(MAX_HEX_DIGITS + this.#maxExtension + 1)) {
            // Judge the line so far: a size line must not grow without bound.
            const partial = input.partialLine;
            const error = sizeLineError(partial, 0, partial[partial.length - 1] === CR ? partial.length - 1 : partial.length, this.#maxExtension);
            if (error !== null) throw error;
            return null;
          }
          const size = parseChunkSizeLine(input, this.#maxExtension);
          this.#remaining = size;
          this.#state = size === 0 ? TRAILERS : DATA;
          continue;
        }
        case DATA: {
          const chunk = input.take(this.#remaining);
          if (chunk === null) return null;
          this.#remaining -= chunk.length;
          if (this.#remaining === 0) this.#state = DATA_CR;
          return { type: 'body', chunk };
        }
        case DATA_CR:
        case DATA_LF: {
          const byte = input.shiftByte();
          if (byte === -1) return null;
          // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF: anything else
          // after the data means the size lied, so the framing is lost.
          if (byte !== (this.#state === DATA_CR ? CR : LF)) throw new H1ParseError('MISSING_CHUNK_CRLF', 'chunk data not followed by CRLF');
          this.#state = this.#state === DATA_CR ? DATA_LF : SIZE_LINE;
          continue;
        }
        case TRAILERS:
          return this.#readTrailers(input);
        default:
          this.#reset();
          return END;
      }
    }
  }

  #readTrailers(input: ByteQueue): ParseEvent | null {
    for (;;) {
      const budget = this.#maxTrailer - this.#trailerBytes;
      if (!input.readLine(budget)) {
        const error = lineError(this.#marks.ofPartial(input.partialLine, false), budget, -1, 'TRAILER_TOO_LARGE');
        if (error !== null) throw error;
        return null;
      }
      const text = input.line.toString('latin1', input.lineStart, input.lineEnd);
      const eolLength = input.loneLF ? 1 : 2;
      const error = lineError(this.#marks.ofLine(text, 0, text.length, text.length + eolLength, false), budget, -1, 'TRAILER_TOO_LARGE');
      if (error !== null) throw error;
      if (eolLength === 1) throw new H1ParseError('LONE_LF', 'trailer line ends in LF without CR');
      this.#trailerBytes += text.length + 2;
      if (text.length === 0) {
        if (this.#trailers.length === 0) {
          this.#reset();
          return END;
        }
        const trailers = this.#trailers;
        this.#trailers = [];
        this.#state = DONE;
        return { type: 'trailers', trailers };
      }
      const field = parseFieldLine(text, 0, text.length);
      if (!NOT_IN_TRAILERS.has(field[0])) this.#trailers.push(field);
    }
  }

  #reset(): void {
    this.#state = SIZE_LINE;
    this.#remaining = 0;
    this.#trailers = [];
    this.#trailerBytes = 0;
  }
}

/** Hex digit value, or -1. */
function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * What the bytes line[start, end) of a chunk-size line so far (CR/LF
 * excluded) already prove wrong: a limit crossed or a bare CR, whichever came
 * first, so a partial line and the complete one give the same answer.
 */
function sizeLineError(line: Buffer, start: number, end: number, maxExtension: number): H1ParseError | null {
  const cr = line.indexOf(CR, start);
  const bare = cr !== -1 && cr < end;
  // With a bare CR, judge the bytes up to the one after it (left out if it is a CR that may end the line).
  const judgedEnd = !bare ? end : cr + 1 === end || line[cr + 1] === CR ? cr + 1 : cr + 2;
  let digits = start;
  while (digits < judgedEnd && digits - start <= MAX_HEX_DIGITS && hexValue(line[digits]) !== -1) digits++;
  if (digits - start > MAX_HEX_DIGITS) return new H1ParseError('INVALID_CHUNK_SIZE', `chunk-size longer than ${MAX_HEX_DIGITS} hex digits`);
  if (judgedEnd - digits > maxExtension) return new H1ParseError('CHUNK_EXTENSION_TOO_LARGE', `chunk-ext longer than ${maxExtension} bytes`);
  return bare ? new H1ParseError('BARE_CR', 'bare CR in a chunk-size line') : null;
}

/** chunk-size [ chunk-ext ] (RFC 9112 §7.1), the line readLine() found → the size. */
function parseChunkSizeLine(input: ByteQueue, maxExtension: number): number {
  const line = input.line;
  const start = input.lineStart;
  const end = input.lineEnd;
  const error = sizeLineError(line, start, end, maxExtension);
  if (error !== null) throw error;
  if (input.loneLF) throw new H1ParseError('LONE_LF', 'chunk-size line ends in LF without CR');
  let size = 0;
  let i = start;
  for (let value = hexValue(line[i]); i < end && value !== -1; value = hexValue(line[++i])) size = size * 16 + value;
  // 1*HEXDIG: no sign, no "0x", no leading whitespace.
  if (i === start) throw new H1ParseError('INVALID_CHUNK_SIZE', 'chunk-size is not 1*HEXDIG');
  if (size > Number.MAX_SAFE_INTEGER) throw new H1ParseError('INVALID_CHUNK_SIZE', 'chunk-size above 2^53 - 1');
  if (i < end) {
    let j = i;
    while (j < end && isWhitespace(line[j])) j++;
    if (line[j] !== 0x3b /* ; */ || j === end) throw new H1ParseError('INVALID_CHUNK_SIZE', 'chunk-size followed by something other than a chunk-ext');
    if (!CHUNK_EXT.test(line.toString('latin1', i, end))) throw new H1ParseError('INVALID_CHUNK_EXTENSION', 'malformed chunk-ext');
  }
  return size;
}
