/**
 * The WebSocket layer: handshake (RFC 6455 §4 on HTTP/1.1, RFC 8441 on
 * HTTP/2), the RFC 6455 framer for `tx.useFramer()`, permessage-deflate
 * negotiation, close codes, limits and the session that runs a protocol.
 * Protocols themselves (and `withWebSockets`) live in protocols/.
 * @module
 */
export { acceptFields, acceptKey, isWebSocketRequest, parseSubprotocols, selectSubprotocol, validateHandshake, WS_GUID, WS_VERSION } from './handshake.js';
export type { HandshakeRefusal, HandshakeRequest, SubprotocolChoice, ValidHandshake } from './handshake.js';
export { closePayload, frameHeaderLength, markCompressed, markFragment, MAX_CONTROL_PAYLOAD, Opcode, wsFramer } from './framer.js';
export { DEFAULT_DEFLATE_THRESHOLD, deflateMessage, negotiateDeflate, type DeflateAgreement } from './deflate.js';
export { CloseCode, closeCodeForReceiverError, isSendableCloseCode, WsError, WsErrorCode } from './close-codes.js';
export { DEFAULT_WS_LIMITS, resolveWsLimits, type WsLimits } from './limits.js';
export { MAX_QUEUED_PONGS, WsSession, type SessionInit } from './session.js';
export { Heartbeat, type HeartbeatOptions } from './heartbeat.js';
export { onShutdown } from './shutdown.js';
export { canTunnel, type Framer, type TunnelBody, type TunnelTransaction } from './tunnel.js';
