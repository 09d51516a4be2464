/**
 * Character classes of the HTTP/1.1 grammar. Validation runs as one native
 * regular-expression pass over a latin1 string instead of a JS loop per byte.
 * @module
 */

export const SP = 0x20;
export const HTAB = 0x09;
export const CR = 0x0d;
export const LF = 0x0a;

/** token = 1*tchar (RFC 9110 §5.6.2). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * A field value: VCHAR, obs-text, SP and HTAB; no other CTL, no DEL (RFC 9110
 * §5.5). Anchored with a quantifier: V8 runs that as one tight loop, several
 * times faster than searching for a forbidden byte.
 */
export const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The same bytes plus CR and LF: a whole-head pre-filter (CR and LF are judged per line). */
export const HEAD_BYTES = /^[\t\n\r\x20-\x7e\x80-\xff]*$/;

/**
 * request-target bytes: VCHAR except "#". URIs are ASCII (RFC 3986 §2), and no
 * request-target form carries a fragment (RFC 9112 §3.2).
 */
export const TARGET_CHARS = /^[\x21\x22\x24-\x7e]+$/;

const REG_NAME = "(?:[A-Za-z0-9\\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})";
const IP_LITERAL = "\\[(?:[0-9A-Fa-f:.]+|[vV][0-9A-Fa-f]+\\.[A-Za-z0-9\\-._~!$&'()*+,;=:]+)\\]";

/** Host field value: uri-host [ ":" port ] (RFC 9110 §7.2); may be empty (RFC 9112 §3.2). No userinfo, path or whitespace. */
export const HOST_VALUE = new RegExp(`^(?:${IP_LITERAL}|${REG_NAME}*)(?::[0-9]*)?$`);

/** Authority of an http(s) URI: non-empty host (RFC 9110 §4.2.1 MUST reject an empty one), optional port, no userinfo (§4.2.4). */
export const URI_AUTHORITY = new RegExp(`^(?:${IP_LITERAL}|${REG_NAME}+)(?::[0-9]*)?$`);

/** authority-form = uri-host ":" port (RFC 9112 §3.2.3); a tunnel needs a real port, so port is 1*DIGIT here. */
export const AUTHORITY_FORM = new RegExp(`^(?:${IP_LITERAL}|${REG_NAME}+):[0-9]+$`);

/** Absolute-form target with the two schemes a server answers for (RFC 9110 §4.2). Scheme is case-insensitive (RFC 3986 §3.1). */
export const ABSOLUTE_FORM = /^(https?):\/\/([^/?]*)(.*)$/i;

const QUOTED_STRING = '"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t \\x21-\\x7e\\x80-\\xff])*"';
const TCHARS = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";

/** chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) (RFC 9112 §7.1.1). */
export const CHUNK_EXT = new RegExp(`^(?:[ \\t]*;[ \\t]*${TCHARS}(?:[ \\t]*=[ \\t]*(?:${TCHARS}|${QUOTED_STRING}))?)*$`);

/** True for SP and HTAB (OWS / BWS, RFC 9110 §5.6.3). */
export function isWhitespace(byte: number | undefined): boolean {
  return byte === SP || byte === HTAB;
}

