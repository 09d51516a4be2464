/**
 * One field line of a header or trailer section (RFC 9112 §5).
 * @module
 */

import { FIELD_VALUE, TOKEN, isWhitespace } from './chars.js';
import { H1ParseError } from './errors.js';

/**
 * Parse `field-name ":" OWS field-value OWS` from text[start, end) (CRLF
 * excluded, already checked for bare CR). Returns [lowercased name, value with
 * OWS trimmed]; throws H1ParseError. `valuesChecked`: the caller already
 * found only field-value bytes in the whole text.
 */
export function parseFieldLine(text: string, start: number, end: number, valuesChecked = false): [string, string] {
  // RFC 9112 §5.2: obs-fold MUST be rejected (or replaced) by a server; a line
  // starting with whitespace right after the request line is §2.2's MUST too.
  if (isWhitespace(text.charCodeAt(start))) throw new H1ParseError('OBS_FOLD', 'field line starts with whitespace (obs-fold)');
  const colon = text.indexOf(':', start);
  if (colon === -1 || colon >= end) throw new H1ParseError('INVALID_HEADER_NAME', 'field line without a colon');
  if (colon === start) throw new H1ParseError('INVALID_HEADER_NAME', 'empty field name');
  const name = text.slice(start, colon);
  if (!TOKEN.test(name)) {
    // RFC 9112 §5.1: whitespace between name and colon MUST be answered with 400,
    // since proxies disagree on what such a name is (a request smuggling vector).
    if (isWhitespace(text.charCodeAt(colon - 1))) throw new H1ParseError('SPACE_BEFORE_COLON', 'whitespace between field name and colon');
    throw new H1ParseError('INVALID_HEADER_NAME', 'field name is not a token');
  }
  let valueStart = colon + 1;
  let valueEnd = end;
  while (valueStart < valueEnd && isWhitespace(text.charCodeAt(valueStart))) valueStart++;
  while (valueEnd > valueStart && isWhitespace(text.charCodeAt(valueEnd - 1))) valueEnd--;
  const value = text.slice(valueStart, valueEnd);
  if (!valuesChecked && !FIELD_VALUE.test(value)) throw new H1ParseError('INVALID_HEADER_VALUE', `control character in the value of ${name}`);
  return [name.toLowerCase(), value];
}
