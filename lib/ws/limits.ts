/**
 * Limits and timers of a WebSocket session. Each one bounds the memory or
 * time a peer can make the server spend; protocols override them (their
 * `ws` field) and so does the `ws-protocols` config entry.
 * @module
 */

export interface WsLimits {
  /** Largest received message after reassembly and inflation (close 1009 beyond). 1 MiB: a chat or RPC message; bounds per-session memory. */
  maxMessageSize: number;
  /** Frames per fragmented message (close 1008 beyond). maxMessageSize bounds bytes, not the per-fragment bookkeeping of many tiny frames; 128 Ki covers 4 MiB sent in 32-byte fragments. */
  maxFragments: number;
  /** Bytes send() may hold that the transport has not taken yet, beyond one message (send() rejects beyond). A slow reader must not grow server memory. */
  maxBufferedAmount: number;
  /** Idle time before the server pings (0 = no heartbeat). 30 s keeps NAT/proxy mappings alive and finds dead peers. */
  pingIntervalMs: number;
  /** Time to wait for a pong (or any frame) after a ping before dropping the transport. A live peer answers in well under 20 s. */
  pongTimeoutMs: number;
  /** Time to wait for the peer's close frame after ours (RFC 6455 §7.1.1) before dropping the transport. */
  closeTimeoutMs: number;
  /** Time our queued frames may make no progress (a peer that stops reading, or grants no h2 credit) before the transport is dropped (0 = never). 60 s: far beyond a slow but live reader. */
  sendStallTimeoutMs: number;
}

export const DEFAULT_WS_LIMITS: Readonly<WsLimits> = Object.freeze({
  maxMessageSize: 1024 * 1024,
  maxFragments: 128 * 1024,
  maxBufferedAmount: 4 * 1024 * 1024,
  pingIntervalMs: 30_000,
  pongTimeoutMs: 20_000,
  closeTimeoutMs: 5_000,
  sendStallTimeoutMs: 60_000,
});

/** Defaults overlaid with `partial`; throws RangeError on a value that is not a safe integer ≥ 0 (maxMessageSize ≥ 1). */
export function resolveWsLimits(...partials: Array<Partial<WsLimits> | undefined>): WsLimits {
  const limits: WsLimits = { ...DEFAULT_WS_LIMITS };
  for (const partial of partials) {
    if (partial === undefined) continue;
    for (const key of Object.keys(DEFAULT_WS_LIMITS) as Array<keyof WsLimits>) {
      const value = partial[key];
      if (value === undefined) continue;
      const min = key === 'maxMessageSize' ? 1 : 0;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
        throw new RangeError(`WebSocket limit ${key} must be an integer >= ${min}, got ${String(value)}`);
      }
      limits[key] = value;
    }
  }
  return limits;
}
