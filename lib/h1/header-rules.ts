/**
 * The header fields that decide framing, routing and connection handling
 * (RFC 9112 §6, §9; RFC 9110 §7.2, §7.6.1, §7.8, §10.1.1), and the checks that
 * turn a request line plus field lines into a RequestHead.
 * @module
 */

import { HOST_VALUE, TOKEN, isWhitespace } from './chars.js';
import { H1ParseError } from './errors.js';
import type { RequestLine } from './request-line.js';
import type { RequestHead } from './types.js';

const DIGITS = /^[0-9]+$/;
const MAX_SAFE_DIGITS = 16;
/** transfer-parameters after a coding name (RFC 9112 §7.3); only the name is checked. */
const PARAMETERS = /[ \t]*;.*$/;

/** Collects, while the field lines arrive, the few fields the parser itself must interpret. */
export class SpecialFields {
  host: string | null = null;
  hostCount = 0;
  contentLength: string[] | null = null;
  transferEncoding: string[] | null = null;
  connection: string[] | null = null;
  expect: string[] | null = null;
  upgrade: string[] | null = null;

  note(name: string, value: string): void {
    switch (name) {
      case 'host':
        this.hostCount++;
        this.host = value;
        break;
      case 'content-length':
        (this.contentLength ??= []).push(value);
        break;
      case 'transfer-encoding':
        (this.transferEncoding ??= []).push(value);
        break;
      case 'connection':
        (this.connection ??= []).push(value);
        break;
      case 'expect':
        (this.expect ??= []).push(value);
        break;
      case 'upgrade':
        (this.upgrade ??= []).push(value);
        break;
    }
  }
}

/** Validate the head as a whole and build the RequestHead. Throws H1ParseError. */
export function buildRequestHead(line: RequestLine, headers: Array<[string, string]>, fields: SpecialFields): RequestHead {
  const http10 = line.versionMinor === 0;

  // Framing first: it decides where the next request starts (RFC 9112 §6.3).
  let chunked = false;
  let contentLength: number | null = null;
  if (fields.transferEncoding !== null) {
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding MUST be treated as
    // having faulty framing; HTTP/1.0 has no chunked coding to agree on.
    if (http10) throw new H1ParseError('TE_HTTP10', 'Transfer-Encoding in an HTTP/1.0 request');
    // RFC 9112 §6.1 lets a server reject this or let TE win (§6.3 item 3);
    // rejecting is safer: hops that disagree on framing are how requests are smuggled.
    if (fields.contentLength !== null) throw new H1ParseError('CL_TE', 'both Content-Length and Transfer-Encoding');
    checkTransferEncoding(fields.transferEncoding);
    chunked = true;
  } else if (fields.contentLength !== null) {
    contentLength = parseContentLength(fields.contentLength);
  }

  // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host,
  // with more than one Host, or with an invalid Host value.
  if (fields.hostCount > 1) throw new H1ParseError('DUPLICATE_HOST', 'more than one Host field');
  if (fields.host === null) {
    if (!http10) throw new H1ParseError('MISSING_HOST', 'HTTP/1.1 request without Host');
  } else if (!HOST_VALUE.test(fields.host)) {
    throw new H1ParseError('INVALID_HOST', 'Host is not uri-host [ ":" port ]');
  }

  let close = false;
  let keepAliveOption = false;
  let upgradeOption = false;
  for (const option of listElements(fields.connection)) {
    if (option === 'close') close = true;
    else if (option === 'keep-alive') keepAliveOption = true;
    else if (option === 'upgrade') upgradeOption = true;
  }

  // RFC 9110 §10.1.1: 100-continue is the only expectation defined; a server MAY
  // answer others with 417, and MUST ignore 100-continue from an HTTP/1.0 client.
  let expectContinue = false;
  for (const expectation of listElements(fields.expect)) {
    if (expectation !== '100-continue') throw new H1ParseError('EXPECTATION_FAILED', 'unsupported expectation');
    expectContinue = !http10;
  }

  return {
    method: line.method,
    target: line.target,
    form: line.form,
    path: line.path,
    // RFC 9112 §3.3: the target URI's authority comes from an absolute- or
    // authority-form target, and only otherwise from Host (§3.2.2: Host is ignored then).
    authority: line.targetAuthority ?? fields.host,
    scheme: line.scheme,
    versionMinor: line.versionMinor,
    headers,
    contentLength,
    chunked,
    // RFC 9112 §9.3: persistent by default in 1.1; 1.0 only with keep-alive.
    keepAlive: !close && (!http10 || keepAliveOption),
    expectContinue,
    // RFC 9110 §7.8: Upgrade only counts when listed in Connection, and a server
    // MUST ignore it in an HTTP/1.0 request.
    upgrade: upgradeOption && !http10 && fields.upgrade !== null ? fields.upgrade.join(', ') : null,
  };
}

