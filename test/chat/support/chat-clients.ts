/**
 * Chat test clients behind one face: the `ws` package over HTTP/1.1 Upgrade,
 * or {@link H2WebSocket} over an HTTP/2 extended CONNECT stream. Each
 * records the text messages it receives (their first {@link KEEP_CHARS}
 * characters: tests check senders and sequence numbers, and 40 clients
 * keeping megabytes of padding would measure the test, not the server) and
 * how it was closed.
 */
import type http2 from 'node:http2';
import WebSocket from 'ws';
import type { Handler } from '../../../lib/index.js';
import { createChatProtocol, type ChatHooks, type ChatSession, type ChatVhost } from '../../../protocols/chat/index.js';
import { withWebSockets, type Protocol, type ProtocolContext, type WsProtocolConfig } from '../../../protocols/index.js';
import { connectH2, H2WebSocket } from './h2-ws-client.js';

export type Transport = 'h1' | 'h2';

/** Characters of each received message a client keeps. */
export const KEEP_CHARS = 128;

export interface ChatClient {
  readonly transport: Transport;
  readonly received: string[];
  /** When each message arrived (Date.now()). */
  readonly arrivals: number[];
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  send(text: string): void;
  /** Stop reading from the server (h1: pause the socket; h2: stop consuming the stream). */
  pause(): void;
  resume(): void;
  close(): void;
  /** Resolves when `received.length` reaches `n` (rejects if the client closes first). */
  waitFor(n: number): Promise<void>;
}

class Base {
  readonly received: string[] = [];
  #waiters: Array<{ n: number; resolve: () => void; reject: (e: Error) => void }> = [];
  #closedInfo: { code: number; reason: string } | null = null;

  /** When each message arrived (Date.now()), parallel to `received`. */
  readonly arrivals: number[] = [];

  protected onText(text: string): void {
    this.received.push(text.length > KEEP_CHARS ? text.slice(0, KEEP_CHARS) : text);
    this.arrivals.push(Date.now());
    this.#waiters = this.#waiters.filter((w) => (this.received.length >= w.n ? (w.resolve(), false) : true));
  }

  protected onClosed(code: number, reason: string): void {
    this.#closedInfo = { code, reason };
    for (const w of this.#waiters.splice(0)) w.reject(new Error(`closed ${code} ${reason} after ${this.received.length} of ${w.n} messages`));
  }

  waitFor(n: number): Promise<void> {
    if (this.received.length >= n) return Promise.resolve();
    if (this.#closedInfo) return Promise.reject(new Error(`closed ${this.#closedInfo.code} after ${this.received.length} of ${n} messages`));
    return new Promise((resolve, reject) => this.#waiters.push({ n, resolve, reject }));
  }
}

class H1Client extends Base implements ChatClient {
  readonly transport = 'h1' as const;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    super();
    this.#ws = ws;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onText(data.toString());
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.onClosed(code, reason.toString());
        resolve({ code, reason: reason.toString() });
      }),
    );
    ws.on('error', () => {});
  }

  send(text: string): void {
    this.#ws.send(text);
  }

  pause(): void {
    (this.#ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
  }

  resume(): void {
    (this.#ws as unknown as { _socket: import('node:net').Socket })._socket.resume();
  }

  close(): void {
    this.#ws.close(1000);
  }
}

class H2Client extends Base implements ChatClient {
  readonly transport = 'h2' as const;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #ws: H2WebSocket;

  constructor(ws: H2WebSocket) {
    super();
    this.#ws = ws;
    ws.on('message', (text, isBinary) => {
      if (!isBinary) this.onText(text);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.onClosed(code, reason);
        resolve({ code, reason });
      }),
    );
  }

  send(text: string): void {
    this.#ws.send(text);
  }

  pause(): void {
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
  }

  close(): void {
    this.#ws.close(1000);
  }
}

/** A `ws` client over HTTP/1.1 Upgrade to `url` (ws:// or wss://) with subprotocol lws-minimal. */
export async function openH1(url: string, options: WebSocket.ClientOptions = {}): Promise<ChatClient> {
  const ws = new WebSocket(url, 'lws-minimal', options);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  if (ws.protocol !== 'lws-minimal') throw new Error(`server chose subprotocol ${JSON.stringify(ws.protocol)}`);
  return new H1Client(ws);
}

/** A client over an extended CONNECT stream of `session`. */
export async function openH2(session: http2.ClientHttp2Session, path = '/'): Promise<ChatClient> {
  return new H2Client(await H2WebSocket.open(session, path));
}

/**
 * The chat over withWebSockets, with hooks (log capture) and options, and a
 * 404 for plain requests. `onInit` receives the protocol context (its state
 * is the room), for tests that watch what the server holds.
 */
export function chatHandler(
  config: WsProtocolConfig,
  hooks: ChatHooks = {},
  fallback?: Handler,
  onInit?: (ctx: ProtocolContext<ChatVhost, ChatSession>) => void,
): Handler {
  const notFound: Handler = (tx) => tx.respond(404, { 'content-type': 'text/plain' }, 'not found\n');
  const factory = (o: Readonly<Record<string, unknown>>): Protocol<ChatVhost, ChatSession> => {
    const p = createChatProtocol(o, hooks);
    return onInit ? { ...p, init: (ctx) => (onInit(ctx), p.init(ctx)) } : p;
  };
  return withWebSockets({ 'lws-minimal': config }, fallback ?? notFound, { 'lws-minimal': factory }, { log: hooks.log ?? (() => {}) });
}

/** `n` clients over one transport: h1 opens `n` ws connections, h2 opens `n` streams on one HTTP/2 session. */
export async function openClients(transport: Transport, port: number, n: number, t: { teardown(fn: () => void): void }): Promise<ChatClient[]> {
  const clients: ChatClient[] = [];
  if (transport === 'h1') {
    for (let i = 0; i < n; i++) clients.push(await openH1(`ws://127.0.0.1:${port}/`));
  } else {
    const session = await connectH2(`http://127.0.0.1:${port}`);
    t.teardown(() => session.destroy());
    for (let i = 0; i < n; i++) clients.push(await openH2(session));
  }
  return clients;
}

/**
 * Per-sender check of messages `sender:seq[:padding]`: each sender's arrive
 * as 0..count-1, none missing, none twice. Returns the problems found.
 */
export function deliveryProblems(received: readonly string[], senders: readonly string[], count: number): string[] {
  const next = new Map(senders.map((s) => [s, 0]));
  const problems: string[] = [];
  for (const m of received) {
    const [s, q] = m.split(':');
    const want = next.get(s ?? '');
    if (want === undefined || Number(q) !== want) {
      problems.push(`got ${m.slice(0, 24)}, expected ${s}:${want}`);
      continue;
    }
    next.set(s as string, want + 1);
  }
  if (received.length !== senders.length * count) problems.push(`${received.length} messages, expected ${senders.length * count}`);
  return problems;
}

/** Resolves once `cond()` holds (checked every 10 ms), rejects after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
