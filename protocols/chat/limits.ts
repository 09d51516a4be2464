/**
 * Limits of the `lws-minimal` chat protocol: each has a name, a default and
 * the reason for it. All are options of the protocol in the config's
 * `ws-protocols` (`"lws-minimal": { "ringSize": 4096, "backlog": 10 }`).
 * @module
 */
import { TokenBucket } from './token-bucket.js';

export interface ChatLimits {
  /**
   * Messages the ring holds (default 1024). Bounds the chat's memory to
   * ringSize × maxMessageBytes (8 MiB by default) however many clients are
   * connected, and is the slack a momentarily slow client has: one that falls
   * this many messages behind is closed with {@link CHAT_CLOSE_TOO_SLOW}.
   */
  ringSize: number;
  /**
   * Largest text message accepted, in bytes (default 8192). Chat lines are
   * typed by people; the cap keeps one message from taking a large share of
   * the ring's memory. A bigger message closes its sender with 1009
   * (RFC 6455 §7.4.1 "message too big").
   */
  maxMessageBytes: number;
  /**
   * Sustained messages per second one client may send (token bucket refill,
   * default 100). Stops one client from flooding the ring so fast that it
   * pushes healthy readers a whole ring behind. A client that exceeds it is
   * closed with 1008 (policy violation): dropping its messages silently would
   * break "every message reaches everyone".
   */
  messagesPerSecond: number;
  /** Messages one client may send in a burst above the rate (token bucket size, default 200). */
  burst: number;
  /**
   * Recent messages replayed to a client when it joins (default 0, as the lws
   * minimal example: a newcomer sees what is said after it joined, and its
   * first message is the first one it gets). At most ringSize.
   */
  backlog: number;
  /**
   * Bytes one session may have handed to the transport but not yet flushed
   * (default 65536). The session stops reading its ring tail above it, so a
   * slow peer's lag stays in the shared ring, where it is counted and capped,
   * instead of in a per-client copy in socket buffers.
   */
  maxBufferedBytes: number;
}

export const DEFAULT_CHAT_LIMITS: Readonly<ChatLimits> = Object.freeze({
  ringSize: 1024,
  maxMessageBytes: 8192,
  messagesPerSecond: 100,
  burst: 200,
  backlog: 0,
  maxBufferedBytes: 65536,
});

/** Close code for a client that fell a whole ring behind (RFC 6455 §7.4.1: 1008 policy violation). */
export const CHAT_CLOSE_TOO_SLOW = 1008;
/** Close code for a client over its message rate. */
export const CHAT_CLOSE_RATE = 1008;
/** Close code for a message over maxMessageBytes (RFC 6455 §7.4.1: 1009 message too big). */
export const CHAT_CLOSE_TOO_BIG = 1009;
/** Close code for a binary message: the chat carries text (RFC 6455 §7.4.1: 1003 unsupported data). */
export const CHAT_CLOSE_BINARY = 1003;

/** Integer options and their smallest allowed value. */
const MINIMUM: Record<keyof ChatLimits, number> = {
  ringSize: 1,
  maxMessageBytes: 1,
  messagesPerSecond: 0,
  burst: 1,
  backlog: 0,
  maxBufferedBytes: 1,
};

/** A bad chat option: `path` names it (e.g. `ringSize`), `reason` says why. */
export class ChatConfigError extends Error {
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'ChatConfigError';
    this.path = path;
    this.reason = reason;
  }
}

/**
 * Check the protocol's options (from `ws-protocols`) and merge them over the
 * defaults. Unknown keys other than `default` and the keys in `passThrough`
 * are errors, so a typo is reported instead of ignored.
 */
export function resolveChatLimits(options: Record<string, unknown> = {}, passThrough: ReadonlyArray<string> = ['default']): ChatLimits {
  const out: ChatLimits = { ...DEFAULT_CHAT_LIMITS };
  for (const [key, value] of Object.entries(options)) {
    if (passThrough.includes(key)) continue;
    if (!(key in MINIMUM)) throw new ChatConfigError(key, `unknown option; known: ${Object.keys(MINIMUM).join(', ')}`);
    const k = key as keyof ChatLimits;
    const min = MINIMUM[k];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw new ChatConfigError(key, `must be an integer >= ${min}, got ${JSON.stringify(value)}`);
    }
    out[k] = value;
  }
  if (out.backlog > out.ringSize) throw new ChatConfigError('backlog', `must be <= ringSize (${out.ringSize}), got ${out.backlog}`);
  return out;
}

/** The per-client rate limiter for these limits (messagesPerSecond 0 disables it). */
export function rateLimiter(limits: ChatLimits, now: () => number = Date.now): TokenBucket | null {
  return limits.messagesPerSecond > 0 ? new TokenBucket(limits.messagesPerSecond, limits.burst, now) : null;
}
