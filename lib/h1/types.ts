/**
 * What the HTTP/1.1 request parser hands to the connection.
 * @module
 */

/** A parsed and validated request head (RFC 9112 §3, §5, §6). */
export interface RequestHead {
  /** As sent: methods are case-sensitive tokens (RFC 9110 §9.1). */
  method: string;
  /** The raw request-target. */
  target: string;
  form: 'origin' | 'absolute' | 'authority' | 'asterisk';
  /** Path and query: the origin-form target, the absolute-form path ('/' when empty), '*' for asterisk-form, '' for authority-form. */
  path: string;
  /** Absolute- or authority-form target authority (RFC 9112 §3.3), else the Host header; null only on HTTP/1.0 without Host. */
  authority: string | null;
  /** From an absolute-form target only. */
  scheme: 'http' | 'https' | null;
  versionMinor: 0 | 1;
  /** Names lowercased, values latin1 with OWS trimmed, in order, duplicates kept. */
  headers: Array<[name: string, value: string]>;
  contentLength: number | null;
  chunked: boolean;
  keepAlive: boolean;
  expectContinue: boolean;
  /** The Upgrade value when Connection carries the "upgrade" option (HTTP/1.1 only), else null. */
  upgrade: string | null;
}

export type ParseEvent =
  | { type: 'head'; head: RequestHead }
  | { type: 'body'; chunk: Buffer }
  | { type: 'trailers'; trailers: Array<[string, string]> }
  | { type: 'end' };
