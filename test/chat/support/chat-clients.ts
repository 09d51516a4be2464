/**
 * Chat test clients behind one face: the `ws` package over HTTP/1.1 Upgrade,
 * or {@link H2WebSocket} over an HTTP/2 extended CONNECT stream. Each
 * records the text messages it receives and how it was closed.
 */
import type http2 from 'node:http2';
import WebSocket from 'ws';
import type { Handler } from '../../../lib/index.js';
import { createChatProtocol, type ChatHooks } from '../../../protocols/chat/index.js';
import { withWebSockets, type WsProtocolConfig } from '../../../protocols/index.js';
import { H2WebSocket } from './h2-ws-client.js';

export type Transport = 'h1' | 'h2';

export interface ChatClient {
  readonly transport: Transport;
  readonly received: string[];
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

  protected onText(text: string): void {
    this.received.push(text);
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

/** The chat over withWebSockets, with hooks (log capture) and options, and a 404 for plain requests. */
export function chatHandler(config: WsProtocolConfig, hooks: ChatHooks = {}, fallback?: Handler): Handler {
  const notFound: Handler = (tx) => tx.respond(404, { 'content-type': 'text/plain' }, 'not found\n');
  return withWebSockets({ 'lws-minimal': config }, fallback ?? notFound, { 'lws-minimal': (o) => createChatProtocol(o, hooks) }, { log: hooks.log ?? (() => {}) });
}

/** Resolves once `cond()` holds (checked every 10 ms), rejects after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
