/**
 * The request line (RFC 9112 §3): method SP request-target SP HTTP-version.
 * @module
 */

import { ABSOLUTE_FORM, AUTHORITY_FORM, TARGET_CHARS, TOKEN, URI_AUTHORITY } from './chars.js';
import { H1ParseError } from './errors.js';
import type { RequestHead } from './types.js';

export type RequestLine = Pick<RequestHead, 'method' | 'target' | 'form' | 'path' | 'scheme' | 'versionMinor'> & {
  /** Authority carried by the target itself (absolute- and authority-form), else null. */
  targetAuthority: string | null;
};

const DIGIT_0 = 0x30;

/**
 * Parse the complete request line text[start, end) (CRLF excluded, already
 * checked for bare CR and length). Throws H1ParseError.
 */
export function parseRequestLine(text: string, start: number, end: number): RequestLine {
  // Exactly one SP between the three parts (RFC 9112 §3): lenient splitting on
  // runs of whitespace is what lets a smuggled target hide a second request line.
  const sp1 = text.indexOf(' ', start);
  const sp2 = sp1 > start ? text.indexOf(' ', sp1 + 1) : -1;
  const sp3 = sp2 === -1 ? -1 : text.indexOf(' ', sp2 + 1);
  if (sp1 <= start || sp2 <= sp1 + 1 || sp2 >= end || (sp3 !== -1 && sp3 < end)) {
    throw new H1ParseError('INVALID_REQUEST_LINE', 'request line is not "method SP request-target SP HTTP-version"');
  }
  const versionMinor = parseVersion(text, sp2 + 1, end);
  const method = text.slice(start, sp1);
  if (!TOKEN.test(method)) throw new H1ParseError('INVALID_METHOD', 'method is not a token');
  const target = text.slice(sp1 + 1, sp2);
  if (!TARGET_CHARS.test(target)) throw new H1ParseError('INVALID_TARGET', 'request-target has a byte outside VCHAR, or a fragment');
  return classifyTarget(method, target, versionMinor);
}

/** HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3); the name is case-sensitive. */
function parseVersion(text: string, start: number, end: number): 0 | 1 {
  const major = text.charCodeAt(start + 5) - DIGIT_0;
  const minor = text.charCodeAt(start + 7) - DIGIT_0;
  if (
    end - start !== 8 ||
    !text.startsWith('HTTP/', start) ||
    text.charCodeAt(start + 6) !== 0x2e ||
    !(major >= 0 && major <= 9 && minor >= 0 && minor <= 9)
  ) {
    throw new H1ParseError('INVALID_VERSION', 'malformed HTTP-version');
  }
  // RFC 9110 §15.6.6: 505 for a major version we do not support; HTTP/1.2+ would
  // be "compatible" by §2.5, but a strict server only speaks what it knows.
  if (major !== 1 || minor > 1) throw new H1ParseError('VERSION_NOT_SUPPORTED', `HTTP/${major}.${minor} is not supported`);
  return minor as 0 | 1;
}

/** Which of the four request-target forms (RFC 9112 §3.2) this is, and whether the method allows it. */
function classifyTarget(method: string, target: string, versionMinor: 0 | 1): RequestLine {
  const line: RequestLine = { method, target, form: 'origin', path: target, scheme: null, versionMinor, targetAuthority: null };
  const isConnect = method === 'CONNECT';
  if (target.charCodeAt(0) === 0x2f /* / */) {
    if (isConnect) throw new H1ParseError('TARGET_FORM', 'CONNECT requires an authority-form target (RFC 9112 §3.2.3)');
    return line;
  }
  if (target === '*') {
    // RFC 9112 §3.2.4: asterisk-form is only used for a server-wide OPTIONS.
    if (method !== 'OPTIONS') throw new H1ParseError('TARGET_FORM', 'asterisk-form is only allowed with OPTIONS');
    line.form = 'asterisk';
    return line;
  }
  if (isConnect) {
    if (!AUTHORITY_FORM.test(target)) throw new H1ParseError('INVALID_TARGET', 'CONNECT target is not host:port');
    line.form = 'authority';
    line.path = '';
    line.targetAuthority = target;
    return line;
  }
  const match = ABSOLUTE_FORM.exec(target);
  if (match === null) {
    // Authority-form with any method other than CONNECT, or a scheme we do not serve.
    throw new H1ParseError(AUTHORITY_FORM.test(target) ? 'TARGET_FORM' : 'INVALID_TARGET', 'request-target is neither origin- nor absolute-form');
  }
  const [, scheme = '', authority = '', rest = ''] = match;
  if (!URI_AUTHORITY.test(authority)) throw new H1ParseError('INVALID_TARGET', 'absolute-form authority is empty or invalid');
  line.form = 'absolute';
  line.scheme = scheme.toLowerCase() as 'http' | 'https';
  line.targetAuthority = authority;
  line.path = rest === '' || rest.charCodeAt(0) === 0x3f /* ? */ ? `/${rest}` : rest;
  return line;
}
