/**
 * One WebSocket session over an accepted tunnel (h1 Upgrade or an RFC 8441
 * h2 stream): feeds the peer's bytes into ws's Receiver, delivers whole
 * messages to the protocol in order, answers pings, runs the close handshake
 * (RFC 6455 §7) and the heartbeat, and sends every frame through
 * `tx.write(payload, WriteMode.*)` one at a time, so nothing is queued
 * beyond `maxBufferedAmount` and nothing leaves without the peer's credit.
 *
 * Receiving is paced by the reader: the peer's bytes are pulled from the
 * transport only while the protocol takes messages (its `receive` promise
 * settled, and `pauseReceiving()` not in force), so an h1 socket pauses and
 * an h2 stream's window is not replenished while the protocol is busy.
 * @module
 */
import type { CloseInfo, MessageKind, Protocol, ProtocolContext, Session, WsMessage } from './protocol-api.js';
import type { Request } from '../http/request.js';
import { WriteMode } from '../http/write-mode.js';
import { CloseCode, closeCodeForReceiverError, isSendableCloseCode, WsError, WsErrorCode } from './close-codes.js';
import { deflateMessage, type DeflateAgreement } from './deflate.js';
import { Heartbeat } from './heartbeat.js';
import { onShutdown } from './shutdown.js';
import { closePayload, frameHeaderLength, markCompressed, MAX_CONTROL_PAYLOAD, wsFramer } from './framer.js';
import type { WsLimits } from './limits.js';
import type { TunnelTransaction } from './tunnel.js';
import { PMD_NAME, Receiver, type Receiver as ReceiverT } from './ws-lib.js';

export interface SessionInit<S, V> {
  tx: TunnelTransaction;
  request: Request;
  protocol: Protocol<V, S>;
  context: ProtocolContext<V, S>;
  subprotocol: string | null;
  limits: WsLimits;
  deflate: DeflateAgreement | null;
  /** Called once when the session is over (after `closed`). */
  onFinished?: (session: WsSession<S, V>) => void;
  log?: (message: string) => void;
}

type InboxEvent =
  | { type: 'message'; message: WsMessage }
  | { type: 'ping'; data: Buffer }
  | { type: 'pong' }
  | { type: 'close'; code: number; reason: Buffer };

let nextSession = 0;

/** Reason strings in close frames are capped by the 125-byte control payload (§5.5.1). */
const MAX_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2;
/** Pongs waiting for the transport. 32 answers a burst of pings one by one (conformance suites send 10); beyond it only the newest is answered: 32 × 125 bytes at most per session. */
export const MAX_QUEUED_PONGS = 32;

export class WsSession<S = unknown, V = unknown> implements Session<S, V> {
  readonly id = `ws-${process.pid.toString(36)}-${(nextSession++).toString(36)}`;
  state: S = undefined as S;
  readonly context: ProtocolContext<V, S>;
  readonly request: Request;
  readonly transport: 'h1' | 'h2';
  readonly subprotocol: string | null;

  readonly #tx: TunnelTransaction;
  readonly #protocol: Protocol<V, S>;
  readonly #limits: WsLimits;
  readonly #deflate: DeflateAgreement | null;
  readonly #receiver: ReceiverT;
  readonly #init: SessionInit<S, V>;
  #inbox: InboxEvent[] = [];
  #frameError: { code: number; message: string } | null = null;

  #established = false;
  /** open: data may be sent. Cleared when our close frame is queued. */
  #open = false;
  #closeSent: { code: number; reason: string } | null = null;
  #closeReceived = false;
  #finished = false;
  #info: CloseInfo | null = null;

  #buffered = 0;
  #chain: Promise<void> = Promise.resolve();
  #pongQueue: Buffer[] = [];
  #writableArmed = false;
  #writableRunning = false;

  /** pauseReceiving() in force: the read loop waits at #receiveGate(). */
  #rxPaused = false;
  #rxResume: (() => void) | null = null;
  /** Resolves when the session stops being open: a pending `receive` is no longer awaited. */
  readonly #closing: Promise<void>;
  #signalClosing!: () => void;