/**
 * Transfer-Encoding (RFC 9112 §6.1): codings form one list across repeated
 * fields. Only a single "chunked" is implemented.
 */
function checkTransferEncoding(values: string[]): void {
  const codings = listElements(values);
  const last = codings[codings.length - 1];
  // RFC 9112 §6.3 item 4: chunked not final → the length cannot be determined → MUST 400.
  if (last !== 'chunked') throw new H1ParseError('INVALID_TRANSFER_ENCODING', 'final transfer coding is not chunked');
  let chunkedCount = 0;
  for (const coding of codings) {
    if (coding === 'chunked') chunkedCount++;
    else if (!TOKEN.test(coding.replace(PARAMETERS, ''))) throw new H1ParseError('INVALID_TRANSFER_ENCODING', 'transfer coding is not a token');
  }
  // RFC 9112 §6.1: a sender MUST NOT apply chunked more than once.
  if (chunkedCount > 1) throw new H1ParseError('INVALID_TRANSFER_ENCODING', 'chunked applied more than once');
  // RFC 9112 §6.1: a transfer coding we do not implement SHOULD get 501.
  if (codings.length > 1) throw new H1ParseError('UNSUPPORTED_TRANSFER_CODING', 'only a single "chunked" transfer coding is supported');
}

/**
 * Content-Length = 1*DIGIT (RFC 9110 §8.6). A list or repeat of identical values
 * may be taken as one (§8.6); anything else is an unrecoverable framing error
 * (RFC 9112 §6.3 item 5: MUST answer 400).
 */
function parseContentLength(values: string[]): number {
  let first: string | null = null;
  for (const value of values) {
    for (const raw of value.split(',')) {
      const element = trimOWS(raw, 0, raw.length);
      if (!DIGITS.test(element)) throw new H1ParseError('INVALID_CONTENT_LENGTH', 'Content-Length is not 1*DIGIT');
      if (first === null) first = element;
      else if (element !== first) throw new H1ParseError('CONFLICTING_CONTENT_LENGTH', 'differing Content-Length values');
    }
  }
  const length = Number(first);
  if ((first as string).length > MAX_SAFE_DIGITS || length > Number.MAX_SAFE_INTEGER) {
    throw new H1ParseError('INVALID_CONTENT_LENGTH', 'Content-Length above 2^53 - 1');
  }
  return length;
}

/** Lowercased, OWS-trimmed, non-empty elements of a #list across repeated fields (RFC 9110 §5.6.1: empty elements are ignored). */
function listElements(values: string[] | null): string[] {
  const out: string[] = [];
  if (values === null) return out;
  for (const value of values) {
    for (let start = 0; start <= value.length; ) {
      let end = value.indexOf(',', start);
      if (end === -1) end = value.length;
      const element = trimOWS(value, start, end);
      if (element !== '') out.push(element.toLowerCase());
      start = end + 1;
    }
  }
  return out;
}

function trimOWS(text: string, start: number, end: number): string {
  while (start < end && isWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}
