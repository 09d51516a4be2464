/**
 * Strict, incremental, pull-based HTTP/1.1 request parser (RFC 9112, RFC 9110).
 * Pure code: bytes are pushed in, events are pulled out, nothing touches a socket.
 *
 * Pull-based on purpose: the connection asks for the next event only when it
 * can handle it, so pipelined requests are parsed one message at a time and
 * a slow consumer stops the parser instead of growing a queue of events.
 * Body bytes leave as soon as they arrive, as zero-copy slices of the input;
 * only the head is turned into strings.
 * @module
 */

import { ByteQueue } from './byte-queue.js';
import { CR, HEAD_BYTES } from './chars.js';
import { ChunkedDecoder } from './chunked.js';
import { H1ParseError } from './errors.js';
import { parseFieldLine } from './field-line.js';
import { SpecialFields, buildRequestHead } from './header-rules.js';
import { resolveLimits, type H1Limits } from './limits.js';
import { LineMarks, lineError } from './line-marks.js';
import { parseRequestLine, type RequestLine } from './request-line.js';
import type { ParseEvent, RequestHead } from './types.js';

export { H1ParseError, H1_ERRORS, type H1ErrorKind } from './errors.js';
export { DEFAULT_H1_LIMITS, type H1Limits } from './limits.js';
export type { ParseEvent, RequestHead } from './types.js';

const END: ParseEvent = Object.freeze({ type: 'end' });
const END_OF_HEAD = Buffer.from('\r\n\r\n', 'latin1');

/** Parser states, between events. */
const HEAD = 0;
const LENGTH_BODY = 1;
const CHUNKED_BODY = 2;
const END_PENDING = 3;
const DETACHED = 4;

export class RequestParser {
  readonly #limits: H1Limits;
  readonly #input = new ByteQueue();
  readonly #chunked: ChunkedDecoder;
  #state = HEAD;
  #failure: H1ParseError | null = null;
  /** Content-Length bytes still to come. */
  #remaining = 0;
  // The head being assembled; lines are consumed as they complete.
  #requestLine: RequestLine | null = null;
  #headers: Array<[string, string]> = [];
  #fields = new SpecialFields();
  #headBytes = 0;
  #emptyLines = 0;
  readonly #marks = new LineMarks();
  #valuesChecked = false;

  constructor(limits?: Partial<H1Limits>) {
    this.#limits = resolveLimits(limits);
    this.#chunked = new ChunkedDecoder(this.#limits);
  }

