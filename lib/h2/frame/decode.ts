/**
 * Per-type payload validation and decoding (RFC 9113 §6). Each function either
 * returns the frame's fields or throws the error the RFC names for that frame:
 * H2ConnectionError when the connection state may be affected, H2StreamError otherwise.
 * @module
 */
import { ErrorCode, H2ConnectionError, H2StreamError } from '../errors.js';
import { Flag, MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE, MIN_MAX_FRAME_SIZE, SettingsId, STREAM_ID_MASK } from './constants.js';
import type { RawFrame } from './frame-reader.js';

function connError(code: number, msg: string): H2ConnectionError {
  return new H2ConnectionError(code, msg);
}

function requireStream(f: RawFrame, name: string): void {
  if (f.streamId === 0) throw connError(ErrorCode.PROTOCOL_ERROR, `${name} frame on stream 0`);
}

function requireConnection(f: RawFrame, name: string): void {
  if (f.streamId !== 0) throw connError(ErrorCode.PROTOCOL_ERROR, `${name} frame on stream ${f.streamId}, must be stream 0`);
}

/** Strip padding (§6.1, §6.2): the pad length octet plus padding must fit in the payload. */
function unpad(f: RawFrame, name: string, prefix = 0): Buffer {
  if ((f.flags & Flag.PADDED) === 0) return f.payload;
  const p = f.payload;
  if (p.length < 1) throw connError(ErrorCode.FRAME_SIZE_ERROR, `${name}: PADDED with empty payload`);
  const padLength = p[0]!;
  // "If the length of the padding is the length of the frame payload or greater,
  // the recipient MUST treat this as a connection error of type PROTOCOL_ERROR."
  if (padLength + prefix >= p.length) throw connError(ErrorCode.PROTOCOL_ERROR, `${name}: pad length ${padLength} too large for payload of ${p.length}`);
  return p.subarray(1, p.length - padLength);
}

export interface DataFrame {
  data: Buffer;
  endStream: boolean;
  /** Octets counted against flow control: the whole payload, padding included (§6.1). */
  flowLength: number;
}

export function decodeData(f: RawFrame): DataFrame {
  requireStream(f, 'DATA');
  return { data: unpad(f, 'DATA'), endStream: (f.flags & Flag.END_STREAM) !== 0, flowLength: f.payload.length };
}

export interface PriorityFields {
  exclusive: boolean;
  dependency: number;
  /** 1..256 (wire value + 1). */
  weight: number;
}

function readPriority(b: Buffer, offset: number): PriorityFields {
  const word = b.readUInt32BE(offset);
  return { exclusive: (word & 0x8000_0000) !== 0, dependency: word & STREAM_ID_MASK, weight: b[offset + 4]! + 1 };
}

export interface HeadersFrame {
  fragment: Buffer;
  endStream: boolean;
  endHeaders: boolean;
  priority: PriorityFields | null;
}

export function decodeHeaders(f: RawFrame): HeadersFrame {
  requireStream(f, 'HEADERS');
  const hasPriority = (f.flags & Flag.PRIORITY) !== 0;
  const body = unpad(f, 'HEADERS', hasPriority ? 5 : 0);
  if (hasPriority && body.length < 5) throw connError(ErrorCode.FRAME_SIZE_ERROR, 'HEADERS: PRIORITY flag without priority fields');
  return {
    fragment: hasPriority ? body.subarray(5) : body,
    endStream: (f.flags & Flag.END_STREAM) !== 0,
    endHeaders: (f.flags & Flag.END_HEADERS) !== 0,
    priority: hasPriority ? readPriority(body, 0) : null,
  };
}

export function decodePriority(f: RawFrame): PriorityFields {
  requireStream(f, 'PRIORITY');
  // §6.3: wrong length is a stream error of type FRAME_SIZE_ERROR.
  if (f.payload.length !== 5) throw new H2StreamError(f.streamId, ErrorCode.FRAME_SIZE_ERROR, `PRIORITY of length ${f.payload.length}`);
  return readPriority(f.payload, 0);
}

