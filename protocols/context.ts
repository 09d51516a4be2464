/**
 * The protocol-wide context: one per (vhost, protocol). Holds the per-vhost
 * state and the open sessions, and requests writable events for all of them
 * (lws_callback_on_writable_all_protocol).
 * @module
 */
import type { ProtocolContext, Session } from './types.js';

export class ProtocolContextImpl<V = unknown, S = unknown> implements ProtocolContext<V, S> {
  readonly protocolName: string;
  state: V = undefined as V;
  #vhost: string;
  readonly #sessions = new Set<Session<S, V>>();
  readonly #log: (line: string) => void;
  readonly #emptyWaiters: Array<() => void> = [];

  constructor(vhost: string, protocolName: string, log: (line: string) => void = (line) => console.error(line)) {
    this.#vhost = vhost;
    this.protocolName = protocolName;
    this.#log = log;
  }

  get vhost(): string {
    return this.#vhost;
  }

  /** Learn the vhost name from the first request when the caller did not name it. */
  setVhost(name: string): void {
    if (this.#vhost === '') this.#vhost = name;
  }

  get size(): number {
    return this.#sessions.size;
  }

  sessions(): IterableIterator<Session<S, V>> {
    return this.#sessions.values();
  }

  add(session: Session<S, V>): void {
    this.#sessions.add(session);
  }

  delete(session: Session<S, V>): void {
    this.#sessions.delete(session);
    if (this.#sessions.size === 0) for (const w of this.#emptyWaiters.splice(0)) w();
  }

  /** Resolves once no session is open (sessions end by their close handshake or its timeout). */
  whenEmpty(): Promise<void> {
    if (this.#sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  requestWritableAll(): void {
    for (const s of this.#sessions) s.requestWritable();
  }

  log(message: string): void {
    this.#log(`sluice ws ${this.#vhost || '-'}/${this.protocolName}: ${message}`);
  }
}
