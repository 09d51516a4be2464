/**
 * The part of a Transaction a WebSocket session uses once the handshake is
 * accepted (the "Tunnels" contract): raw peer bytes in through
 * `request.body`, frames out through `write(payload, WriteMode.*)` and the
 * installed framer, credit and writable events as for any response.
 * A structural type, so sessions can be driven in tests without a socket.
 * @module
 */
import type { WriteMode } from '../http/write-mode.js';

export type Framer = (data: Buffer, mode: WriteMode) => Buffer | Buffer[];

/** Raw tunnel bytes from the peer (RequestBody after tunnel()). */
export interface TunnelBody extends AsyncIterable<Buffer> {
  destroy(error?: Error): unknown;
}

export interface TunnelTransaction {
  readonly protocol: 'h1' | 'h2';
  readonly request: { readonly body: TunnelBody };
  /** Accept the tunnel: h1 101 (adds Connection: Upgrade), h2 200, with these fields. */
  tunnel(fields?: Record<string, string>): unknown;
  useFramer(framer: Framer): unknown;
  write(data: Buffer, mode?: WriteMode): Promise<void>;
  end(data?: Buffer): Promise<void>;
  abort(): void;
  peerWriteAllowance(): number;
  onWritable(listener: () => void): unknown;
  requestWritable(): void;
  onAbort(listener: (reason: Error) => void): unknown;
  /** Aborted when the server starts a graceful shutdown: the session closes with 1001. */
  readonly shutdown?: AbortSignal;
}

/** Whether this Transaction implementation offers the tunnel API yet. */
export function canTunnel(tx: unknown): tx is TunnelTransaction {
  const t = tx as Partial<TunnelTransaction> | null;
  return typeof t?.tunnel === 'function' && typeof t.useFramer === 'function';
}
