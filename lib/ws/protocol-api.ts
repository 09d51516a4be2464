/**
 * The protocol plugin API (lws's `struct lws_protocols`, typed). A protocol is
 * a WebSocket subprotocol with per-vhost state and per-session state, driven
 * by the lws lifecycle as typed events:
 *
 * | lws reason                         | here                         |
 * |------------------------------------|------------------------------|
 * | LWS_CALLBACK_PROTOCOL_INIT         | `init(ctx)` → vhost state    |
 * | LWS_CALLBACK_ESTABLISHED           | `established(session)` → session state |
 * | LWS_CALLBACK_RECEIVE               | `receive(session, message)` (whole message, bounded) |
 * | LWS_CALLBACK_SERVER_WRITEABLE      | `writable(session)`          |
 * | LWS_CALLBACK_CLOSED                | `closed(session, info)`      |
 * | LWS_CALLBACK_PROTOCOL_DESTROY      | `destroy(ctx)`               |
 * | lws_callback_on_writable           | `session.requestWritable()`  |
 * | lws_callback_on_writable_all_protocol | `ctx.requestWritableAll()` |
 * | lws_write(LWS_WRITE_TEXT/BINARY)   | `session.send(data, 'text' \| 'binary')` |
 * | lws_get_peer_write_allowance       | `session.allowance()`        |
 * | lws_rx_flow_control(wsi, 0 / 1)    | `session.pauseReceiving()` / `session.resumeReceiving()` |
 *
 * The types live in lib/ (the ws layer drives them); `protocols/types.ts`
 * re-exports them for protocol authors, next to the registry's own types.
 *
 * Protocol code never knows whether it runs over HTTP/1.1 Upgrade or an
 * RFC 8441 HTTP/2 stream.
 * @module
 */
import type { Transaction } from '../http/transaction.js';
import type { Request } from '../http/request.js';

/** 'text' frames carry valid UTF-8 (checked on receive, RFC 6455 §8.1); 'binary' anything. */
export type MessageKind = 'text' | 'binary';

/** One whole received message: fragments reassembled, decompressed, size-bounded. */
export interface WsMessage {
  readonly kind: MessageKind;
  /** The payload. For 'text' it is valid UTF-8; share it freely (never reused by the ws layer). */
  readonly data: Buffer;
}

/** Why a session ended (`closed` event). */
export interface CloseInfo {
  /** The close code (RFC 6455 §7.4): the peer's, ours, or 1006 when the transport died without a close frame. */
  readonly code: number;
  readonly reason: string;
  /** True when a close frame was both sent and received (the close handshake completed). */
  readonly wasClean: boolean;
  /** Who started the close: 'peer', 'server' (our close()/a protocol error), or 'transport' (connection lost). */
  readonly initiator: 'peer' | 'server' | 'transport';
}

/** WebSocket-layer options a protocol (or its `ws-protocols` config) may set. Every field has a default in lib/ws. */
export interface WsSessionOptions {
  /** Largest received message in bytes after reassembly/decompression; larger → close 1009. */
  maxMessageSize?: number;
  /** Frames per fragmented message; more → close 1008. */
  maxFragments?: number;
  /** permessage-deflate (RFC 7692); off by default. `true` = defaults, or the ws PerMessageDeflate options. */
  perMessageDeflate?: boolean | PerMessageDeflateConfig;
  /** Send a ping after this long without traffic from the peer; 0 disables the heartbeat. */
  pingIntervalMs?: number;
  /** Drop the transport when no pong arrives this long after a ping (`closed` reports 1006, initiator 'server'). */
  pongTimeoutMs?: number;
  /** Bytes `send()` may hold beyond what the transport accepted; past it `send()` rejects (WS_ERR_BUFFER_FULL). */
  maxBufferedAmount?: number;
  /** How long to wait for the peer's close frame after ours before dropping the transport. */
  closeTimeoutMs?: number;
  /** Drop the transport when our queued frames make no progress this long (0 = never). */
  sendStallTimeoutMs?: number;
}

export interface PerMessageDeflateConfig {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number;
  clientMaxWindowBits?: number;
  /** Messages smaller than this are sent uncompressed (default 1024). */
  threshold?: number;
}

/** Protocol-wide context: one per (vhost, protocol), created before `init`. */
export interface ProtocolContext<V = unknown, S = unknown> {
  /** The vhost name (`tx.vhost`), or '' when the server has no vhosts. */
  readonly vhost: string;
  /** The protocol's name (its subprotocol token). */
  readonly protocolName: string;
  /** The per-vhost state returned by `init` (undefined until `init` returned). */
  readonly state: V;
  /** The open sessions of this protocol on this vhost. */
  sessions(): IterableIterator<Session<S, V>>;
  /** Arm one writable event on every open session (lws_callback_on_writable_all_protocol). */
  requestWritableAll(): void;
  /** A log line tagged with vhost and protocol (stderr by default). */
  log(message: string): void;
}

