/**
 * HTTP/2 error codes (RFC 9113 §7) and the two kinds of error a receiver
 * raises: a connection error (GOAWAY, then close) and a stream error
 * (RST_STREAM on that stream, the connection lives on).
 * @module
 */

export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;

const NAMES = Object.fromEntries(Object.entries(ErrorCode).map(([k, v]) => [v, k])) as Record<number, ErrorCodeName>;

/** Name of an error code, or `UNKNOWN_0x..` for codes this implementation does not know (§7: treat as INTERNAL_ERROR-ish, never fail on them). */
export function errorCodeName(code: number): string {
  return NAMES[code] ?? `UNKNOWN_0x${code.toString(16)}`;
}

/** Stable string code of an HTTP/2 error, e.g. `H2_ERR_FLOW_CONTROL_ERROR`. */
export function h2ErrCode(code: number): string {
  return `H2_ERR_${errorCodeName(code)}`;
}

/** Base for protocol errors the peer caused. `h2Code` goes on the wire. */
export class H2Error extends Error {
  readonly code: string;
  constructor(
    readonly h2Code: number,
    message: string,
  ) {
    super(message);
    this.code = h2ErrCode(h2Code);
  }
}

/** The whole connection is unusable: send GOAWAY with `h2Code`, then close (§5.4.1). */
export class H2ConnectionError extends H2Error {
  override readonly name = 'H2ConnectionError';
}

/** Only one stream is affected: send RST_STREAM with `h2Code` on `streamId` (§5.4.2). */
export class H2StreamError extends H2Error {
  override readonly name = 'H2StreamError';
  constructor(
    readonly streamId: number,
    h2Code: number,
    message: string,
  ) {
    super(h2Code, message);
  }
}

/** HPACK decoding failure: always a connection error of type COMPRESSION_ERROR (RFC 7541 §2.3, RFC 9113 §4.3). */
export class HpackError extends H2ConnectionError {
  constructor(message: string) {
    super(ErrorCode.COMPRESSION_ERROR, message);
  }
}
