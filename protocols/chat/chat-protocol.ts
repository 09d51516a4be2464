/**
 * The `lws-minimal` chat: every text message any client sends reaches every
 * connected client, the sender included, in order per sender (the seed's
 * lws-minimal example, without its single-slot message loss).
 *
 * Messages go into one {@link MessageRing} per vhost, stored once; each
 * session has a tail. Receiving a message pushes it and requests a writable
 * event on every session (lws_callback_on_writable_all_protocol); each
 * session then sends from its tail while its not-yet-flushed bytes stay under
 * `max-buffered-bytes`, and asks for the next writable event when it stops.
 * A session whose peer does not read falls behind in the ring; when a new
 * message would overwrite one it has not been sent, it is closed with 1008
 * and a log line, never silently skipped forward.
 * @module
 */
import type { CloseInfo, Protocol, ProtocolContext, Session, WsMessage } from '../types.js';
import {
  CHAT_CLOSE_BINARY,
  CHAT_CLOSE_RATE,
  CHAT_CLOSE_TOO_SLOW,
  CHAT_MAX_MESSAGE_SIZE,
  rateLimiter,
  resolveChatLimits,
  type ChatLimits,
} from './limits.js';
import { MessageRing, type RingTail } from './ring.js';
import type { TokenBucket } from './token-bucket.js';

export const CHAT_PROTOCOL_NAME = 'lws-minimal';

/** Per-vhost state (lws's per_vhost_data__minimal). */
export interface ChatVhost {
  readonly ring: MessageRing<Buffer>;
  readonly limits: ChatLimits;
  /** Session of each tail, to close the clients an overrun reports. */
  readonly owners: Map<RingTail<Buffer>, ChatSessionHandle>;
}

/** Per-session state (lws's per_session_data__minimal). */
export interface ChatSession {
  readonly tail: RingTail<Buffer>;
  readonly bucket: TokenBucket | null;
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
  /** Clock for the rate limiter (ms). */
  now?: () => number;
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
    ctx.state.ring.removeTail(session.state.tail);
    ctx.state.owners.delete(session.state.tail);
    log(ctx, `session ${session.id} closed ${code}: ${why}`);
    session.close(code, closeReason(why));
  };

  /** Send from the tail while the session's unflushed bytes stay under the bound. */
  const pump = (session: ChatSessionHandle): void => {
    const { tail } = session.state;
    while (session.open && !tail.detached && session.bufferedAmount < limits.maxBufferedBytes) {
      const message = tail.peek();
      if (message === undefined) return;
      tail.advance();
      session.send(message, 'text').catch((err: unknown) => {
        // The session closed under us (its `closed` event follows), or the ws
        // layer refused: either way this client stops getting messages, so say so.
        if (session.open) drop(session, CHAT_CLOSE_TOO_SLOW, `send failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
    if (session.open && tail.pending > 0) session.requestWritable();
  };

  return {
    name: CHAT_PROTOCOL_NAME,
    ws: { maxMessageSize: CHAT_MAX_MESSAGE_SIZE },

    init() {
      return { ring: new MessageRing<Buffer>(limits.ringSize), limits, owners: new Map() };
    },

    established(session) {
      const vhd = session.context.state;
      const tail = vhd.ring.addTail(limits.backlog);
      vhd.owners.set(tail, session);
      if (tail.pending > 0) session.requestWritable();
      return { tail, bucket: rateLimiter(limits, now) };
    },

    receive(session, message: WsMessage) {
      const { tail, bucket } = session.state;
      if (tail.detached || !session.open) return; // already being closed: its words go nowhere
      if (message.kind !== 'text') {
        drop(session, CHAT_CLOSE_BINARY, 'binary messages are not supported: the chat relays text');
        return;
      }
      if (bucket && !bucket.take()) {
        drop(session, CHAT_CLOSE_RATE, `over the message rate (${limits.messagesPerSecond}/s, burst ${limits.burst})`);
        return;
      }
      const ctx = session.context;
      const vhd = ctx.state;
      for (const lagging of vhd.ring.push(message.data)) {
        const owner = vhd.owners.get(lagging);
        if (owner) drop(owner, CHAT_CLOSE_TOO_SLOW, `too slow: fell ${limits.ringSize} messages (a whole ring) behind`);
      }
      ctx.requestWritableAll();
    },

    writable(session) {
      pump(session);
    },

    closed(session, _info: CloseInfo) {
      const vhd = session.context.state;
      vhd.ring.removeTail(session.state.tail);
      vhd.owners.delete(session.state.tail);
    },
  };
}
