/**
 * Limits of the `lws-minimal` chat protocol: each has a name, a default and
 * the reason for it. All are options of the protocol's entry in the config's
 * `ws-protocols`, in kebab-case:
 * `"lws-minimal": { "default": true, "ring-size": 4096, "backlog": 10, "max-message-size": 4096 }`
 * (`max-message-size` is enforced by lib/ws; the chat only sets its default).
 * @module
 */
import { ProtocolConfigError } from '../errors.js';
import { TokenBucket } from './token-bucket.js';

export interface ChatLimits {
  /**
   * `ring-size`: messages the ring holds (default 1024). Bounds the chat's
   * memory to ring-size × max-message-size (8 MiB by default) however many
   * clients are connected, and is the slack a momentarily slow client has:
   * when the slowest reader is this many messages behind, senders wait
   * (their reading pauses) until it moves.
   */
  ringSize: number;
  /**
   * `messages-per-second`: sustained messages one client may send (token
   * bucket refill; default 100; 0 = no rate limit). One client must not
   * take the whole room's fan-out capacity. A client over it is slowed down,
   * never closed and never dropped: its reading pauses until a token is due,
   * so its own flow control (TCP, or the h2 stream window) holds the rest.
   */
  messagesPerSecond: number;
  /** `burst`: messages one client may send at once above the rate (token bucket size, default 200): pasting a few lines or a reconnect burst goes through without delay. */
  burst: number;
  /**
   * `laggard-timeout-ms`: how long a reader that holds the ring's oldest
   * message may take nothing while senders wait for room (default 5000).
   * Past it the reader is closed with {@link CHAT_CLOSE_TOO_SLOW} and a log
   * line. Long enough for a GC pause, a TCP retransmit or a busy phone;
   * short enough that one stopped tab (a paused debugger, a suspended
   * laptop) stalls the room for seconds, not minutes. 0 = never close.
   */
  laggardTimeoutMs: number;
  /**
   * `backlog`: recent messages replayed to a client when it joins (default 0,
   * as in the lws minimal example: a newcomer sees what is said after it
   * joined, nothing said before). At most ring-size.
   */
  backlog: number;
  /**
   * `max-buffered-bytes`: bytes one session may have handed to the WebSocket
   * layer that the transport has not taken yet (default 65536). The session
   * stops reading its ring tail above it, so a slow peer's lag stays in the
   * shared ring, where it is counted and capped, not in per-client buffers.
   * Kept well under lib/ws's max-buffered-amount (4 MiB) so send() never rejects.
   */
  maxBufferedBytes: number;
}

export const DEFAULT_CHAT_LIMITS: Readonly<ChatLimits> = Object.freeze({
  ringSize: 1024,
  messagesPerSecond: 100,
  burst: 200,
  laggardTimeoutMs: 5000,
  backlog: 0,
  maxBufferedBytes: 65536,
});

/**
 * The chat's default for lib/ws's `max-message-size` (8 KiB; lib/ws closes
 * with 1009 beyond it). Chat lines are typed by people; the cap keeps one
 * message from taking a large share of the ring's memory.
 */
export const CHAT_MAX_MESSAGE_SIZE = 8192;

/** Close code for a reader that stopped reading while the room waited on it (RFC 6455 §7.4.1: 1008 policy violation). */
export const CHAT_CLOSE_TOO_SLOW = 1008;
/** Close code for a binary message: the chat relays text (RFC 6455 §7.4.1: 1003 unsupported data). */
export const CHAT_CLOSE_BINARY = 1003;

/** Config key → field, and the smallest allowed value. */
const OPTIONS: Record<string, [keyof ChatLimits, number]> = {
  'ring-size': ['ringSize', 1],
  'messages-per-second': ['messagesPerSecond', 0],
  burst: ['burst', 1],
  'laggard-timeout-ms': ['laggardTimeoutMs', 0],
  backlog: ['backlog', 0],
  'max-buffered-bytes': ['maxBufferedBytes', 1],
};

/**
 * Check the protocol's options (its `ws-protocols` entry minus the keys lib/ws
 * handles) and merge them over the defaults. Unknown keys are errors, so a
 * typo is reported instead of ignored; `default` is tolerated.
 * @throws ProtocolConfigError naming the option (e.g. `ring-size`).
 */
export function resolveChatLimits(options: Readonly<Record<string, unknown>> = {}): ChatLimits {
  const out: ChatLimits = { ...DEFAULT_CHAT_LIMITS };
  for (const [key, value] of Object.entries(options)) {
    if (key === 'default') continue;
    const spec = OPTIONS[key];
    if (!spec) throw new ProtocolConfigError(key, `unknown option of lws-minimal; known: ${Object.keys(OPTIONS).join(', ')}`);
    const [field, min] = spec;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw new ProtocolConfigError(key, `must be an integer >= ${min}, got ${JSON.stringify(value)}`);
    }
    out[field] = value;
  }
  if (out.backlog > out.ringSize) throw new ProtocolConfigError('backlog', `must be <= ring-size (${out.ringSize}), got ${out.backlog}`);
  return out;
}

/** The per-client rate limiter for these limits (null when messages-per-second is 0). */
export function rateLimiter(limits: ChatLimits, now: () => number = Date.now): TokenBucket | null {
  return limits.messagesPerSecond > 0 ? new TokenBucket(limits.messagesPerSecond, limits.burst, now) : null;
}
