/**
 * Request header validation (RFC 9113 §8.2, §8.3; RFC 8441 §4). A request that
 * breaks any of these rules is malformed: a stream error of type PROTOCOL_ERROR
 * (§8.1.1), never passed to a handler.
 * @module
 */
import { ErrorCode, H2StreamError } from './errors.js';
import type { StreamRequest } from './stream.js';

export interface ValidatedRequest extends StreamRequest {
  /** Declared content-length, or -1. */
  contentLength: number;
}

/** §8.2.2: connection-specific fields MUST NOT appear in HTTP/2. */
const CONNECTION_SPECIFIC = new Set(['connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

/**
 * §8.2.1: a name MUST NOT contain 0x00-0x20, 0x41-0x5a (uppercase) or 0x7f-0xff;
 * the only colon allowed is the leading one of a pseudo-header.
 */
function validName(name: string, pseudo: boolean): boolean {
  if (name.length === (pseudo ? 1 : 0)) return false;
  for (let i = pseudo ? 1 : 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || (c >= 0x41 && c <= 0x5a) || c >= 0x7f || c === 0x3a) return false;
  }
  return true;
}

// Module constants: a regular expression literal inside the function would build a RegExp per request.
/** RFC 9110 §8.6 Content-Length digits (15 keep it a safe integer). */
const CONTENT_LENGTH = /^\d{1,15}$/;
/** RFC 9110 §9.1: a method is a token. */
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** §8.2.1: a value MUST NOT contain NUL, LF or CR, nor start or end with SP or HTAB. */
function validValue(value: string): boolean {
  const n = value.length;
  if (n === 0) return true;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x00 || c === 0x0a || c === 0x0d) return false;
  }
  return true;
}

/**
 * Validate a decoded request header list and split it into pseudo-headers and
 * regular fields. `extendedConnect`: we advertised SETTINGS_ENABLE_CONNECT_PROTOCOL.
 */
export function validateRequest(streamId: number, fields: ReadonlyArray<[string, string]>, extendedConnect: boolean): ValidatedRequest {
  const malformed = (why: string): H2StreamError => new H2StreamError(streamId, ErrorCode.PROTOCOL_ERROR, `malformed request: ${why}`);
  let method: string | undefined;
  let scheme: string | undefined;
  let authority: string | undefined;
  let path: string | undefined;
  let protocol: string | undefined;
  let host: string | undefined;
  let contentLength = -1;
  const headers: Array<[string, string]> = [];
  let regularSeen = false;

  for (const field of fields) {
    const [name, value] = field;
    const pseudo = name.charCodeAt(0) === 0x3a;
    if (!validName(name, pseudo)) throw malformed(`invalid field name ${JSON.stringify(name)}`);
    if (!validValue(value)) throw malformed(`invalid value for ${name}`);
    if (pseudo) {
      // §8.3: pseudo-headers MUST precede regular fields, appear once, and be defined for requests.
      if (regularSeen) throw malformed(`pseudo-header ${name} after a regular field`);
      switch (name) {
        case ':method':
          if (method !== undefined) throw malformed('duplicate :method');
          method = value;
          break;
        case ':scheme':
          if (scheme !== undefined) throw malformed('duplicate :scheme');
          scheme = value;
          break;
        case ':authority':
          if (authority !== undefined) throw malformed('duplicate :authority');
          authority = value;
          break;
        case ':path':
          if (path !== undefined) throw malformed('duplicate :path');
          path = value;
          break;
        case ':protocol':
          if (!extendedConnect) throw malformed(':protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL');
          if (protocol !== undefined) throw malformed('duplicate :protocol');
          protocol = value;
          break;
        default:
          throw malformed(`unknown or response pseudo-header ${name}`);
      }
      continue;
    }
    regularSeen = true;
    if (CONNECTION_SPECIFIC.has(name)) throw malformed(`connection-specific field ${name}`);
    if (name === 'te' && value !== 'trailers') throw malformed('te other than "trailers"');
    if (name === 'host') {
      if (host !== undefined && host !== value) throw malformed('conflicting host fields');
      host = value;
    } else if (name === 'content-length') {
      if (!CONTENT_LENGTH.test(value)) throw malformed('invalid content-length');
      const n = Number(value);
      if (contentLength !== -1 && contentLength !== n) throw malformed('conflicting content-length fields');
      contentLength = n;
    }
    headers.push(field);
  }

  if (method === undefined || method === '') throw malformed('missing :method');
  if (!METHOD_TOKEN.test(method)) throw malformed('invalid :method');
  if (protocol !== undefined) {
    // RFC 8441 §4: extended CONNECT carries :protocol, :scheme, :path and :authority.
    if (method !== 'CONNECT') throw malformed(':protocol on a non-CONNECT request');
    if (!scheme || !path || !authority) throw malformed('extended CONNECT without :scheme, :path or :authority');
  } else if (method === 'CONNECT') {
    // §8.5: plain CONNECT has only :method and :authority.
    if (scheme !== undefined || path !== undefined) throw malformed('CONNECT with :scheme or :path');
    if (!authority) throw malformed('CONNECT without :authority');
    return { method, scheme: '', authority, path: '', protocol: null, headers, contentLength };
  }
  if (scheme === undefined || scheme === '') throw malformed('missing :scheme');
  if (path === undefined || path === '') throw malformed('missing or empty :path');
  if (path !== '*' && path.charCodeAt(0) !== 0x2f) throw malformed(':path must be origin-form or *');
  if (path === '*' && method !== 'OPTIONS') throw malformed(':path "*" on a non-OPTIONS request');
  // §8.3.1: http(s) requests carry :authority or host; both non-empty and equal.
  if (authority === '' || host === '') throw malformed('empty :authority or host');
  if (authority !== undefined && host !== undefined && authority !== host) throw malformed(':authority and host differ');
  return { method, scheme, authority: authority ?? host ?? '', path, protocol: protocol ?? null, headers, contentLength };
}

/** §8.1: trailers carry no pseudo-headers; names and values follow §8.2.1. */
export function validateTrailers(streamId: number, fields: ReadonlyArray<[string, string]>): void {
  for (const [name, value] of fields) {
    if (name.charCodeAt(0) === 0x3a || !validName(name, false) || !validValue(value)) {
      throw new H2StreamError(streamId, ErrorCode.PROTOCOL_ERROR, `malformed trailer field ${JSON.stringify(name)}`);
    }
  }
}
