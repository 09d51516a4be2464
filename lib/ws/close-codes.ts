/**
 * WebSocket close codes (RFC 6455 §7.4.1, IANA registry) and the stable error
 * codes of the ws layer, each with the close code it maps to.
 * @module
 */

export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  /** Never on the wire: "no status code was present". */
  NO_STATUS: 1005,
  /** Never on the wire: the transport closed without a close frame. */
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  TRY_AGAIN_LATER: 1013,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Codes an endpoint may send in a close frame (RFC 6455 §7.4.1-2): 1000-1003, 1007-1014, 3000-4999. */
export function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))
  );
}

export const WsErrorCode = {
  /** send() would hold more than maxBufferedAmount. */
  BUFFER_FULL: 'WS_ERR_BUFFER_FULL',
  /** send()/close() after the session closed. */
  CLOSED: 'WS_ERR_CLOSED',
  /** close() with a code that may not be sent, or a reason over 123 bytes. */
  INVALID_CLOSE: 'WS_ERR_INVALID_CLOSE',
  /** The peer did not answer a ping in time. */
  PONG_TIMEOUT: 'WS_ERR_PONG_TIMEOUT',
} as const;
export type WsErrorCode = (typeof WsErrorCode)[keyof typeof WsErrorCode];

export class WsError extends Error {
  override readonly name = 'WsError';
  constructor(
    readonly code: WsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The close code for a frame error of ws's Receiver: the one ws attached
 * (behind its `status-code` symbol), else derived from its stable `code` string.
 */
export function closeCodeForReceiverError(err: Error & { code?: string }): number {
  const sym = Object.getOwnPropertySymbols(err).find((s) => s.description === 'status-code');
  const attached = sym === undefined ? undefined : (err as unknown as Record<symbol, unknown>)[sym];
  if (typeof attached === 'number' && isSendableCloseCode(attached)) return attached;
  const code = err.code;
  switch (code) {
    case 'WS_ERR_INVALID_UTF8':
      return CloseCode.INVALID_PAYLOAD;
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
      return CloseCode.MESSAGE_TOO_BIG;
    case 'WS_ERR_TOO_MANY_BUFFERED_PARTS':
      return CloseCode.POLICY_VIOLATION;
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
    case 'WS_ERR_INVALID_OPCODE':
    case 'WS_ERR_INVALID_CLOSE_CODE':
    case 'WS_ERR_EXPECTED_FIN':
    case 'WS_ERR_EXPECTED_MASK':
    case 'WS_ERR_UNEXPECTED_MASK':
    case 'WS_ERR_UNEXPECTED_RSV_1':
    case 'WS_ERR_UNEXPECTED_RSV_2_3':
    case 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH':
      return CloseCode.PROTOCOL_ERROR;
    default:
      // zlib errors while inflating a permessage-deflate message: bad data.
      return code !== undefined && code.startsWith('Z_') ? CloseCode.INVALID_PAYLOAD : CloseCode.PROTOCOL_ERROR;
  }
}
