/**
 * One HTTP/1.1 connection: the parser pulled only while the current exchange
 * can take more, requests answered strictly in order (pipelining), request
 * bodies with back-pressure (a slow handler pauses the socket), keep-alive,
 * 100-continue, the request timeouts, and graceful close.
 * @module
 */
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { H1ParseError, RequestParser, type H1Limits, type RequestHead } from '../h1/request-parser.js';
import { H1Response } from '../h1/response-writer.js';
import { SluiceError, SluiceErrorCode } from '../errors.js';
import { httpDate } from '../http/http-date.js';
import { Request } from '../http/request.js';
import { RequestBody, type HeaderList } from '../http/request-body.js';

export interface H1Timeouts {
  /** A request head must be complete this many ms after its first byte, else 408 and close (slowloris). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this many ms without a new request. */
  keepAliveTimeoutMs: number;
  /** A request body that stops arriving for this many ms ends the exchange with 408 (or a cut response) and a close. */
  bodyIdleTimeoutMs: number;
  /**
   * A response waiting on a peer that reads none of it for this many ms is cut and the
   * connection closed (the HTTP/2 creditStallTimeoutMs, and nginx's send_timeout: a minute).
   */
  sendStallTimeoutMs: number;
}

export const DEFAULT_H1_TIMEOUTS: Readonly<H1Timeouts> = Object.freeze({
  headersTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  bodyIdleTimeoutMs: 30_000,
  sendStallTimeoutMs: 60_000,
});

/** How long a connection we half-closed waits for the peer's FIN before it is destroyed. */
const LINGER_MS = 2000;
/** Body bytes queued for a handler that is not reading before we stop parsing (and so stop reading the socket). */
const BODY_HIGH_WATER = 64 << 10;
/** Unparsed bytes (pipelined requests) held before the socket is paused. */
const PARSE_HIGH_WATER = 64 << 10;
/** After a response that did not read its whole request body, this much of the rest is read and dropped to keep the connection; more closes it. */
const MAX_DISCARD_BYTES = 1 << 20;

export interface H1ConnectionOptions {
  limits?: Partial<H1Limits>;
  timeouts?: Partial<H1Timeouts>;
  encrypted: boolean;
  serverHeader: string | false;
}

export interface H1Hooks {
  onRequest(request: Request, response: H1Response): void;
}

interface Exchange {
  head: RequestHead;
  body: RequestBody | null;
  response: H1Response;
  /** The parser has delivered the whole request (its 'end'). */
  requestDone: boolean;
  trailers: HeaderList | null;
  continueSent: boolean;
  discarded: number;
  /** The request asked for an upgrade (and has no body): its body stays open in case the handler accepts a tunnel. */
  upgradable: boolean;
  /** The handler started reading the body. */
  bodyRead: boolean;
}

export class H1Connection {
  readonly #socket: Socket;
  readonly #parser: RequestParser;
  readonly #options: H1ConnectionOptions;
  readonly #timeouts: H1Timeouts;
  readonly #hooks: H1Hooks;
  #current: Exchange | null = null;
  /** The exchange that switched protocols: every later socket byte is its body. */
  #tunnel: Exchange | null = null;
  #closing = false;
  #pulling = false;
  #pullAgain = false;
  #paused = false;
  /** At most one pending timer, due at #timerAt, never later than #deadline; arming again only moves the deadline. */
  #timer: NodeJS.Timeout | null = null;
  #timerAt = 0;
  #deadline = 0;
  #timerKind: 'headers' | 'keepalive' | 'body' | null = null;

