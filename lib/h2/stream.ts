/**
 * One HTTP/2 stream as the server sees it: its state (RFC 9113 §5.1), its two
 * windows, the request it carries and the queue of response bytes waiting for
 * credit. Frames are produced by the session; this class is the stream's
 * bookkeeping and its face toward the unified write API (ResponseBackend).
 *
 * The server side of the §5.1 diagram (no server push, so no reserved states):
 *
 *                          +--------+
 *                  recv H  |        |
 *          ,---------------|  idle  |
 *          |               +--------+
 *          v
 *      +--------+  recv ES  +----------+
 *      |  open  |---------->|  half-   |
 *      |        |           |  closed  |   send ES / send R / recv R
 *      +--------+           | (remote) |--------------------------,
 *       |      |            +----------+                          |
 *       |      | send ES                                          v
 *       |      v                                              +--------+
 *       |  +----------+         recv ES / send R / recv R     |        |
 *       |  |  half-   |-------------------------------------->| closed |
 *       |  |  closed  |                                       |        |
 *       |  | (local)  |                                       +--------+
 *       |  +----------+                                           ^
 *       '----------------------- send R / recv R -----------------'
 *
 *   H: HEADERS, ES: END_STREAM flag, R: RST_STREAM
 * @module
 */
import { SluiceError, SluiceErrorCode } from '../errors.js';
import type { HeaderList, RequestBody } from '../http/request-body.js';
import type { ResponseBackend } from '../http/transaction.js';
import { ErrorCode } from './errors.js';
import { ReceiveWindow, SendWindow, sendAllowance } from './flow-control.js';

export const StreamState = {
  OPEN: 'open',
  HALF_CLOSED_LOCAL: 'half-closed (local)',
  HALF_CLOSED_REMOTE: 'half-closed (remote)',
  CLOSED: 'closed',
} as const;
export type StreamState = (typeof StreamState)[keyof typeof StreamState];

/** Response bytes waiting to become DATA frames. */
export interface OutboundChunk {
  data: Buffer;
  offset: number;
  end: boolean;
  resolve: () => void;
  reject: (err: Error) => void;
  /** The transport no longer references `data` (see ResponseBackend.sendData). */
  flushed?: (() => void) | undefined;
}

/** What a stream needs from its session to send. */
export interface StreamOwner {
  connectionWindow: SendWindow;
  sendHead(stream: H2Stream, status: number, fields: HeaderList, endStream: boolean): void;
  dataQueued(stream: H2Stream): void;
  writableRequested(stream: H2Stream): void;
  resetStream(stream: H2Stream, errorCode: number): void;
}

export interface StreamRequest {
  method: string;
  scheme: string;
  authority: string;
  path: string;
  protocol: string | null;
  headers: HeaderList;
}

export class H2Stream implements ResponseBackend {
  readonly protocol = 'h2' as const;
  state: StreamState;
  readonly sendWindow: SendWindow;
  readonly recvWindow: ReceiveWindow;
  /** RFC 9218 urgency: 0 (most urgent) .. 7; 3 by default. */
  urgency = 3;
  /** Request body, null when the request had END_STREAM on its HEADERS. */
  body: RequestBody | null = null;
  /** Declared request content-length, checked against the DATA received (§8.1.1). */
  expectedLength = -1;
  receivedLength = 0;
  readonly queue: OutboundChunk[] = [];
  onWritable: (() => void) | null = null;
  /** DATA octets sent so far (the credit-stall sweep's measure of progress). */
  dataSent = 0;
  /** When the stall sweep first saw this stream wanting to send without credit (0: not stalled), and dataSent then. */
  stalledSince = 0;
  stalledAt = 0;
  onAbort: ((reason: Error) => void) | null = null;
  #owner: StreamOwner;

  constructor(
    readonly id: number,
    readonly request: StreamRequest,
    endStream: boolean,
    owner: StreamOwner,
    sendWindowSize: number,
    recvWindowSize: number,
  ) {
    this.state = endStream ? StreamState.HALF_CLOSED_REMOTE : StreamState.OPEN;
    this.sendWindow = new SendWindow(sendWindowSize);
    this.recvWindow = new ReceiveWindow(recvWindowSize);
    this.#owner = owner;
  }

  /** Whether the peer can still send on this stream. */
  get remoteOpen(): boolean {
    return this.state === StreamState.OPEN || this.state === StreamState.HALF_CLOSED_LOCAL;
  }

  /** Whether we can still send on this stream. */
  get localOpen(): boolean {
    return this.state === StreamState.OPEN || this.state === StreamState.HALF_CLOSED_REMOTE;
  }

  /** END_STREAM received. */
  recvEnd(): void {
    this.state = this.state === StreamState.OPEN ? StreamState.HALF_CLOSED_REMOTE : StreamState.CLOSED;
  }

  /** END_STREAM sent. */
  sendEnd(): void {
    this.state = this.state === StreamState.OPEN ? StreamState.HALF_CLOSED_LOCAL : StreamState.CLOSED;
  }

  /** RST_STREAM sent or received, or the connection died: fail everything pending. */
  close(reason: Error | null): void {
    this.state = StreamState.CLOSED;
    // Errors capture a stack trace: build them only when a write is actually pending (not on every normal end).
    if (this.queue.length > 0) {
      const message = reason?.message ?? `stream ${this.id} closed`;
      for (const c of this.queue.splice(0)) c.reject(new SluiceError(SluiceErrorCode.STREAM_CLOSED, message));
    }
    if (reason) {
      this.body?.fail(reason);
      const onAbort = this.onAbort;
      this.onAbort = null;
      onAbort?.(reason);
    }
  }

  /** Octets of response queued but not yet framed. */
  get queuedBytes(): number {
    let n = 0;
    for (const c of this.queue) n += c.data.length - c.offset;
    return n;
  }

  // --- ResponseBackend ---

  sendHead(status: number, fields: HeaderList, endStream: boolean): void {
    if (!this.localOpen) return;
    this.#owner.sendHead(this, status, fields, endStream);
  }

  sendData(data: Buffer, end: boolean, flushed?: () => void): Promise<void> {
    if (!this.localOpen) return Promise.reject(new SluiceError(SluiceErrorCode.STREAM_CLOSED, `stream ${this.id} is closed`));
    if (data.length === 0 && !end) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ data, offset: 0, end, resolve, reject, flushed });
      this.#owner.dataQueued(this);
    });
  }

  allowance(): number {
    return this.localOpen ? sendAllowance(this.sendWindow, this.#owner.connectionWindow) : 0;
  }

  requestWritable(): void {
    if (this.localOpen) this.#owner.writableRequested(this);
  }

  abort(): void {
    if (this.state !== StreamState.CLOSED) this.#owner.resetStream(this, ErrorCode.INTERNAL_ERROR);
  }
}
