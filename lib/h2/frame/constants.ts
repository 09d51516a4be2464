/**
 * HTTP/2 wire constants (RFC 9113 §4, §6, §11) and RFC 8441's SETTINGS_ENABLE_CONNECT_PROTOCOL.
 * @module
 */

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const SettingsId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
  /** RFC 8441 §3 */
  ENABLE_CONNECT_PROTOCOL: 0x8,
  /** RFC 9218 §2.1 */
  NO_RFC7540_PRIORITIES: 0x9,
} as const;

/** Every frame starts with a 9-octet header (§4.1). */
export const FRAME_HEADER_LENGTH = 9;

/** The client connection preface (§3.4). */
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** SETTINGS_MAX_FRAME_SIZE bounds (§6.5.2). */
export const MIN_MAX_FRAME_SIZE = 16_384;
export const MAX_MAX_FRAME_SIZE = 16_777_215;

/** Largest flow-control window (§6.9.1): 2^31-1. */
export const MAX_WINDOW_SIZE = 2_147_483_647;

/** Initial values every endpoint assumes until SETTINGS say otherwise (§6.5.2). */
export const DEFAULT_SETTINGS = {
  headerTableSize: 4096,
  enablePush: 1,
  maxConcurrentStreams: Infinity,
  initialWindowSize: 65_535,
  maxFrameSize: 16_384,
  maxHeaderListSize: Infinity,
  enableConnectProtocol: 0,
} as const;

/** A stream identifier is 31 bits; the high bit is reserved and ignored on receipt (§4.1). */
export const STREAM_ID_MASK = 0x7fff_ffff;
