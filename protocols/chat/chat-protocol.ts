/**
 * The `lws-minimal` chat: every text message any client sends reaches every
 * connected client, the sender included, in order per sender (the seed's
 * lws-minimal example, without its single-slot message loss).
 *
 * Messages go into one {@link ChatRoom} per vhost: a ring, stored once, with
 * a tail per session. Receiving a message publishes it and requests a
 * writable event on every session (lws_callback_on_writable_all_protocol);
 * each session then sends from its tail while its not-yet-flushed bytes stay
 * under `max-buffered-bytes`, and asks for the next writable event when it
 * stops.
 *
 * Fast senders are paced, never closed: `receive` returns a promise the ws
 * layer waits for before it reads the sender's next message, so a sender
 * over its rate waits for its token bucket, and every sender waits while the
 * ring is full because some reader is behind. Only a reader that stops
 * taking messages for `laggard-timeout-ms` while the room waits on it is
 * closed (1008, with a log line).
 * @module
 */
import type { CloseInfo, Protocol, ProtocolContext, Session, WsMessage } from '../types.js';
import { CHAT_CLOSE_BINARY, CHAT_CLOSE_TOO_SLOW, CHAT_MAX_MESSAGE_SIZE, rateLimiter, resolveChatLimits, type ChatLimits } from './limits.js';
import { ChatRoom, type ChatReader, type LaggardInfo } from './room.js';
import type { TokenBucket } from './token-bucket.js';

export const CHAT_PROTOCOL_NAME = 'lws-minimal';

/** Per-vhost state (lws's per_vhost_data__minimal). */
export interface ChatVhost {
  readonly room: ChatRoom<ChatSessionHandle>;
  readonly limits: ChatLimits;
  /** Senders whose next message waits for their token bucket right now. */
  rateWaiting: number;
}

/** Per-session state (lws's per_session_data__minimal). */
export interface ChatSession {
  readonly reader: ChatReader<ChatSessionHandle>;
  readonly bucket: TokenBucket | null;
  /** Counts one settled send (bound once per session: no closure per message). */
  readonly sent: () => void;
  readonly sendFailed: (err: unknown) => void;
}

type ChatSessionHandle = Session<ChatSession, ChatVhost>;

/** RFC 6455 §5.5: a close frame's payload is at most 125 bytes, so its reason at most 123 bytes of UTF-8. */
const MAX_CLOSE_REASON_BYTES = 123;

/** `why`, shortened to fit a close frame (the log line keeps the whole text). */
export function closeReason(why: string): string {
  let r = why;
  while (Buffer.byteLength(r) > MAX_CLOSE_REASON_BYTES) r = r.slice(0, -1);
  return r;
}

/** Test and embedding hooks (not config options). */
export interface ChatHooks {
  /** Where log lines go (default: the protocol context's log). */
  log?: (line: string) => void;
  /** Clock (ms) of the rate limiter and the laggard check. */
  now?: () => number;
}

/** At most 1 / messages-per-second: short enough to keep the process alive for. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Build the chat protocol from its `ws-protocols` options (see limits.ts).
 * @throws ProtocolConfigError for an unknown or invalid option.
 */
export function createChatProtocol(options: Readonly<Record<string, unknown>> = {}, hooks: ChatHooks = {}): Protocol<ChatVhost, ChatSession> {
  const limits = resolveChatLimits(options);
  const now = hooks.now ?? Date.now;
  const log = (ctx: ProtocolContext<ChatVhost, ChatSession>, line: string): void => (hooks.log ? hooks.log(line) : ctx.log(line));

  const drop = (session: ChatSessionHandle, code: number, why: string): void => {
    const ctx = session.context;
    ctx.state.room.leave(session.state.reader);
    log(ctx, `session ${session.id} closed ${code}: ${why}`);
    session.close(code, closeReason(why));
  };

  const laggard = (session: ChatSessionHandle, info: LaggardInfo): void => {
    const peer = session.request.remoteAddress ?? '?';
    drop(
      session,
      CHAT_CLOSE_TOO_SLOW,
      `too slow: took nothing for ${info.idleMs} ms (laggard-timeout-ms ${limits.laggardTimeoutMs}) while ${info.waiting} message(s) waited for room; ` +
        `${info.behind} messages behind (peer ${peer}, ${session.transport})`,
    );
  };

  /** Send from the tail while the session's unflushed bytes stay under the bound. */
  const pump = (session: ChatSessionHandle): void => {
    const { reader, sent, sendFailed } = session.state;
    const tail = reader.tail;
    const from = tail.next;
    while (session.open && !tail.detached && session.bufferedAmount < limits.maxBufferedBytes) {
      const message = tail.peek();
      if (message === undefined) break;
      tail.advance();
      session.send(message, 'text').then(sent, sendFailed);
    }
    if (tail.next !== from) session.context.state.room.advanced(reader, from);
    if (session.open && tail.pending > 0) session.requestWritable();
  };

  /** Wait (reading paused) until the sender's token bucket has a token for this message. */
  const paceSender = async (vhd: ChatVhost, bucket: TokenBucket): Promise<void> => {
    vhd.rateWaiting++;
    try {
      for (let ms = bucket.msUntilToken(); ms > 0; ms = bucket.msUntilToken()) await sleep(ms);
    } finally {
      vhd.rateWaiting--;
    }
    bucket.take();
  };

  return {
    name: CHAT_PROTOCOL_NAME,
    ws: { maxMessageSize: CHAT_MAX_MESSAGE_SIZE },

    init(ctx) {
      const room = new ChatRoom<ChatSessionHandle>({
        ringSize: limits.ringSize,
        laggardTimeoutMs: limits.laggardTimeoutMs > 0 ? limits.laggardTimeoutMs : Infinity,
        now,
        onPush: () => ctx.requestWritableAll(),
        onLaggard: laggard,
      });
      return { room, limits, rateWaiting: 0 };
    },

    established(session) {
      const reader = session.context.state.room.join(session, limits.backlog);
      if (reader.tail.pending > 0) session.requestWritable();
      const sendFailed = (err: unknown): void => {
        // The session closed under us (its `closed` event follows), or the ws
        // layer refused: either way this client stops getting messages, so say so.
        if (session.open) drop(session, CHAT_CLOSE_TOO_SLOW, `send failed: ${err instanceof Error ? err.message : String(err)}`);
      };
      return { reader, bucket: rateLimiter(limits, now), sent: () => void reader.progress++, sendFailed };
    },

    receive(session, message: WsMessage) {
      const { reader, bucket } = session.state;
      if (reader.tail.detached || !session.open) return; // already being closed: its words go nowhere
      if (message.kind !== 'text') {
        drop(session, CHAT_CLOSE_BINARY, 'binary messages are not supported: the chat relays text');
        return;
      }
      // From here the message is relayed, even if its sender leaves while it waits.
      // A promise returned here holds the sender's reading until it settles.
      const room = session.context.state.room;
      if (bucket && !bucket.take()) return paceSender(session.context.state, bucket).then(() => room.publish(message.data));
      return room.publish(message.data);
    },

    writable(session) {
      pump(session);
    },

    closed(session, _info: CloseInfo) {
      session.context.state.room.leave(session.state.reader);
    },

    destroy(ctx) {
      ctx.state.room.close();
    },
  };
}