/** One WebSocket connection on a protocol. */
export interface Session<S = unknown, V = unknown> {
  /** Unique per process, for logs. */
  readonly id: string;
  /** The per-session state returned by `established`. */
  state: S;
  readonly context: ProtocolContext<V, S>;
  /** The handshake request (path, headers, remoteAddress, ...). Its body is owned by the ws layer. */
  readonly request: Request;
  /** 'h1' (Upgrade) or 'h2' (RFC 8441 extended CONNECT). */
  readonly transport: 'h1' | 'h2';
  /** The subprotocol echoed in Sec-WebSocket-Protocol, or null when chosen as the default. */
  readonly subprotocol: string | null;
  /** True from `established` until the close handshake starts. */
  readonly open: boolean;
  /**
   * Bytes accepted by `send()` that the transport has not taken yet (frame
   * headers included). Bounded by `maxBufferedAmount`.
   */
  readonly bufferedAmount: number;
  /** The peer's credit now: h2 stream/connection window; Infinity on h1 (lws_get_peer_write_allowance). */
  allowance(): number;
  /**
   * Send one message. Resolves once the frame is handed to the transport
   * (on h2: never past the peer's credit; large frames wait for WINDOW_UPDATE).
   * Rejects with WS_ERR_BUFFER_FULL if `bufferedAmount` would pass `maxBufferedAmount`,
   * or WS_ERR_CLOSED after close. Strings are sent as UTF-8; `kind` defaults to
   * 'text' for strings and 'binary' for Buffers. The Buffer is not copied: do
   * not mutate it until the promise settles (broadcast one Buffer to many sessions).
   */
  send(data: Buffer | string, kind?: MessageKind): Promise<void>;
  /**
   * Arm one `writable` event: fires when nothing of ours is buffered and the
   * transport takes more (on h2: credit > 0). Several calls before it fires arm it once.
   */
  requestWritable(): void;
  /**
   * Stop reading from this peer (lws_rx_flow_control(wsi, 0)): no further
   * message is delivered to `receive`, and no more of the peer's bytes are
   * read into memory. Over HTTP/1.1 the socket is paused once the little
   * already read is queued; over HTTP/2 the stream's receive window is not
   * replenished, so the peer's own flow control stops the sender. What the
   * server holds meanwhile is at most one socket read (h1) or one stream
   * window (h2), never more. The heartbeat is suspended while paused (its
   * answer could not be read); the close handshake always reads on.
   * Idempotent: one call to `resumeReceiving()` undoes any number of pauses.
   */
  pauseReceiving(): void;
  /** Read again (lws_rx_flow_control(wsi, 1)): messages held back are delivered, in order, then reading continues. */
  resumeReceiving(): void;
  /** True between `pauseReceiving()` and `resumeReceiving()`. */
  readonly receivePaused: boolean;
  /** Start the close handshake (RFC 6455 §7.1.2). Default 1000, ''. Reason ≤ 123 bytes of UTF-8. */
  close(code?: number, reason?: string): void;
}

/**
 * A WebSocket protocol. `V` is the per-vhost state, `S` the per-session state.
 * Handlers may be async; `receive` for the next message of a session waits
 * for the previous one's promise (reading pauses exactly as with
 * `pauseReceiving()`, so a slow protocol slows the sender instead of
 * buffering). Once the session starts closing the ws layer stops waiting for
 * a pending `receive` (it must read the peer's close frame). A thrown
 * error/rejection closes the session with 1011 and is logged.
 */
export interface Protocol<V = unknown, S = unknown> {
  /** The subprotocol token (Sec-WebSocket-Protocol), e.g. 'lws-minimal'. */
  readonly name: string;
  /** WebSocket-layer defaults for this protocol; the `ws-protocols` config entry overrides them. */
  readonly ws?: WsSessionOptions;
  /** INIT: once per vhost, when the handler is built. Returns the per-vhost state. */
  init(ctx: ProtocolContext<V, S>): V;
  /** ESTABLISHED: the handshake completed. Returns the per-session state. */
  established(session: Session<S, V>): S | Promise<S>;
  /** RECEIVE: one whole message. */
  receive?(session: Session<S, V>, message: WsMessage): void | Promise<void>;
  /** SERVER_WRITEABLE: after `requestWritable()`, when the session can write. */
  writable?(session: Session<S, V>): void | Promise<void>;
  /** CLOSED: once per established session, whatever ended it. */
  closed?(session: Session<S, V>, info: CloseInfo): void;
  /** DESTROY: the vhost handler is being torn down (server close). */
  destroy?(ctx: ProtocolContext<V, S>): void;
  /**
   * Optional plain-HTTP side of the protocol: serves `callback://NAME`
   * mounts (see `protocolCallbacks()` in protocols/index.ts), so custom
   * handlers and WebSocket protocols share one model.
   */
  http?(tx: Transaction, ctx: ProtocolContext<V, S>): void | Promise<void>;
}
