/**
 * How many connections one process, and one client address, may hold open:
 * named limits with their defaults and reasons, the gate that counts them,
 * and what an over-limit client is told.
 * @module
 */
import type { Socket } from 'node:net';
import { ErrorCode } from '../h2/errors.js';
import { CLIENT_PREFACE } from '../h2/frame/constants.js';
import { encodeGoaway, encodeSettings } from '../h2/frame/encode.js';

export interface ConnectionLimits {
  /**
   * `max-connections` (default 10,000): open connections across every listener of the
   * process. Each costs a descriptor and 10–50 KiB of buffers and state; 10,000 stays
   * within a few hundred MiB and under common descriptor limits. Over it: 503 / REFUSED_STREAM.
   */
  maxConnections: number;
  /**
   * `max-connections-per-address` (default 1,000): open connections from one client address,
   * so one client cannot take the whole process. A browser opens 6 per origin over HTTP/1.1
   * and 1 over HTTP/2; a NAT gateway for an office a few hundred. Over it: 429 / ENHANCE_YOUR_CALM.
   */
  maxConnectionsPerAddress: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  maxConnections: 10_000,
  maxConnectionsPerAddress: 1_000,
});

/** How long an over-limit cleartext client has to show its first bytes so it can be told why (in its protocol). */
const REFUSAL_SNIFF_MS = 1000;
/** Over-limit clients being told at once; past this they are closed without a word (a flood must not cost more). */
const MAX_REFUSALS_IN_FLIGHT = 64;

export type Verdict = 'ok' | 'process' | 'address';

/** Counts open connections per process and per address; one gate is shared by every listener of a config. */
export class ConnectionGate {
  readonly limits: ConnectionLimits;
  #open = 0;
  readonly #byAddress = new Map<string, number>();
  #refusing = 0;
  /** Connections refused so far, by reason. */
  readonly refused = { process: 0, address: 0 };

  constructor(limits: Partial<ConnectionLimits> = {}) {
    this.limits = { ...DEFAULT_CONNECTION_LIMITS, ...limits };
  }

  get open(): number {
    return this.#open;
  }

  /** Count `socket` in if the limits allow (it is counted out when it closes), else say which limit refused it. */
  admit(socket: Socket): Verdict {
    const addr = socket.remoteAddress ?? '';
    const mine = this.#byAddress.get(addr) ?? 0;
    if (this.#open >= this.limits.maxConnections) return this.#refuse('process');
    if (mine >= this.limits.maxConnectionsPerAddress) return this.#refuse('address');
    this.#open++;
    this.#byAddress.set(addr, mine + 1);
    socket.once('close', () => {
      this.#open--;
      const n = (this.#byAddress.get(addr) ?? 1) - 1;
      if (n === 0) this.#byAddress.delete(addr);
      else this.#byAddress.set(addr, n);
    });
    return 'ok';
  }

  #refuse(why: 'process' | 'address'): Verdict {
    this.refused[why]++;
    return why;
  }

  /**
   * Tell an over-limit cleartext client why, in the protocol its first bytes show: HTTP/1.1
   * 503 (process) or 429 (address) with Retry-After, or for the HTTP/2 preface SETTINGS and
   * GOAWAY (last stream 0, so every request is safe to retry) REFUSED_STREAM or
   * ENHANCE_YOUR_CALM. Then close. A TLS client is closed before its handshake: a handshake
   * is the CPU an over-limit client must not get.
   */
  tellAndClose(socket: Socket, why: 'process' | 'address', tlsListener: boolean): void {
    if (tlsListener || this.#refusing >= MAX_REFUSALS_IN_FLIGHT) return void socket.destroy();
    this.#refusing++;
    socket.once('close', () => this.#refusing--);
    socket.on('error', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), REFUSAL_SNIFF_MS);
    timer.unref();
    socket.once('data', (first: Buffer) => {
      clearTimeout(timer);
      socket.pause();
      const n = Math.min(first.length, CLIENT_PREFACE.length);
      const message = why === 'process' ? 'server at max-connections' : 'too many connections from your address (max-connections-per-address)';
      if (n > 0 && first.subarray(0, n).equals(CLIENT_PREFACE.subarray(0, n))) {
        const code = why === 'process' ? ErrorCode.REFUSED_STREAM : ErrorCode.ENHANCE_YOUR_CALM;
        socket.end(Buffer.concat([encodeSettings([]), encodeGoaway(0, code, message)]));
      } else {
        const status = why === 'process' ? '503 Service Unavailable' : '429 Too Many Requests';
        const body = `${message}\n`;
        socket.end(`HTTP/1.1 ${status}\r\nretry-after: 5\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
      }
      setTimeout(() => socket.destroy(), REFUSAL_SNIFF_MS).unref();
    });
  }
}

/** The gate servers share when their options name none: the limits are per process. */
export const processConnectionGate = new ConnectionGate();
