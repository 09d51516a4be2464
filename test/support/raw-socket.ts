/**
 * A raw HTTP/1.1 client for tests: it writes exactly the bytes a test gives
 * it (smuggling vectors real clients never send) and reads back exactly what
 * the server sent, one response at a time, plus whether and when the server
 * closed the connection.
 * @module
 */
import net from 'node:net';

export interface RawResponse {
  /** The status line without CRLF, e.g. `HTTP/1.1 400 Bad Request`. */
  statusLine: string;
  status: number;
  /** Field lines as sent (name case kept), in order. */
  fields: Array<[string, string]>;
  body: Buffer;
  /** How the body was delimited. */
  framing: 'none' | 'length' | 'chunked' | 'close';
}

/** Error when the server sends bytes that are not a well-formed HTTP/1.1 response. */
export class RawProtocolError extends Error {
  override readonly name = 'RawProtocolError';
}

const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');

export class RawClient {
  readonly socket: net.Socket;
  #buf: Buffer = Buffer.alloc(0);
  #ended = false;
  #error: Error | null = null;
  #waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
      this.#wake();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('error', (err) => {
      this.#error = err;
      this.#ended = true;
      this.#wake();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return RawClient.#open({ port, host, allowHalfOpen: true });
  }

  /** Connect to 127.0.0.1 from another loopback address (127.0.0.2…): a second client address. */
  static connectFrom(port: number, localAddress: string): Promise<RawClient> {
    return RawClient.#open({ port, host: '127.0.0.1', localAddress, allowHalfOpen: true });
  }

  static #open(options: net.NetConnectOpts): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(options, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** The server closed (or reset) its side. */
  get ended(): boolean {
    return this.#ended;
  }

  /** A socket error seen (ECONNRESET…), if any. */
  get error(): Error | null {
    return this.#error;
  }

  /** Bytes received and not yet consumed by readResponse(). */
  get pending(): Buffer {
    return this.#buf;
  }

  write(data: string | Buffer): boolean {
    return this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Write `parts` one after another, each in its own write, waiting `gapMs` between them. Stops early if the server closed. */
  async writeSlowly(parts: Array<string | Buffer>, gapMs: number): Promise<number> {
    let sent = 0;
    for (const part of parts) {
      if (this.#ended || this.socket.destroyed) break;
      this.write(part);
      sent++;
      await new Promise((r) => setTimeout(r, gapMs));
    }
    return sent;
  }

  /** Wait for the server to close its side; false after `timeoutMs` without EOF. */
  async waitEnd(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended) {
      if (!(await this.#wait(deadline))) return false;
    }
    return true;
  }

  /**
   * Read one complete response. `method` tells whether a body follows (HEAD
   * has none). Rejects with RawProtocolError on malformed bytes, or with an
   * Error when the connection ends first or `timeoutMs` passes.
   */
  async readResponse(method = 'GET', timeoutMs = 5000): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    let headEnd: number;
    while ((headEnd = this.#buf.indexOf(CRLF2)) === -1) await this.#need(deadline, 'a response head');
    const head = this.#buf.toString('latin1', 0, headEnd);
    let offset = headEnd + 4;
    const [statusLine = '', ...lines] = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3}) [^\r\n]*$/.exec(statusLine);
    if (!m) throw new RawProtocolError(`bad status line ${JSON.stringify(statusLine)}`);
    const status = Number(m[1]);
    const fields: Array<[string, string]> = lines.map((line) => {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new RawProtocolError(`bad field line ${JSON.stringify(line)}`);
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    const get = (name: string): string | undefined => fields.find(([n]) => n.toLowerCase() === name)?.[1];
    const te = get('transfer-encoding');
    const cl = get('content-length');
    let body = Buffer.alloc(0);
    let framing: RawResponse['framing'];
    if (method === 'HEAD' || status < 200 || status === 204 || status === 304) {
      framing = 'none';
    } else if (te !== undefined) {
      if (te.toLowerCase() !== 'chunked') throw new RawProtocolError(`unexpected transfer-encoding ${te}`);
      framing = 'chunked';
      const parts: Buffer[] = [];
      for (;;) {
        let lineEnd: number;
        while ((lineEnd = this.#buf.indexOf('\r\n', offset)) === -1) await this.#need(deadline, 'a chunk-size line');
        const size = parseInt(this.#buf.toString('latin1', offset, lineEnd), 16);
        if (!Number.isInteger(size) || size < 0) throw new RawProtocolError('bad chunk size');
        offset = lineEnd + 2;
        if (size === 0) {
          // No trailers expected from this server: the last chunk is followed by CRLF.
          while (this.#buf.length < offset + 2) await this.#need(deadline, 'the end of a chunked body');
          if (this.#buf.toString('latin1', offset, offset + 2) !== '\r\n') throw new RawProtocolError('trailers or garbage after the last chunk');
          offset += 2;
          break;
        }
        while (this.#buf.length < offset + size + 2) await this.#need(deadline, 'chunk data');
        parts.push(Buffer.from(this.#buf.subarray(offset, offset + size)));
        if (this.#buf.toString('latin1', offset + size, offset + size + 2) !== '\r\n') throw new RawProtocolError('chunk data not followed by CRLF');
        offset += size + 2;
      }
      body = Buffer.concat(parts);
    } else if (cl !== undefined) {
      framing = 'length';
      const n = Number(cl);
      while (this.#buf.length < offset + n) await this.#need(deadline, `${n} body bytes`);
      body = Buffer.from(this.#buf.subarray(offset, offset + n));
      offset += n;
    } else {
      framing = 'close';
      while (!this.#ended) await this.#need(deadline, 'the end of a close-delimited body');
      body = Buffer.from(this.#buf.subarray(offset));
      offset = this.#buf.length;
    }
    this.#buf = this.#buf.subarray(offset);
    return { statusLine, status, fields, body, framing };
  }

  close(): void {
    this.socket.destroy();
  }

  async #need(deadline: number, what: string): Promise<void> {
    if (this.#ended) throw new Error(`connection ended while waiting for ${what} (have ${JSON.stringify(this.#buf.toString('latin1').slice(0, 200))})`);
    if (!(await this.#wait(deadline))) throw new Error(`timed out waiting for ${what}`);
  }

  /** Resolve true on the next data/end event, false at the deadline. */
  #wait(deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        resolve(false);
      }, Math.max(0, deadline - Date.now()));
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#waiters.push(wake);
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** A field value by case-insensitive name, or undefined. */
export function field(response: RawResponse, name: string): string | undefined {
  const lower = name.toLowerCase();
  return response.fields.find(([n]) => n.toLowerCase() === lower)?.[1];
}

export interface Exchange {
  /** The first response the server sent, or null if it sent none that parsed. */
  response: RawResponse | null;
  /** Why no response parsed, if so. */
  readError: string | null;
  /** The server closed the connection (EOF) within the timeout. */
  closed: boolean;
  /** Bytes the server sent after that first response, before closing. */
  extra: Buffer;
}

/**
 * Connect, write `data` (each element as its own write, `gapMs` apart), read
 * the first response and then wait for the server to close the connection.
 */
export async function exchange(port: number, data: string | Buffer | Array<string | Buffer>, opts: { method?: string; timeoutMs?: number; gapMs?: number } = {}): Promise<Exchange> {
  const client = await RawClient.connect(port);
  try {
    const parts = Array.isArray(data) ? data : [data];
    await client.writeSlowly(parts, opts.gapMs ?? 0);
    let response: RawResponse | null = null;
    let readError: string | null = null;
    try {
      response = await client.readResponse(opts.method ?? 'GET', opts.timeoutMs ?? 5000);
    } catch (err) {
      readError = (err as Error).message;
    }
    const closed = await client.waitEnd(opts.timeoutMs ?? 5000);
    return { response, readError, closed, extra: Buffer.from(client.pending) };
  } finally {
    client.close();
  }
}
