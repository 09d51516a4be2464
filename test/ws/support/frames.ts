/**
 * Client-side frame helpers for tests: masked frames as a client sends them
 * (built by hand, so tests control every bit), and a strict parser of the
 * server's frames that also checks they are unmasked.
 */
import { randomBytes } from 'node:crypto';

export const OP = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

export interface FrameSpec {
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  mask?: boolean;
  /** Force a 7-bit length field that disagrees with the payload (for bad-length tests) — not used by default. */
  key?: Buffer;
}

/** A client frame: masked unless `mask: false`. */
export function clientFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0), spec: FrameSpec = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const mask = spec.mask ?? true;
  const len = data.length;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + lenBytes + (mask ? 4 : 0));
  head[0] = ((spec.fin ?? true) ? 0x80 : 0) | (spec.rsv1 ? 0x40 : 0) | (spec.rsv2 ? 0x20 : 0) | (spec.rsv3 ? 0x10 : 0) | opcode;
  head[1] = (mask ? 0x80 : 0) | (len < 126 ? len : len < 65536 ? 126 : 127);
  if (lenBytes === 2) head.writeUInt16BE(len, 2);
  if (lenBytes === 8) head.writeBigUInt64BE(BigInt(len), 2);
  if (!mask) return Buffer.concat([head, data]);
  const key = spec.key ?? randomBytes(4);
  key.copy(head, 2 + lenBytes);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = (data[i] as number) ^ (key[i & 3] as number);
  return Buffer.concat([head, body]);
}

export function closeFrame(code?: number, reason = '', spec: FrameSpec = {}): Buffer {
  if (code === undefined) return clientFrame(OP.CLOSE, Buffer.alloc(0), spec);
  const r = Buffer.from(reason);
  const p = Buffer.alloc(2 + r.length);
  p.writeUInt16BE(code, 0);
  r.copy(p, 2);
  return clientFrame(OP.CLOSE, p, spec);
}

export interface ServerFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  payload: Buffer;
}

/** Parse server frames from `bytes`; throws if a frame is masked or has RSV2/3. Returns the frames and the unparsed rest. */
export function parseServerFrames(bytes: Buffer): { frames: ServerFrame[]; rest: Buffer } {
  const frames: ServerFrame[] = [];
  let off = 0;
  while (bytes.length - off >= 2) {
    const b0 = bytes[off] as number;
    const b1 = bytes[off + 1] as number;
    if (b1 & 0x80) throw new Error('server frame is masked (RFC 6455 §5.1 forbids it)');
    if (b0 & 0x30) throw new Error('server frame has RSV2/RSV3 set');
    let len = b1 & 0x7f;
    let hdr = 2;
    if (len === 126) {
      if (bytes.length - off < 4) break;
      len = bytes.readUInt16BE(off + 2);
      hdr = 4;
    } else if (len === 127) {
      if (bytes.length - off < 10) break;
      len = Number(bytes.readBigUInt64BE(off + 2));
      hdr = 10;
    }
    if (bytes.length - off < hdr + len) break;
    frames.push({ fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, opcode: b0 & 0x0f, payload: Buffer.from(bytes.subarray(off + hdr, off + hdr + len)) });
    off += hdr + len;
  }
  return { frames, rest: Buffer.from(bytes.subarray(off)) };
}

/** The close code and reason of a close frame payload (1005 when empty). */
export function closeOf(frame: ServerFrame): { code: number; reason: string } {
  if (frame.payload.length < 2) return { code: 1005, reason: '' };
  return { code: frame.payload.readUInt16BE(0), reason: frame.payload.subarray(2).toString() };
}
