/**
 * The request view a handler sees, identical on HTTP/1.1 and HTTP/2.
 * @module
 */
import { emptyBody, type HeaderList, type RequestBody } from './request-body.js';

export type HttpVersion = '1.0' | '1.1' | '2';

export interface RequestInit {
  method: string;
  scheme: string;
  authority: string;
  /** Path and query as sent (`:path`, or the origin-form request-target). */
  path: string;
  httpVersion: HttpVersion;
  /** Field names lowercase, in wire order, duplicates kept. */
  headers: HeaderList;
  /** RFC 8441 `:protocol` of an extended CONNECT, or the h1 `Upgrade` token. */
  upgradeProtocol?: string | null;
  body: RequestBody | null;
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  encrypted?: boolean;
}

export class Request {
  readonly method: string;
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
  readonly httpVersion: HttpVersion;
  readonly rawHeaders: HeaderList;
  readonly upgradeProtocol: string | null;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly encrypted: boolean;
  #body: RequestBody | null;
  #headers: Record<string, string> | null = null;
  #url: URL | null = null;

  constructor(init: RequestInit) {
    this.method = init.method;
    this.scheme = init.scheme;
    this.authority = init.authority;
    this.path = init.path;
    this.httpVersion = init.httpVersion;
    this.rawHeaders = init.headers;
    this.upgradeProtocol = init.upgradeProtocol ?? null;
    this.#body = init.body;
    this.remoteAddress = init.remoteAddress;
    this.remotePort = init.remotePort;
    this.encrypted = init.encrypted ?? false;
  }

  /** Host part of the authority, without port, lowercase. */
  get hostname(): string {
    const a = this.authority;
    if (a.startsWith('[')) return a.slice(0, a.indexOf(']') + 1).toLowerCase();
    const colon = a.lastIndexOf(':');
    return (colon === -1 ? a : a.slice(0, colon)).toLowerCase();
  }

  /** The path without the query, still percent-encoded. */
  get pathname(): string {
    const q = this.path.indexOf('?');
    return q === -1 ? this.path : this.path.slice(0, q);
  }

  /** The query string without `?`, or ''. */
  get search(): string {
    const q = this.path.indexOf('?');
    return q === -1 ? '' : this.path.slice(q + 1);
  }

  /** Parsed URL (lazy). */
  get url(): URL {
    return (this.#url ??= new URL(this.path.startsWith('/') ? this.path : '/', `${this.scheme}://${this.authority || 'localhost'}`));
  }

  /**
   * Headers as an object: repeated fields joined with ", " (RFC 9110 §5.3),
   * except `cookie`, joined with "; " (RFC 9113 §8.2.3 splits it into crumbs).
   */
  get headers(): Record<string, string> {
    if (this.#headers) return this.#headers;
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [name, value] of this.rawHeaders) {
      const prev = out[name];
      out[name] = prev === undefined ? value : prev + (name === 'cookie' ? '; ' : ', ') + value;
    }
    return (this.#headers = out);
  }

  /** One header by lowercase name (joined as in `headers`). */
  header(name: string): string | undefined {
    return this.headers[name];
  }

  /** The body: a Readable / async iterable of Buffers with back-pressure. */
  get body(): RequestBody {
    return (this.#body ??= emptyBody());
  }

  /** Whether the request has a body that is still arriving or unread. */
  get hasBody(): boolean {
    return this.#body !== null && !this.#body.readableEnded;
  }
}
