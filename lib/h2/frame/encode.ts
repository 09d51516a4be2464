/**
 * Frame encoders (RFC 9113 §4.1, §6). DATA payloads are never copied: the
 * 9-octet header is a separate buffer written before them (gathered writes).
 * @module
 */
import { Flag, FRAME_HEADER_LENGTH, FrameType } from './constants.js';

export function writeFrameHeader(out: Buffer, offset: number, length: number, type: number, flags: number, streamId: number): void {
  out[offset] = length >>> 16;
  out[offset + 1] = (length >>> 8) & 0xff;
  out[offset + 2] = length & 0xff;
  out[offset + 3] = type;
  out[offset + 4] = flags;
  out.writeUInt32BE(streamId, offset + 5);
}

function frame(type: number, flags: number, streamId: number, payloadLength: number): Buffer {
  const b = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + payloadLength);
  writeFrameHeader(b, 0, payloadLength, type, flags, streamId);
  return b;
}

/** Header of a DATA frame whose payload the caller writes right after it. */
export function encodeDataHeader(streamId: number, length: number, endStream: boolean): Buffer {
  const b = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);
  writeFrameHeader(b, 0, length, FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId);
  return b;
}

/**
 * A header block as HEADERS plus as many CONTINUATION frames as `maxFrameSize`
 * requires (§4.3: the block must be contiguous, nothing may interleave), in one buffer.
 */
export function encodeHeaderBlock(streamId: number, block: Buffer, endStream: boolean, maxFrameSize: number): Buffer {
  const frames = Math.max(1, Math.ceil(block.length / maxFrameSize));
  const out = Buffer.allocUnsafe(block.length + frames * FRAME_HEADER_LENGTH);
  let src = 0;
  let dst = 0;
  for (let i = 0; i < frames; i++) {
    const n = Math.min(maxFrameSize, block.length - src);
    const last = i === frames - 1;
    const type = i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
    let flags = last ? Flag.END_HEADERS : 0;
    if (i === 0 && endStream) flags |= Flag.END_STREAM;
    writeFrameHeader(out, dst, n, type, flags, streamId);
    block.copy(out, dst + FRAME_HEADER_LENGTH, src, src + n);
    src += n;
    dst += FRAME_HEADER_LENGTH + n;
  }
  return out;
}

export function encodeSettings(params: ReadonlyArray<readonly [number, number]>): Buffer {
  const b = frame(FrameType.SETTINGS, 0, 0, params.length * 6);
  params.forEach(([id, value], i) => {
    b.writeUInt16BE(id, FRAME_HEADER_LENGTH + i * 6);
    b.writeUInt32BE(value, FRAME_HEADER_LENGTH + i * 6 + 2);
  });
  return b;
}

export function encodeSettingsAck(): Buffer {
  return frame(FrameType.SETTINGS, Flag.ACK, 0, 0);
}

export function encodePing(opaque: Buffer, ack: boolean): Buffer {
  const b = frame(FrameType.PING, ack ? Flag.ACK : 0, 0, 8);
  opaque.copy(b, FRAME_HEADER_LENGTH, 0, 8);
  return b;
}

export function encodeGoaway(lastStreamId: number, errorCode: number, debug = ''): Buffer {
  const d = Buffer.from(debug, 'utf8');
  const b = frame(FrameType.GOAWAY, 0, 0, 8 + d.length);
  b.writeUInt32BE(lastStreamId, FRAME_HEADER_LENGTH);
  b.writeUInt32BE(errorCode, FRAME_HEADER_LENGTH + 4);
  d.copy(b, FRAME_HEADER_LENGTH + 8);
  return b;
}

export function encodeRstStream(streamId: number, errorCode: number): Buffer {
  const b = frame(FrameType.RST_STREAM, 0, streamId, 4);
  b.writeUInt32BE(errorCode, FRAME_HEADER_LENGTH);
  return b;
}

export function encodeWindowUpdate(streamId: number, increment: number): Buffer {
  const b = frame(FrameType.WINDOW_UPDATE, 0, streamId, 4);
  b.writeUInt32BE(increment, FRAME_HEADER_LENGTH);
  return b;
}

/** Any frame from parts; used by tests and the raw test peer, not on hot paths. */
export function encodeFrame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const b = frame(type, flags, streamId, payload.length);
  payload.copy(b, FRAME_HEADER_LENGTH);
  return b;
}
