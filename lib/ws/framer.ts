/**
 * The RFC 6455 §5.2 framer installed with `tx.useFramer()`: turns one
 * WebSocket write (payload + WriteMode) into frame bytes. Server frames are
 * never masked (§5.1). The header is a separate small Buffer in front of the
 * payload, which is not copied (one Buffer broadcast to many sessions stays
 * one Buffer). Messages are not fragmented here: on HTTP/2 the transport
 * cuts the frame bytes into DATA frames that fit the peer's credit.
 * @module
 */
import { WriteMode } from '../http/write-mode.js';
import { Sender } from './ws-lib.js';

/** RFC 6455 §5.2 opcodes. */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** §5.5: control frame payloads are at most 125 bytes. */
export const MAX_CONTROL_PAYLOAD = 125;

const OPCODE_OF: Partial<Record<WriteMode, number>> = {
  [WriteMode.TEXT]: Opcode.TEXT,
  [WriteMode.BINARY]: Opcode.BINARY,
  [WriteMode.CONTINUATION]: Opcode.CONTINUATION,
  [WriteMode.PING]: Opcode.PING,
  [WriteMode.PONG]: Opcode.PONG,
  [WriteMode.CLOSE]: Opcode.CLOSE,
};

/**
 * Per-write frame flags that the (data, mode) framer signature cannot carry.
 * Keyed by the payload Buffer object, so they hold whenever the transport
 * calls the framer (now, or later when credit arrives).
 */
const compressed = new WeakSet<Buffer>();
const unfinished = new WeakSet<Buffer>();

/** Mark a payload as permessage-deflate output: its frame gets RSV1 (RFC 7692 §6). */
export function markCompressed(payload: Buffer): Buffer {
  compressed.add(payload);
  return payload;
}

/** Mark a TEXT/BINARY/CONTINUATION payload as a non-final fragment (FIN clear). */
export function markFragment(payload: Buffer): Buffer {
  unfinished.add(payload);
  return payload;
}

/** Frame one write. Throws RangeError for a mode that is not a WebSocket mode or an oversized control payload. */
export function wsFramer(data: Buffer, mode: WriteMode): Buffer[] {
  const opcode = OPCODE_OF[mode];
  if (opcode === undefined) throw new RangeError(`write mode ${mode} is not a WebSocket write mode`);
  const control = opcode >= Opcode.CLOSE;
  if (control && data.length > MAX_CONTROL_PAYLOAD) throw new RangeError(`control frame payload of ${data.length} bytes exceeds ${MAX_CONTROL_PAYLOAD}`);
  return Sender.frame(data, {
    opcode,
    fin: control || !unfinished.has(data),
    rsv1: !control && opcode !== Opcode.CONTINUATION && compressed.has(data),
    mask: false,
    readOnly: true,
  });
}

/** Bytes of the frame header wsFramer puts before a payload of `length` bytes (unmasked). */
export function frameHeaderLength(length: number): number {
  return length < 126 ? 2 : length < 65536 ? 4 : 10;
}

/** A close frame payload: 2-byte code + UTF-8 reason (§5.5.1); empty for 1005 (no code). */
export function closePayload(code: number, reason: string): Buffer {
  if (code === 1005) return Buffer.alloc(0);
  const r = Buffer.from(reason);
  const buf = Buffer.allocUnsafe(2 + r.length);
  buf.writeUInt16BE(code, 0);
  r.copy(buf, 2);
  return buf;
}
