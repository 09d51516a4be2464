/**
 * A TunnelTransaction without a socket: the test pushes the peer's raw bytes
 * into `request.body` and reads the server's frames from `output`. Writes can
 * be held (as if the peer granted no credit) and released.
 */
import { PassThrough } from 'node:stream';
import type { WriteMode } from '../../../lib/http/write-mode.js';
import type { Framer, TunnelTransaction } from '../../../lib/ws/tunnel.js';
import { parseServerFrames, type ServerFrame } from './frames.js';

export class FakeTunnel implements TunnelTransaction {
  readonly protocol: 'h1' | 'h2';
  readonly body = new PassThrough();
  readonly request: { body: PassThrough };
  framer: Framer | null = null;
  tunnelFields: Record<string, string> | null = null;
  /** Everything written, in order. */
  output: Buffer[] = [];
  ended = false;
  aborted = false;
  writes = 0;
  /** While true, write() promises stay pending (no credit). */
  hold = false;
  /** The server's graceful-shutdown signal, if the test gives one. */
  shutdown?: AbortSignal;
  #held: Array<() => void> = [];
  #writable: (() => void) | null = null;
  #abort: ((e: Error) => void) | null = null;
  #frameWaiters: Array<() => void> = [];

  constructor(protocol: 'h1' | 'h2' = 'h1') {
    this.protocol = protocol;
    this.request = { body: this.body };
  }

  tunnel(fields?: Record<string, string>): this {
    this.tunnelFields = fields ?? {};
    return this;
  }

  useFramer(framer: Framer): this {
    this.framer = framer;
    return this;
  }

  write(data: Buffer, mode?: WriteMode): Promise<void> {
    if (this.aborted || this.ended) return Promise.reject(new Error('tunnel closed'));
    this.writes++;
    const send = (): void => {
      const framed = mode === undefined || this.framer === null ? data : this.framer(data, mode);
      this.output.push(...(Array.isArray(framed) ? framed : [framed]));
      for (const w of this.#frameWaiters.splice(0)) w();
    };
    if (!this.hold) {
      send();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#held.push(() => (send(), resolve())));
  }

  release(): void {
    this.hold = false;
    for (const r of this.#held.splice(0)) r();
    if (this.#writable) setImmediate(() => this.#fireWritable());
  }

  end(): Promise<void> {
    this.ended = true;
    for (const w of this.#frameWaiters.splice(0)) w();
    return Promise.resolve();
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.body.destroy();
    this.#abort?.(new Error('aborted'));
  }

  /** The peer vanished (socket reset). */
  lose(): void {
    this.#abort?.(new Error('connection reset'));
    this.aborted = true;
    this.body.destroy();
  }

  peerWriteAllowance(): number {
    return this.hold ? 0 : this.protocol === 'h1' ? Infinity : 65535;
  }

  #armed = false;
  onWritable(listener: () => void): this {
    this.#writable = listener;
    return this;
  }

  requestWritable(): void {
    this.#armed = true;
    if (!this.hold) setImmediate(() => this.#fireWritable());
  }

  #fireWritable(): void {
    if (!this.#armed || this.hold) return;
    this.#armed = false;
    this.#writable?.();
  }

  onAbort(listener: (reason: Error) => void): this {
    this.#abort = listener;
    return this;
  }

  /** Push raw client bytes. */
  send(...chunks: Buffer[]): void {
    for (const c of chunks) this.body.write(c);
  }

  frames(): ServerFrame[] {
    const { frames, rest } = parseServerFrames(Buffer.concat(this.output));
    if (rest.length > 0) throw new Error(`trailing partial frame of ${rest.length} bytes`);
    return frames;
  }

  /** Wait until at least `n` frames were written (or the tunnel ended), at most `ms`. */
  async waitFrames(n: number, ms = 5000): Promise<ServerFrame[]> {
    const deadline = Date.now() + ms;
    while (parseServerFrames(Buffer.concat(this.output)).frames.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} frames; have ${this.frames().length}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.#frameWaiters.push(() => (clearTimeout(t), r()));
      });
    }
    return this.frames();
  }
}
