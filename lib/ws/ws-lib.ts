/**
 * Typed views of the `ws` package's exported building blocks (`Receiver`,
 * `Sender`, `PerMessageDeflate`, `extension`), which @types/ws does not
 * declare. Sluice uses ws for the byte-level RFC 6455 work (frame parser,
 * frame builder, RFC 7692 deflate) and owns everything around it: the
 * handshake, transports, back-pressure and the session lifecycle.
 * @module
 */
import type { Writable } from 'node:stream';
import * as wsModule from 'ws';

export interface ReceiverOptions {
  isServer: boolean;
  maxPayload: number;
  maxFragments?: number;
  extensions?: Record<string, PerMessageDeflate>;
  skipUTF8Validation?: boolean;
  allowSynchronousEvents?: boolean;
  binaryType?: 'nodebuffer';
}

/** ws's frame parser: a Writable of raw bytes that emits 'message', 'ping', 'pong', 'conclude', 'error'. */
export interface Receiver extends Writable {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  on(event: 'conclude', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (err: Error & { code?: string }) => void): this;
  on(event: string, listener: (...args: never[]) => void): this;
}

export interface FrameOptions {
  opcode: number;
  fin: boolean;
  rsv1?: boolean;
  mask?: boolean;
  readOnly?: boolean;
}

export interface PerMessageDeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number | boolean;
  clientMaxWindowBits?: number | boolean;
  threshold?: number;
  concurrencyLimit?: number;
  isServer?: boolean;
  maxPayload?: number;
}

export interface PerMessageDeflate {
  readonly params: Record<string, unknown>;
  accept(offers: Array<Record<string, unknown>>): Record<string, unknown>;
  offer(): Record<string, unknown>;
  compress(data: Buffer, fin: boolean, callback: (err: Error | null, result?: Buffer) => void): void;
  decompress(data: Buffer, fin: boolean, callback: (err: Error | null, result?: Buffer) => void): void;
  cleanup(): void;
}

interface WsExports {
  Receiver: new (options: ReceiverOptions) => Receiver;
  Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] };
  PerMessageDeflate: (new (options: PerMessageDeflateOptions) => PerMessageDeflate) & { readonly extensionName: string };
  extension: {
    parse(header: string): Record<string, Array<Record<string, unknown>>>;
    format(extensions: Record<string, Array<Record<string, unknown>>>): string;
  };
}

// Named exports of ws's ESM wrapper (the default export is the bare WebSocket class).
const ws = wsModule as unknown as WsExports;

export const Receiver = ws.Receiver;
export const Sender = ws.Sender;
export const PerMessageDeflate = ws.PerMessageDeflate;
export const extension = ws.extension;
/** 'permessage-deflate' */
export const PMD_NAME: string = ws.PerMessageDeflate.extensionName;