  /** Append bytes from the socket (may be split anywhere, even one byte at a time). The parser keeps a reference: do not reuse the Buffer. */
  push(chunk: Buffer): void {
    // After a failure the connection only writes the error response and closes.
    if (this.#failure === null) this.#input.push(chunk);
  }

  /** Bytes received but not yet turned into events. */
  get buffered(): number {
    return this.#input.length;
  }

  /**
   * After an upgrade or CONNECT was accepted: stop parsing and hand back every
   * unparsed byte. From then on next() returns null; bytes pushed later are
   * returned by another call.
   */
  takeRemaining(): Buffer {
    this.#state = DETACHED;
    return this.#input.drain();
  }

  /** Next event, or null when more bytes are needed. Throws H1ParseError, and keeps throwing it. */
  next(): ParseEvent | null {
    if (this.#failure !== null) throw this.#failure;
    try {
      return this.#step();
    } catch (error) {
      if (error instanceof H1ParseError) this.#failure = error;
      throw error;
    }
  }

  #step(): ParseEvent | null {
    switch (this.#state) {
      case HEAD: {
        const head = this.#readHead();
        if (head === null) return null;
        if (head.chunked) {
          this.#state = CHUNKED_BODY;
        } else if (head.contentLength !== null && head.contentLength > 0) {
          this.#remaining = head.contentLength;
          this.#state = LENGTH_BODY;
        } else {
          // RFC 9112 §6.3 item 7: a request without Content-Length or
          // Transfer-Encoding has no content; this holds for CONNECT and
          // upgrades too, whose bytes after the head belong to the new protocol.
          this.#state = END_PENDING;
        }
        return { type: 'head', head };
      }
      case LENGTH_BODY: {
        const chunk = this.#input.take(this.#remaining);
        if (chunk === null) return null;
        this.#remaining -= chunk.length;
        if (this.#remaining === 0) this.#state = END_PENDING;
        return { type: 'body', chunk };
      }
      case CHUNKED_BODY: {
        const event = this.#chunked.next(this.#input);
        if (event !== null && event.type === 'end') this.#state = HEAD;
        return event;
      }
      case END_PENDING:
        this.#state = HEAD;
        return END;
      default:
        return null;
    }
  }

  /** Consume complete head lines; the RequestHead once the empty line arrived, else null. */
  #readHead(): RequestHead | null {
    const input = this.#input;
    const limits = this.#limits;
    if (this.#requestLine === null) {
      // Fast path: the whole head arrived in one chunk. It becomes one string,
      // and its lines are judged exactly as if they had arrived one by one.
      const text = input.takeThrough(END_OF_HEAD, limits.maxHeaderBytes + 2 * limits.maxEmptyLinesBeforeRequest);
      if (text !== null) {
        // One regex pass over the head instead of one per value; on a hit the
        // per-value checks find which line is at fault.
        this.#valuesChecked = HEAD_BYTES.test(text);
        for (let start = 0; start < text.length; ) {
          const lf = text.indexOf('\n', start);
          const loneLF = lf === start || text.charCodeAt(lf - 1) !== CR;
          const head = this.#headLine(text, start, loneLF ? lf : lf - 1, loneLF);
          start = lf + 1;
          if (head !== null) return head;
        }
      }
    }
    for (;;) {
      const budget = limits.maxHeaderBytes - this.#headBytes;
      if (!input.readLine(budget)) {
        // Judge the line still arriving, so a peer cannot make us hold more than the limits before its LF.
        const error = lineError(this.#marks.ofPartial(input.partialLine, this.#requestLine === null), budget, this.#maxTarget(), 'HEADER_TOO_LARGE');
        if (error !== null) throw error;
        return null;
      }
      const text = input.line.toString('latin1', input.lineStart, input.lineEnd);
      this.#valuesChecked = false;
      const head = this.#headLine(text, 0, text.length, input.loneLF);
      if (head !== null) return head;
    }
  }

  /** Take in the head line text[start, end) (CR/LF excluded); the RequestHead when it was the empty line ending the head. */
  #headLine(text: string, start: number, end: number, loneLF: boolean): RequestHead | null {
    const limits = this.#limits;
    const length = end - start;
    const isRequestLine = this.#requestLine === null;
    // Lone LF is tolerated by RFC 9112 §2.2 ("MAY"); we reject it, because
    // peers that disagree on line endings disagree on where a request ends.
    const eolLength = loneLF ? 1 : 2;
    if (isRequestLine && length === 0) {
      if (loneLF) throw new H1ParseError('LONE_LF', 'empty line ends in LF without CR');
      // RFC 9112 §2.2: empty lines before the request line SHOULD be ignored, up to a bound.
      if (++this.#emptyLines > limits.maxEmptyLinesBeforeRequest) throw new H1ParseError('TOO_MANY_EMPTY_LINES', 'too many empty lines before the request line');
      return null;
    }
    const budget = limits.maxHeaderBytes - this.#headBytes;
    const error = lineError(this.#marks.ofLine(text, start, end, length + eolLength, isRequestLine), budget, this.#maxTarget(), 'HEADER_TOO_LARGE');
    if (error !== null) throw error;
    if (loneLF) throw new H1ParseError('LONE_LF', 'head line ends in LF without CR');
    this.#headBytes += length + 2;
    if (this.#requestLine === null) {
      this.#requestLine = parseRequestLine(text, start, end);
      return null;
    }
    if (length === 0) return this.#finishHead(this.#requestLine);
    if (this.#headers.length === limits.maxHeaderCount) throw new H1ParseError('TOO_MANY_HEADERS', `more than ${limits.maxHeaderCount} header fields`);
    const field = parseFieldLine(text, start, end, this.#valuesChecked);
    this.#headers.push(field);
    this.#fields.note(field[0], field[1]);
    return null;
  }

  /** The target limit applies while the request line is being read; -1 turns it off. */
  #maxTarget(): number {
    return this.#requestLine === null ? this.#limits.maxRequestTargetBytes : -1;
  }

  #finishHead(requestLine: RequestLine): RequestHead {
    const head = buildRequestHead(requestLine, this.#headers, this.#fields);
    this.#requestLine = null;
    this.#headers = [];
    this.#fields = new SpecialFields();
    this.#headBytes = 0;
    this.#emptyLines = 0;
    return head;
  }
}
