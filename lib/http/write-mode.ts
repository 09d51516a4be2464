/**
 * Write modes of the unified write API (lws's `LWS_WRITE_*`). The HTTP modes
 * carry response body bytes; the WebSocket modes frame a message on an
 * upgraded transaction, over HTTP/1.1 or an RFC 8441 stream alike.
 * @module
 */
export const WriteMode = {
  /** Body bytes; more follow. */
  HTTP: 0,
  /** The last body bytes (may be empty): ends the response. */
  HTTP_FINAL: 1,
  TEXT: 2,
  BINARY: 3,
  CONTINUATION: 4,
  PING: 5,
  PONG: 6,
  CLOSE: 7,
} as const;
export type WriteMode = (typeof WriteMode)[keyof typeof WriteMode];

/** `peerWriteAllowance()` on a transport without flow control (HTTP/1): no limit. */
export const NO_LIMIT = Infinity;