export function decodeRstStream(f: RawFrame): number {
  requireStream(f, 'RST_STREAM');
  if (f.payload.length !== 4) throw connError(ErrorCode.FRAME_SIZE_ERROR, `RST_STREAM of length ${f.payload.length}`);
  return f.payload.readUInt32BE(0);
}

export interface SettingsFrame {
  ack: boolean;
  /** [identifier, value] in wire order; unknown identifiers kept, callers ignore them (§6.5.2). */
  params: Array<[number, number]>;
}

export function decodeSettings(f: RawFrame): SettingsFrame {
  requireConnection(f, 'SETTINGS');
  const ack = (f.flags & Flag.ACK) !== 0;
  if (ack) {
    if (f.payload.length !== 0) throw connError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload');
    return { ack, params: [] };
  }
  if (f.payload.length % 6 !== 0) throw connError(ErrorCode.FRAME_SIZE_ERROR, `SETTINGS of length ${f.payload.length}, not a multiple of 6`);
  const params: Array<[number, number]> = [];
  for (let i = 0; i < f.payload.length; i += 6) {
    const id = f.payload.readUInt16BE(i);
    const value = f.payload.readUInt32BE(i + 2);
    validateSetting(id, value);
    params.push([id, value]);
  }
  return { ack, params };
}

function validateSetting(id: number, value: number): void {
  switch (id) {
    case SettingsId.ENABLE_PUSH:
    case SettingsId.ENABLE_CONNECT_PROTOCOL:
    case SettingsId.NO_RFC7540_PRIORITIES:
      if (value > 1) throw connError(ErrorCode.PROTOCOL_ERROR, `setting 0x${id.toString(16)} must be 0 or 1, got ${value}`);
      return;
    case SettingsId.INITIAL_WINDOW_SIZE:
      if (value > MAX_WINDOW_SIZE) throw connError(ErrorCode.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE ${value} above 2^31-1`);
      return;
    case SettingsId.MAX_FRAME_SIZE:
      if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) throw connError(ErrorCode.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value} out of range`);
      return;
  }
}

export interface PingFrame {
  ack: boolean;
  opaque: Buffer;
}

export function decodePing(f: RawFrame): PingFrame {
  requireConnection(f, 'PING');
  if (f.payload.length !== 8) throw connError(ErrorCode.FRAME_SIZE_ERROR, `PING of length ${f.payload.length}`);
  return { ack: (f.flags & Flag.ACK) !== 0, opaque: f.payload };
}

export interface GoawayFrame {
  lastStreamId: number;
  errorCode: number;
  debug: Buffer;
}

export function decodeGoaway(f: RawFrame): GoawayFrame {
  requireConnection(f, 'GOAWAY');
  if (f.payload.length < 8) throw connError(ErrorCode.FRAME_SIZE_ERROR, `GOAWAY of length ${f.payload.length}`);
  return { lastStreamId: f.payload.readUInt32BE(0) & STREAM_ID_MASK, errorCode: f.payload.readUInt32BE(4), debug: f.payload.subarray(8) };
}

export function decodeWindowUpdate(f: RawFrame): number {
  if (f.payload.length !== 4) throw connError(ErrorCode.FRAME_SIZE_ERROR, `WINDOW_UPDATE of length ${f.payload.length}`);
  const increment = f.payload.readUInt32BE(0) & STREAM_ID_MASK;
  if (increment === 0) {
    // §6.9: zero increment is a stream error, or a connection error on stream 0.
    if (f.streamId === 0) throw connError(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE with increment 0 on the connection');
    throw new H2StreamError(f.streamId, ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE with increment 0');
  }
  return increment;
}

export interface ContinuationFrame {
  fragment: Buffer;
  endHeaders: boolean;
}

export function decodeContinuation(f: RawFrame): ContinuationFrame {
  requireStream(f, 'CONTINUATION');
  return { fragment: f.payload, endHeaders: (f.flags & Flag.END_HEADERS) !== 0 };
}
