/**
 * Errors raised by the toolkit itself (API misuse, closed streams, bad config),
 * each with a stable `SLUICE_ERR_*` code callers can switch on.
 * @module
 */

export const SluiceErrorCode = {
  /** A second status() on one response. */
  STATUS_ALREADY_SET: 'SLUICE_ERR_STATUS_ALREADY_SET',
  /** finalizeHeaders() without a status. */
  NO_STATUS: 'SLUICE_ERR_NO_STATUS',
  /** A status outside 200..599 (1xx are sent by the toolkit itself). */
  INVALID_STATUS: 'SLUICE_ERR_INVALID_STATUS',
  /** A header name or value that may not go on the wire. */
  INVALID_HEADER: 'SLUICE_ERR_INVALID_HEADER',
  /** A header or status after finalizeHeaders(). */
  HEADERS_SENT: 'SLUICE_ERR_HEADERS_SENT',
  /** A body write before finalizeHeaders(). */
  HEADERS_NOT_SENT: 'SLUICE_ERR_HEADERS_NOT_SENT',
  /** A write after the response ended. */
  RESPONSE_ENDED: 'SLUICE_ERR_RESPONSE_ENDED',
  /** A body on a response that cannot have one (204, 304). */
  BODY_NOT_ALLOWED: 'SLUICE_ERR_BODY_NOT_ALLOWED',
  /** More or fewer body bytes than the Content-Length the handler declared. */
  CONTENT_LENGTH_MISMATCH: 'SLUICE_ERR_CONTENT_LENGTH_MISMATCH',
  /** The peer reset the stream or the connection went away; the write was not sent. */
  STREAM_CLOSED: 'SLUICE_ERR_STREAM_CLOSED',
  /** A request body larger than the limit the reader set. */
  BODY_TOO_LARGE: 'SLUICE_ERR_BODY_TOO_LARGE',
  /** A write mode that does not fit this transaction (e.g. a WebSocket mode on plain HTTP). */
  INVALID_WRITE_MODE: 'SLUICE_ERR_INVALID_WRITE_MODE',
  /** Invalid server or mount configuration. */
  CONFIG: 'SLUICE_ERR_CONFIG',
  /** tunnel() on a request that asked for no upgrade (HTTP/1.1 Upgrade or RFC 8441 extended CONNECT). */
  NOT_UPGRADABLE: 'SLUICE_ERR_NOT_UPGRADABLE',
} as const;
export type SluiceErrorCode = (typeof SluiceErrorCode)[keyof typeof SluiceErrorCode];

export class SluiceError extends Error {
  override readonly name = 'SluiceError';
  constructor(
    readonly code: SluiceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isStreamClosed(err: unknown): boolean {
  return err instanceof SluiceError && err.code === SluiceErrorCode.STREAM_CLOSED;
}