  readonly #heartbeat: Heartbeat;
  #unsubscribeShutdown: (() => void) | null = null;
  #closeTimer: NodeJS.Timeout | null = null;
  /** Armed while frames are queued; each frame handed to the transport restarts it. */
  #stallTimer: NodeJS.Timeout | null = null;
  #queuedJobs = 0;

  constructor(init: SessionInit<S, V>) {
    this.#init = init;
    this.#closing = new Promise((resolve) => (this.#signalClosing = resolve));
    this.#tx = init.tx;
    this.request = init.request;
    this.transport = init.tx.protocol;
    this.#protocol = init.protocol;
    this.context = init.context;
    this.subprotocol = init.subprotocol;
    this.#limits = init.limits;
    this.#deflate = init.deflate;
    this.#receiver = new Receiver({
      isServer: true,
      maxPayload: init.limits.maxMessageSize,
      maxFragments: init.limits.maxFragments,
      binaryType: 'nodebuffer',
      ...(init.deflate && { extensions: { [PMD_NAME]: init.deflate.pmd } }),
    });
    this.#heartbeat = new Heartbeat({
      intervalMs: init.limits.pingIntervalMs,
      timeoutMs: init.limits.pongTimeoutMs,
      sendPing: () => (this.#open ? this.#enqueue(0, () => this.#tx.write(Buffer.alloc(0), WriteMode.PING)) : Promise.reject(new Error('closing'))),
      onTimeout: () => {
        this.#init.log?.(`${this.id}: no pong within ${init.limits.pongTimeoutMs} ms; dropping the transport`);
        this.#finish({ code: CloseCode.ABNORMAL, reason: 'pong timeout', wasClean: false, initiator: 'server' });
        this.#tx.abort();
      },
    });
    this.#receiver.on('message', (data, isBinary) => this.#inbox.push({ type: 'message', message: { kind: isBinary ? 'binary' : 'text', data } }));
    this.#receiver.on('ping', (data) => this.#inbox.push({ type: 'ping', data }));
    this.#receiver.on('pong', () => this.#inbox.push({ type: 'pong' }));
    this.#receiver.on('conclude', (code, reason) => this.#inbox.push({ type: 'close', code, reason }));
    this.#receiver.on('error', (err) => {
      this.#frameError ??= { code: closeCodeForReceiverError(err), message: err.message };
    });
  }

  get open(): boolean {
    return this.#open;
  }

  get bufferedAmount(): number {
    return this.#buffered;
  }

  get receivePaused(): boolean {
    return this.#rxPaused;
  }

  /** How the session ended, once it has. */
  get closeInfo(): CloseInfo | null {
    return this.#info;
  }

  allowance(): number {
    return this.#finished ? 0 : this.#tx.peerWriteAllowance();
  }

  /** Run the session: ESTABLISHED, then read until the close handshake or the transport ends. Resolves when it is over. */
  async run(): Promise<void> {
    this.#tx.useFramer(wsFramer);
    this.#tx.onAbort((reason) => this.#transportLost(reason));
    this.#tx.onWritable(() => this.#transportWritable());
    this.#open = true;
    try {
      this.state = await this.#protocol.established(this);
      this.#established = true;
    } catch (err) {
      this.#internalError('established', err);
      this.#fail(CloseCode.INTERNAL_ERROR, 'the protocol failed to set up the session');
      await this.#chain;
      return;
    }
    if (this.#finished) return;
    const shutdown = this.#tx.shutdown;
    if (shutdown) this.#unsubscribeShutdown = onShutdown(shutdown, () => this.#startClose(CloseCode.GOING_AWAY, 'server shutting down'));
    if (!this.#rxPaused) this.#heartbeat.start();
    try {
      for await (const chunk of this.#tx.request.body) {
        this.#heartbeat.seen();
        if (this.#closeReceived || this.#frameError) continue;
        await this.#feed(chunk);
        await this.#drainInbox();
        if (this.#finished) break;
        await this.#receiveGate(); // paused: the next chunk stays with the transport
      }
    } catch {
      // The body errors when the transport dies; onAbort reports it.
    }
    if (!this.#finished && !this.#closeReceived && !this.#frameError) {
      // The peer ended its side without a close frame (§7.1.5: code 1006).
      void this.#tx.end().catch(() => {});
      this.#finish({ code: CloseCode.ABNORMAL, reason: '', wasClean: false, initiator: 'transport' });
    }
    await this.#chain;
  }

  send(data: Buffer | string, kind?: MessageKind): Promise<void> {
    if (!this.#open) return Promise.reject(new WsError(WsErrorCode.CLOSED, 'send() on a closed WebSocket session'));
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    const k: MessageKind = kind ?? (typeof data === 'string' ? 'text' : 'binary');
    const cost = payload.length + frameHeaderLength(payload.length);
    if (this.#buffered > 0 && this.#buffered + cost > this.#limits.maxBufferedAmount) {
      return Promise.reject(
        new WsError(WsErrorCode.BUFFER_FULL, `send() of ${payload.length} bytes would buffer ${this.#buffered + cost} > maxBufferedAmount ${this.#limits.maxBufferedAmount}`),
      );
    }
    const mode = k === 'text' ? WriteMode.TEXT : WriteMode.BINARY;
    const deflate = this.#deflate;
    if (deflate && payload.length >= deflate.threshold) {
      return this.#enqueue(cost, async () => this.#tx.write(markCompressed(await deflateMessage(deflate.pmd, payload)), mode));
    }
    return this.#enqueue(cost, () => this.#tx.write(payload, mode));
  }

  pauseReceiving(): void {
    if (this.#rxPaused || this.#finished) return;
    this.#rxPaused = true;
    this.#heartbeat.suspend();
  }

  resumeReceiving(): void {
    if (!this.#rxPaused) return;
    this.#rxPaused = false;
    if (this.#established && !this.#finished) this.#heartbeat.start();
    this.#releaseGate();
  }

  requestWritable(): void {
    if (!this.#open || this.#writableArmed) return;
    this.#writableArmed = true;
    if (this.#buffered === 0 && !this.#writableRunning) this.#tx.requestWritable();
  }

  close(code: number = CloseCode.NORMAL, reason = ''): void {
    if (!isSendableCloseCode(code)) throw new WsError(WsErrorCode.INVALID_CLOSE, `close code ${code} may not be sent (RFC 6455 §7.4)`);
    if (Buffer.byteLength(reason) > MAX_REASON_BYTES) throw new WsError(WsErrorCode.INVALID_CLOSE, `close reason longer than ${MAX_REASON_BYTES} bytes`);
    this.#startClose(code, reason);
  }

  // --- receiving ---

  /** Resolves at once unless receiving is paused; then on resume, or when the session starts closing (its close frame must be read). */
  #receiveGate(): Promise<void> | undefined {
    if (!this.#rxPaused || !this.#open) return undefined;
    return new Promise((resolve) => (this.#rxResume = resolve));
  }

  #releaseGate(): void {
    const resume = this.#rxResume;
    this.#rxResume = null;
    resume?.();
  }

  /** No more data messages in either direction: wake the read loop so it finds the close frame. */
  #stopOpen(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#signalClosing();
    this.#releaseGate();
  }

  #feed(chunk: Buffer): Promise<void> {
    return new Promise((resolve) => this.#receiver.write(chunk, () => resolve()));
  }

  async #drainInbox(): Promise<void> {
    while (this.#inbox.length > 0 && !this.#finished) {
      const ev = this.#inbox.shift() as InboxEvent;
      switch (ev.type) {
        case 'message':
          if (this.#open && this.#protocol.receive) await this.#receiveGate();
          if (this.#open && this.#protocol.receive) {
            try {
              const pending = this.#protocol.receive(this, ev.message);
              if (pending) await Promise.race([pending, this.#closing]);
            } catch (err) {
              if (this.#open) {
                this.#internalError('receive', err);
                this.#startClose(CloseCode.INTERNAL_ERROR, '');
              }
            }
          }
          break;
        case 'ping':
          this.#queuePong(ev.data);
          break;
        case 'pong':
          break;
        case 'close':
          this.#peerClosed(ev.code, ev.reason.toString());
          break;
      }
    }
    this.#inbox.length = 0;
    const fe = this.#frameError;
    if (fe && !this.#finished && !this.#closeReceived) this.#fail(fe.code, fe.message);
  }

  /** §7.1.7 Fail the WebSocket Connection: close frame with the code, then drop the transport. */
  #fail(code: number, message: string): void {
    this.#init.log?.(`${this.id}: closing with ${code}: ${message}`);
    if (this.#closeSent === null) {
      this.#stopOpen();
      this.#closeSent = { code, reason: '' };
      this.#enqueue(0, () => this.#tx.write(closePayload(code, ''), WriteMode.CLOSE)).catch(() => {});
    }
    this.#endTransport();
    this.#finish({ code, reason: message, wasClean: false, initiator: 'server' });
  }

  #peerClosed(code: number, reason: string): void {
    this.#closeReceived = true;
    if (this.#closeSent === null) {
      // §5.5.1: answer with a close frame, echoing the code (1005 = none: answer without a code).
      this.#stopOpen();
      this.#closeSent = { code, reason: '' };
      this.#enqueue(0, () => this.#tx.write(closePayload(code, ''), WriteMode.CLOSE)).catch(() => {});
      this.#endTransport();
      this.#finish({ code, reason, wasClean: true, initiator: 'peer' });
    } else {
      this.#endTransport();
      this.#finish({ code: this.#closeSent.code, reason: this.#closeSent.reason, wasClean: true, initiator: 'server' });
    }
  }

  // --- sending ---

  /** Serialize a write behind the previous ones; `cost` counts toward bufferedAmount until it is handed over. */
  #enqueue(cost: number, job: () => Promise<void>): Promise<void> {
    this.#buffered += cost;
    if (this.#queuedJobs++ === 0) this.#armStall();
    const run = this.#chain.then(job);
    const settled = run.then(
      () => this.#written(cost),
      () => this.#written(cost),
    );
    this.#chain = settled;
    return run;
  }

  #written(cost: number): void {
    this.#buffered -= cost;
    if (--this.#queuedJobs === 0) this.#disarmStall();
    else this.#stallTimer?.refresh();
    if (this.#buffered === 0 && this.#writableArmed && this.#open && !this.#writableRunning) this.#tx.requestWritable();
  }

  /** A peer that takes none of our frames for sendStallTimeoutMs is gone for practical purposes: no close frame can reach it either. */
  #armStall(): void {
    const ms = this.#limits.sendStallTimeoutMs;
    if (ms === 0 || this.#finished) return;
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = null;
      this.#init.log?.(`${this.id}: the peer took none of our frames for ${ms} ms (${this.#buffered} bytes waiting); dropping the transport`);
      this.#finish({ code: CloseCode.ABNORMAL, reason: 'send stalled', wasClean: false, initiator: 'server' });
      this.#tx.abort();
    }, ms);
    this.#stallTimer.unref();
  }

  #disarmStall(): void {
    if (this.#stallTimer) clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
  }

  /**
   * Answer a ping. Pongs wait in order behind our other frames; past
   * MAX_QUEUED_PONGS only the newest ping is answered (§5.5.3 allows it),
   * so a peer that floods pings while not reading cannot grow our memory.
   */
  #queuePong(data: Buffer): void {
    if (this.#closeSent !== null) return;
    if (this.#pongQueue.length >= MAX_QUEUED_PONGS) {
      this.#pongQueue[this.#pongQueue.length - 1] = data;
      return;
    }
    this.#pongQueue.push(data);
    this.#enqueue(0, () => {
      const payload = this.#pongQueue.shift();
      if (payload === undefined || this.#closeSent !== null) return Promise.resolve();
      return this.#tx.write(payload, WriteMode.PONG);
    }).catch(() => {});
  }

  #startClose(code: number, reason: string): void {
    if (this.#closeSent !== null || this.#finished) return;
    this.#stopOpen();
    this.#closeSent = { code, reason };
    this.#enqueue(0, () => this.#tx.write(closePayload(code, reason), WriteMode.CLOSE)).catch(() => {});
    this.#closeTimer = setTimeout(() => {
      this.#init.log?.(`${this.id}: no close frame from the peer within ${this.#limits.closeTimeoutMs} ms; dropping the transport`);
      this.#finish({ code, reason, wasClean: false, initiator: 'server' });
      this.#tx.abort();
    }, this.#limits.closeTimeoutMs);
    this.#closeTimer.unref();
  }

  /** After the last frame: end the tunnel (h1: socket end once flushed; h2: END_STREAM). §7.1.1: the server closes first. */
  #endTransport(): void {
    let done = false;
    this.#chain = this.#chain.then(() =>
      this.#tx
        .end()
        .catch(() => {})
        .finally(() => (done = true)),
    );
    // A peer that grants no credit for our close frame must not pin the tunnel forever.
    setTimeout(() => {
      if (!done) {
        this.#init.log?.(`${this.id}: close frame not delivered within ${this.#limits.closeTimeoutMs} ms; dropping the transport`);
        this.#tx.abort();
      }
    }, this.#limits.closeTimeoutMs).unref();
  }

  #transportWritable(): void {
    if (!this.#writableArmed || !this.#open || this.#writableRunning) return;
    if (this.#buffered > 0) return; // re-armed by #written when the queue drains
    this.#writableArmed = false;
    const handler = this.#protocol.writable;
    if (!handler) return;
    this.#writableRunning = true;
    let result: void | Promise<void>;
    try {
      result = handler.call(this.#protocol, this);
    } catch (err) {
      this.#writableRunning = false;
      this.#writableFailed(err);
      return;
    }
    Promise.resolve(result).then(
      () => this.#writableDone(),
      (err: unknown) => {
        this.#writableRunning = false;
        this.#writableFailed(err);
      },
    );
  }

  #writableDone(): void {
    this.#writableRunning = false;
    if (this.#writableArmed && this.#buffered === 0 && this.#open) this.#tx.requestWritable();
  }

  #writableFailed(err: unknown): void {
    if (!this.#open) return;
    this.#internalError('writable', err);
    this.#startClose(CloseCode.INTERNAL_ERROR, '');
  }

  // --- the end ---

  #transportLost(reason: Error): void {
    if (this.#finished) return;
    this.#init.log?.(`${this.id}: transport lost: ${reason.message}`);
    this.#finish({ code: CloseCode.ABNORMAL, reason: '', wasClean: false, initiator: 'transport' });
  }

  #internalError(where: string, err: unknown): void {
    const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.#init.log?.(`${this.id}: protocol ${this.#protocol.name} threw in ${where}: ${msg}`);
  }

  #finish(info: CloseInfo): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#stopOpen();
    this.#info = info;
    this.#heartbeat.stop();
    this.#unsubscribeShutdown?.();
    if (this.#closeTimer) clearTimeout(this.#closeTimer);
    this.#closeTimer = null;
    this.#disarmStall();
    this.#inbox.length = 0;
    this.#receiver.removeAllListeners('message');
    this.#receiver.on('error', () => {});
    this.#deflate?.pmd.cleanup();
    if (this.#established) {
      try {
        this.#protocol.closed?.(this, info);
      } catch (err) {
        this.#internalError('closed', err);
      }
    }
    this.#init.onFinished?.(this);
  }
}