  constructor(socket: Socket, initial: Buffer, options: H1ConnectionOptions, hooks: H1Hooks) {
    this.#socket = socket;
    this.#options = options;
    this.#timeouts = { ...DEFAULT_H1_TIMEOUTS, ...options.timeouts };
    this.#hooks = hooks;
    this.#parser = new RequestParser(options.limits);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('close', () => this.#onClose());
    socket.on('error', () => socket.destroy());
    // Every way we close is a half-close (a request in flight meets a FIN, not a reset);
    // a peer that never closes its side must not hold the connection, so drop it soon after.
    // A tunnel whose reader gave up (a WebSocket failed) is not read any more, so no FIN would be seen: drop it now.
    socket.once('finish', () => {
      if (this.#tunnel?.body?.destroyed) socket.destroy();
      else setTimeout(() => socket.destroy(), LINGER_MS).unref();
    });
    socket.on('end', () => {
      if (this.#tunnel) return void this.#tunnel.body?.finish();
      // The client half-closed: finish what is in flight, then close our side.
      if (!this.#current) socket.end();
      else this.#closing = true;
    });
    this.#arm('headers');
    if (initial.length > 0) this.#onData(initial);
  }

  /** No request in progress: closing now loses nothing. */
  get idle(): boolean {
    return this.#current === null;
  }

  /** Graceful close: finish the exchange in flight (telling the client the connection closes), then close. */
  close(): void {
    this.#closing = true;
    if (!this.#current) this.#socket.end();
  }

  #onData(chunk: Buffer): void {
    if (this.#tunnel) {
      this.#tunnel.body?.enqueue(chunk);
      return this.#flowControlTunnel();
    }
    if (!this.#current && this.#timerKind === 'keepalive') this.#arm('headers');
    if (this.#current && !this.#current.requestDone) this.#arm('body');
    this.#parser.push(chunk);
    this.#pull();
  }

  /** Pull parser events while the current exchange can take them. Re-entrant calls are folded into one loop. */
  #pull(): void {
    if (this.#pulling) {
      this.#pullAgain = true;
      return;
    }
    this.#pulling = true;
    try {
      do {
        this.#pullAgain = false;
        this.#pullOnce();
      } while (this.#pullAgain);
    } finally {
      this.#pulling = false;
    }
  }

  #pullOnce(): void {
    const socket = this.#socket;
    while (!socket.destroyed && !socket.writableEnded) {
      const ex = this.#current;
      // Responses go out in request order: the next request waits for this response.
      if (ex && ex.requestDone) break;
      if (ex?.body && !ex.body.destroyed && ex.body.queuedBytes >= BODY_HIGH_WATER) break;
      let ev;
      try {
        ev = this.#parser.next();
      } catch (err) {
        if (err instanceof H1ParseError) return this.#parseError(err);
        throw err;
      }
      if (ev === null) break;
      if (ev.type === 'head') this.#startExchange(ev.head);
      else if (!ex) continue; // the exchange already ended (its connection is closing)
      else if (ev.type === 'body') this.#onBody(ex, ev.chunk);
      else if (ev.type === 'trailers') ex.trailers = ev.trailers;
      else this.#endRequest(ex);
    }
    this.#flowControlSocket();
  }

  /** Pause reading while we hold enough unprocessed bytes; resume when the handler catches up. */
  #flowControlSocket(): void {
    const ex = this.#current;
    const bodyFull = !!ex?.body && !ex.body.destroyed && ex.body.queuedBytes >= BODY_HIGH_WATER;
    const waiting = !!ex && ex.requestDone;
    const shouldPause = this.#parser.buffered >= PARSE_HIGH_WATER || bodyFull || (waiting && this.#parser.buffered > 0);
    if (shouldPause && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    } else if (!shouldPause && this.#paused) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  #startExchange(head: RequestHead): void {
    const hasBody = head.chunked || (head.contentLength ?? 0) > 0;
    const response: H1Response = new H1Response({
      socket: this.#socket,
      versionMinor: head.versionMinor,
      keepAlive: head.keepAlive && !this.#closing,
      head: head.method === 'HEAD',
      done: (reusable) => this.#responseDone(ex, reusable),
      headSent: (tunnel) => this.#headSent(ex, tunnel),
      sendStallTimeoutMs: this.#timeouts.sendStallTimeoutMs,
    });
    const upgradable = head.upgrade !== null && !hasBody;
    const ex: Exchange = { head, body: null, response, requestDone: false, trailers: null, continueSent: false, discarded: 0, upgradable, bodyRead: false };
    if (hasBody || upgradable) {
      ex.body = new RequestBody({
        consumed: () => {
          if (this.#tunnel === ex) this.#flowControlTunnel();
          else if (ex.body!.queuedBytes < BODY_HIGH_WATER) this.#pull();
        },
        discarded: () => this.#pull(),
        started: () => {
          if (head.expectContinue && !ex.continueSent && !response.finished) {
            ex.continueSent = true;
            this.#socket.write(`HTTP/1.1 100 Continue\r\n\r\n`);
          }
          // Reading an upgrade request's body before accepting a tunnel reads the HTTP body, which is empty.
          ex.bodyRead = true;
          if (ex.upgradable && !response.headSent && ex.requestDone) ex.body!.finish();
        },
      });
    }
    this.#current = ex;
    this.#arm(hasBody ? 'body' : null);
    const request = new Request({
      method: head.method,
      scheme: head.scheme ?? (this.#options.encrypted ? 'https' : 'http'),
      authority: head.authority ?? '',
      path: head.path,
      httpVersion: head.versionMinor === 1 ? '1.1' : '1.0',
      headers: head.headers,
      upgradeProtocol: head.upgrade,
      body: ex.body,
      remoteAddress: this.#socket.remoteAddress,
      remotePort: this.#socket.remotePort,
      encrypted: this.#options.encrypted,
    });
    this.#hooks.onRequest(request, response);
  }

  #onBody(ex: Exchange, chunk: Buffer): void {
    if (ex.body && !ex.body.destroyed && !ex.response.finished) return ex.body.enqueue(chunk);
    ex.discarded += chunk.length;
    if (ex.discarded > MAX_DISCARD_BYTES) this.#socket.destroy();
  }

  #endRequest(ex: Exchange): void {
    ex.requestDone = true;
    if (!ex.upgradable) ex.body?.finish(ex.trailers); // an upgrade's body ends when its response is not a tunnel
    else if ((ex.response.headSent || ex.bodyRead) && this.#tunnel !== ex) ex.body?.finish();
    this.#arm(null);
    if (ex.response.finished) this.#next(ex);
  }

  /** The response head went out: a 101 turns the connection into a tunnel; anything else ends an upgrade request's (empty) body. */
  #headSent(ex: Exchange, tunnel: boolean): void {
    if (!tunnel) {
      if (ex.upgradable && ex.requestDone) ex.body?.finish();
      return;
    }
    this.#tunnel = ex;
    this.#arm(null);
    const rest = this.#parser.takeRemaining();
    if (rest.length > 0) ex.body?.enqueue(rest);
    this.#flowControlTunnel();
  }

  /**
   * A tunnel's reader sets the pace: the socket pauses while its unread bytes are above the
   * high-water mark, and for good once the reader has abandoned the tunnel (a WebSocket failed
   * for a protocol error): the peer's further bytes are left to TCP until the connection closes.
   */
  #flowControlTunnel(): void {
    const body = this.#tunnel?.body;
    const shouldPause = !!body && (body.destroyed || body.queuedBytes >= BODY_HIGH_WATER);
    if (body?.destroyed && this.#socket.writableFinished) return void this.#socket.destroy(); // nothing left to say or hear
    if (shouldPause !== this.#paused) {
      this.#paused = shouldPause;
      if (shouldPause) this.#socket.pause();
      else this.#socket.resume();
    }
  }

  #responseDone(ex: Exchange, reusable: boolean): void {
    if (this.#current !== ex) return;
    const abandonedContinue = ex.head.expectContinue && !ex.continueSent && !ex.requestDone;
    if (!reusable || this.#closing || abandonedContinue) {
      // The client may never send a body it was not asked for; closing is the only safe end (RFC 9110 §10.1.1).
      this.#current = null;
      this.#arm(null);
      this.#socket.end();
      return;
    }
    if (ex.requestDone) this.#next(ex);
    else {
      // The handler answered without reading all of the body: drop the rest as it comes, then go on.
      ex.body?.destroy();
      queueMicrotask(() => this.#pull());
    }
  }

  /** The exchange is complete on both sides: go on with the next (maybe pipelined) request. */
  #next(ex: Exchange): void {
    if (this.#current !== ex) return;
    this.#current = null;
    if (this.#closing) {
      this.#socket.end();
      return;
    }
    if (this.#parser.buffered === 0) {
      this.#arm('keepalive');
      this.#flowControlSocket(); // nothing pipelined: the next request arrives with the next 'data'
      return;
    }
    this.#arm('headers');
    // Not synchronously: a pipelined burst answered by synchronous handlers must not recurse.
    setImmediate(() => this.#pull());
  }

  #parseError(err: H1ParseError): void {
    const ex = this.#current;
    if (ex && !ex.requestDone) {
      // The body of the request in progress is malformed: its reader gets the error, and the
      // request is answered with the parse error's status (400, 431) unless the handler already
      // answered; either way the connection closes, since the framing is lost (RFC 9112 §7.1).
      this.#closing = true;
      ex.requestDone = true;
      ex.body?.fail(err);
      this.#arm(null);
      const headSent = ex.response.headSent;
      const finished = ex.response.finished;
      ex.response.connectionLost(err); // the transaction is aborted: its failure is the peer's, not a server error
      if (finished) {
        this.#current = null;
        this.#socket.end();
      } else if (!headSent) this.#sendError(err.status, err.message);
      else this.#socket.destroy();
      return;
    }
    this.#sendError(err.status, err.message);
  }

  /** Answer with an error status and close (every parse error ends the connection: the framing is lost). */
  #sendError(status: number, message: string): void {
    this.#arm(null);
    this.#current = null;
    const body = `${status} ${STATUS_CODES[status] ?? ''}: ${message}\n`;
    const server = this.#options.serverHeader === false ? '' : `Server: ${this.#options.serverHeader}\r\n`;
    this.#socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nDate: ${httpDate()}\r\n${server}Connection: close\r\n\r\n${body}`,
    );
  }

  /**
   * Start (or restart) the timeout of `kind`, or stop timing (null). Several
   * times per request, so it only moves a deadline: the one pending timer is
   * replaced only when the new deadline is earlier; when it fires early it
   * re-arms itself for what is left.
   */
  #arm(kind: 'headers' | 'keepalive' | 'body' | null): void {
    this.#timerKind = kind;
    if (kind === null) return;
    const ms = kind === 'headers' ? this.#timeouts.headersTimeoutMs : kind === 'keepalive' ? this.#timeouts.keepAliveTimeoutMs : this.#timeouts.bodyIdleTimeoutMs;
    this.#deadline = Date.now() + ms;
    if (this.#timer !== null && this.#timerAt <= this.#deadline) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#schedule(ms);
  }

  #schedule(ms: number): void {
    this.#timerAt = Date.now() + ms;
    this.#timer = setTimeout(() => this.#onTimer(), ms);
    this.#timer.unref();
  }

  #onTimer(): void {
    this.#timer = null;
    const kind = this.#timerKind;
    if (kind === null) return;
    const left = this.#deadline - Date.now();
    if (left > 0) return this.#schedule(left);
    this.#onTimeout(kind);
  }

  #onTimeout(kind: 'headers' | 'keepalive' | 'body'): void {
    this.#timerKind = null;
    if (kind === 'keepalive') return void this.#socket.end(); // half-close; 'finish' arms the linger timer
    if (kind === 'headers') {
      // Nothing of a request yet: just close; part of one: tell the client why.
      if (this.#parser.buffered === 0) return void this.#socket.destroy();
      return this.#sendError(408, 'request headers not received in time');
    }
    const ex = this.#current;
    if (!ex) return;
    const err = new SluiceError(SluiceErrorCode.STREAM_CLOSED, 'request body timed out');
    this.#closing = true;
    ex.requestDone = true;
    ex.body?.fail(err);
    const headSent = ex.response.headSent;
    ex.response.connectionLost(err);
    if (!headSent) this.#sendError(408, 'request body not received in time');
    else this.#socket.destroy();
  }

  #onClose(): void {
    this.#arm(null);
    if (this.#timer !== null) clearTimeout(this.#timer); // a closed connection is not kept alive by its timer
    const ex = this.#current;
    this.#current = null;
    if (ex) {
      const err = new SluiceError(SluiceErrorCode.STREAM_CLOSED, 'the connection closed');
      if (!ex.requestDone || this.#tunnel === ex) ex.body?.fail(err);
      ex.response.connectionLost(err);
    }
  }
}
