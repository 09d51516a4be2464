/**
 * A request body as a Readable whose consumption drives the transport's
 * back-pressure: bytes are reported consumed (and, on HTTP/2, credit is given
 * back to the peer) only when the application pulls them, so a slow handler
 * slows the uploader instead of growing server memory.
 * @module
 */
import { Readable } from 'node:stream';
import { SluiceError, SluiceErrorCode } from '../errors.js';

export type HeaderList = Array<[name: string, value: string]>;

export interface BodySource {
  /** The application pulled `n` bytes out of the body (release credit / resume the socket). */
  consumed(n: number): void;
  /** The application abandoned the body: the rest is discarded as it arrives. */
  discarded(queuedBytes: number): void;
  /** The application started reading (HTTP/1.1 sends `100 Continue` here, RFC 9110 §10.1.1). */
  started?(): void;
}

export class RequestBody extends Readable {
  #queue: Buffer[] = [];
  #queued = 0;
  #ended = false;
  #wanting = false;
  #started = false;
  #trailers: HeaderList | null = null;
  readonly #source: BodySource;

  constructor(source: BodySource) {
    super();
    this.#source = source;
  }

  /** Bytes received but not yet pulled by the application. */
  get queuedBytes(): number {
    return this.#queued;
  }

  /** Trailer fields, once the body has ended with them. */
  get trailers(): HeaderList | null {
    return this.#trailers;
  }

  /** Transport side: more body bytes arrived. */
  enqueue(chunk: Buffer): void {
    if (this.#ended || this.destroyed) {
      this.#source.discarded(chunk.length);
      return;
    }
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (this.#wanting) this.#drain();
  }

  /** Transport side: the body is complete. */
  finish(trailers: HeaderList | null = null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#trailers = trailers;
    if (this.#wanting) this.#drain();
  }

  /**
   * Transport side: the request was aborted before its body completed. Readers
   * that listen for 'error' (async iteration, pipeline, bytes()) get `err`; a body
   * nobody reads is just closed, never an uncaught 'error' that kills the process.
   */
  fail(err: Error): void {
    if (this.#ended && this.#queue.length === 0) return;
    this.#ended = true;
    this.destroy(this.listenerCount('error') > 0 ? err : undefined);
  }

  override _read(): void {
    if (!this.#started) {
      this.#started = true;
      this.#source.started?.();
    }
    this.#wanting = true;
    this.#drain();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.#queued > 0) this.#source.discarded(this.#queued);
    this.#queue = [];
    this.#queued = 0;
    cb(err);
  }

  #drain(): void {
    while (this.#wanting && this.#queue.length > 0) {
      const chunk = this.#queue.shift()!;
      this.#queued -= chunk.length;
      this.#source.consumed(chunk.length);
      this.#wanting = this.push(chunk);
    }
    if (this.#ended && this.#queue.length === 0 && !this.readableEnded) {
      this.#wanting = false;
      this.push(null);
    }
  }

  /** Read the whole body, refusing more than `limit` bytes. */
  async bytes(limit = 1 << 20): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of this as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limit) {
        this.destroy();
        throw new SluiceError(SluiceErrorCode.BODY_TOO_LARGE, `request body larger than ${limit} bytes`);
      }
      parts.push(chunk);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  }

  async text(limit?: number): Promise<string> {
    return (await this.bytes(limit)).toString('utf8');
  }
}

/** A shared-nothing empty body for requests that have none. */
export function emptyBody(): RequestBody {
  const b = new RequestBody({ consumed() {}, discarded() {} });
  b.finish();
  return b;
}
