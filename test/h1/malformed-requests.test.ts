import t from 'tap';
import type { H1Limits } from '../../lib/h1/request-parser.js';
import { bytes, run, splits } from './fixtures/harness.js';

interface Case {
  name: string;
  input: string;
  code: string;
  status: number;
  limits?: Partial<H1Limits>;
}

const H = 'Host: h\r\n';
const get = (headers: string): string => `GET / HTTP/1.1\r\n${headers}\r\n`;
const post = (headers: string, body = ''): string => `POST / HTTP/1.1\r\n${H}${headers}\r\n${body}`;
const chunked = (body: string): string => post('Transfer-Encoding: chunked\r\n', body);

const cases: Case[] = [
  // framing (RFC 9112 §6)
  { name: 'Content-Length with Transfer-Encoding', input: post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'), code: 'SLUICE_ERR_H1_CL_TE', status: 400 },
  { name: 'Transfer-Encoding before Content-Length', input: post('Transfer-Encoding: chunked\r\nContent-Length: 0\r\n'), code: 'SLUICE_ERR_H1_CL_TE', status: 400 },
  { name: 'differing Content-Length fields', input: post('Content-Length: 5\r\nContent-Length: 6\r\n'), code: 'SLUICE_ERR_H1_CONFLICTING_CONTENT_LENGTH', status: 400 },
  { name: 'differing Content-Length list', input: post('Content-Length: 5, 05\r\n'), code: 'SLUICE_ERR_H1_CONFLICTING_CONTENT_LENGTH', status: 400 },
  { name: 'Content-Length with a plus sign', input: post('Content-Length: +5\r\n'), code: 'SLUICE_ERR_H1_INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'Content-Length negative', input: post('Content-Length: -1\r\n'), code: 'SLUICE_ERR_H1_INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'Content-Length with inner space', input: post('Content-Length: 1 0\r\n'), code: 'SLUICE_ERR_H1_INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'Content-Length in hex', input: post('Content-Length: 0x10\r\n'), code: 'SLUICE_ERR_H1_INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'Content-Length empty', input: post('Content-Length:\r\n'), code: 'SLUICE_ERR_H1_INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'Content-Length empty list element', input: post('Content-Length: 5,,5\r\n'), code: 'SLUICE_ERR_H1_INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'Content-Length above 2^53 - 1', input: post('Content-Length: 9007199254740992\r\n'), code: 'SLUICE_ERR_H1_INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'Content-Length with 30 digits', input: post('Content-Length: 000000000000000000000000000001\r\n'), code: 'SLUICE_ERR_H1_INVALID_CONTENT_LENGTH', status: 400 },
  { name: 'Transfer-Encoding gzip, chunked', input: post('Transfer-Encoding: gzip, chunked\r\n'), code: 'SLUICE_ERR_H1_UNSUPPORTED_TRANSFER_CODING', status: 501 },
  { name: 'Transfer-Encoding gzip then chunked across fields', input: post('Transfer-Encoding: gzip;q=1\r\nTransfer-Encoding: chunked\r\n'), code: 'SLUICE_ERR_H1_UNSUPPORTED_TRANSFER_CODING', status: 501 },
  { name: 'Transfer-Encoding chunked, gzip', input: post('Transfer-Encoding: chunked, gzip\r\n'), code: 'SLUICE_ERR_H1_INVALID_TRANSFER_ENCODING', status: 400 },
  { name: 'Transfer-Encoding gzip alone', input: post('Transfer-Encoding: gzip\r\n'), code: 'SLUICE_ERR_H1_INVALID_TRANSFER_ENCODING', status: 400 },
  { name: 'Transfer-Encoding chunked, chunked', input: post('Transfer-Encoding: chunked, chunked\r\n'), code: 'SLUICE_ERR_H1_INVALID_TRANSFER_ENCODING', status: 400 },
  { name: 'Transfer-Encoding empty', input: post('Transfer-Encoding:\r\n'), code: 'SLUICE_ERR_H1_INVALID_TRANSFER_ENCODING', status: 400 },
  { name: 'Transfer-Encoding on HTTP/1.0', input: 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', code: 'SLUICE_ERR_H1_TE_HTTP10', status: 400 },
  // field lines (RFC 9112 §5)
  { name: 'obs-fold', input: get(`${H}X-A: 1\r\n  continued\r\n`), code: 'SLUICE_ERR_H1_OBS_FOLD', status: 400 },
  { name: 'whitespace before the first field line', input: `GET / HTTP/1.1\r\n ${H}\r\n`, code: 'SLUICE_ERR_H1_OBS_FOLD', status: 400 },
  { name: 'space before colon', input: get(`Host : h\r\n`), code: 'SLUICE_ERR_H1_SPACE_BEFORE_COLON', status: 400 },
  { name: 'tab before colon', input: get(`${H}Content-Length\t: 0\r\n`), code: 'SLUICE_ERR_H1_SPACE_BEFORE_COLON', status: 400 },
  { name: 'NUL in a value', input: get(`${H}X-A: a\x00b\r\n`), code: 'SLUICE_ERR_H1_INVALID_HEADER_VALUE', status: 400 },
  { name: 'DEL in a value', input: get(`${H}X-A: a\x7fb\r\n`), code: 'SLUICE_ERR_H1_INVALID_HEADER_VALUE', status: 400 },
  { name: 'other CTL in a value', input: get(`${H}X-A: a\x1bb\r\n`), code: 'SLUICE_ERR_H1_INVALID_HEADER_VALUE', status: 400 },
  { name: 'bare CR in a value', input: get(`${H}X-A: a\rb\r\n`), code: 'SLUICE_ERR_H1_BARE_CR', status: 400 },
  { name: 'bare CR smuggling a field', input: get(`X-A: a\rContent-Length: 5\r\n${H}`), code: 'SLUICE_ERR_H1_BARE_CR', status: 400 },
  { name: 'bare CR in the request line', input: `GET /\r HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_BARE_CR', status: 400 },
  { name: 'bare CR as the empty line', input: `GET / HTTP/1.1\r\n${H}\rX`, code: 'SLUICE_ERR_H1_BARE_CR', status: 400 },
  { name: 'lone LF ending a field line', input: `GET / HTTP/1.1\r\nHost: h\nX-A: 1\r\n\r\n`, code: 'SLUICE_ERR_H1_LONE_LF', status: 400 },
  { name: 'lone LF ending the request line', input: `GET / HTTP/1.1\n${H}\r\n`, code: 'SLUICE_ERR_H1_LONE_LF', status: 400 },
  { name: 'lone LF as the empty line', input: `GET / HTTP/1.1\r\n${H}\n`, code: 'SLUICE_ERR_H1_LONE_LF', status: 400 },
  { name: 'lone LF before the request line', input: `\nGET / HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_LONE_LF', status: 400 },
  { name: 'invalid character in a field name', input: get(`${H}X(A): 1\r\n`), code: 'SLUICE_ERR_H1_INVALID_HEADER_NAME', status: 400 },
  { name: 'non-ASCII field name', input: get(`${H}X-\xe9: 1\r\n`), code: 'SLUICE_ERR_H1_INVALID_HEADER_NAME', status: 400 },
  { name: 'empty field name', input: get(`${H}: 1\r\n`), code: 'SLUICE_ERR_H1_INVALID_HEADER_NAME', status: 400 },
  { name: 'field line without a colon', input: get(`${H}X-A 1\r\n`), code: 'SLUICE_ERR_H1_INVALID_HEADER_NAME', status: 400 },
  // Host (RFC 9112 §3.2)
  { name: 'HTTP/1.1 without Host', input: get(''), code: 'SLUICE_ERR_H1_MISSING_HOST', status: 400 },
  { name: 'absolute-form still needs Host on 1.1', input: 'GET http://a/ HTTP/1.1\r\n\r\n', code: 'SLUICE_ERR_H1_MISSING_HOST', status: 400 },
  { name: 'two Host fields', input: get(`${H}Host: h\r\n`), code: 'SLUICE_ERR_H1_DUPLICATE_HOST', status: 400 },
  { name: 'Host with userinfo', input: get('Host: user@h\r\n'), code: 'SLUICE_ERR_H1_INVALID_HOST', status: 400 },
  { name: 'Host with a path', input: get('Host: h/x\r\n'), code: 'SLUICE_ERR_H1_INVALID_HOST', status: 400 },
  { name: 'Host with whitespace', input: get('Host: a b\r\n'), code: 'SLUICE_ERR_H1_INVALID_HOST', status: 400 },
  { name: 'Host with a non-numeric port', input: get('Host: h:8o\r\n'), code: 'SLUICE_ERR_H1_INVALID_HOST', status: 400 },
  // chunked (RFC 9112 §7.1)
  { name: 'chunk size not hex', input: chunked('g\r\n'), code: 'SLUICE_ERR_H1_INVALID_CHUNK_SIZE', status: 400 },
  { name: 'chunk size with 0x', input: chunked('0x5\r\nhello\r\n0\r\n\r\n'), code: 'SLUICE_ERR_H1_INVALID_CHUNK_SIZE', status: 400 },
  { name: 'chunk size with a sign', input: chunked('+5\r\nhello\r\n0\r\n\r\n'), code: 'SLUICE_ERR_H1_INVALID_CHUNK_SIZE', status: 400 },
  { name: 'chunk size with leading whitespace', input: chunked(' 5\r\nhello\r\n0\r\n\r\n'), code: 'SLUICE_ERR_H1_INVALID_CHUNK_SIZE', status: 400 },
  { name: 'chunk size with trailing whitespace only', input: chunked('5 \r\nhello\r\n0\r\n\r\n'), code: 'SLUICE_ERR_H1_INVALID_CHUNK_SIZE', status: 400 },
  { name: 'empty chunk size', input: chunked('\r\n'), code: 'SLUICE_ERR_H1_INVALID_CHUNK_SIZE', status: 400 },
  { name: 'chunk size of 17 hex digits', input: chunked('00000000000000001\r\n'), code: 'SLUICE_ERR_H1_INVALID_CHUNK_SIZE', status: 400 },
  { name: 'chunk size above 2^53 - 1', input: chunked('20000000000000\r\n'), code: 'SLUICE_ERR_H1_INVALID_CHUNK_SIZE', status: 400 },
  { name: 'chunk extension without a name', input: chunked('5;\r\nhello\r\n0\r\n\r\n'), code: 'SLUICE_ERR_H1_INVALID_CHUNK_EXTENSION', status: 400 },
  { name: 'chunk extension with an unterminated quote', input: chunked('5;a="b\r\nhello\r\n0\r\n\r\n'), code: 'SLUICE_ERR_H1_INVALID_CHUNK_EXTENSION', status: 400 },
  { name: 'chunk extension with a bad value', input: chunked('5;a=b c\r\nhello\r\n0\r\n\r\n'), code: 'SLUICE_ERR_H1_INVALID_CHUNK_EXTENSION', status: 400 },
  { name: 'chunk extension with a CTL', input: chunked('5;a=\x01\r\nhello\r\n0\r\n\r\n'), code: 'SLUICE_ERR_H1_INVALID_CHUNK_EXTENSION', status: 400 },
  { name: 'chunk data longer than its size', input: chunked('5\r\nhello!\r\n0\r\n\r\n'), code: 'SLUICE_ERR_H1_MISSING_CHUNK_CRLF', status: 400 },
  { name: 'chunk data followed by a lone LF', input: chunked('5\r\nhello\n0\r\n\r\n'), code: 'SLUICE_ERR_H1_MISSING_CHUNK_CRLF', status: 400 },
  { name: 'chunk data followed by CR only', input: chunked('5\r\nhello\rX'), code: 'SLUICE_ERR_H1_MISSING_CHUNK_CRLF', status: 400 },
  { name: 'lone LF after chunk size', input: chunked('5\nhello\r\n0\r\n\r\n'), code: 'SLUICE_ERR_H1_LONE_LF', status: 400 },
  { name: 'bare CR in a chunk extension', input: chunked('5;a\rb\r\nhello\r\n0\r\n\r\n'), code: 'SLUICE_ERR_H1_BARE_CR', status: 400 },
  { name: 'obs-fold in trailers', input: chunked('0\r\nX-T: 1\r\n 2\r\n\r\n'), code: 'SLUICE_ERR_H1_OBS_FOLD', status: 400 },
  { name: 'lone LF in trailers', input: chunked('0\r\nX-T: 1\n\r\n'), code: 'SLUICE_ERR_H1_LONE_LF', status: 400 },
  // request line (RFC 9112 §3)
  { name: 'target longer than maxRequestTargetBytes, no line end yet', input: `GET /${'a'.repeat(8192)}`, code: 'SLUICE_ERR_H1_URI_TOO_LONG', status: 414 },
  { name: 'target longer than maxRequestTargetBytes', input: `GET /${'a'.repeat(8192)} HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_URI_TOO_LONG', status: 414 },
  { name: 'HTTP/1.2', input: `GET / HTTP/1.2\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_VERSION_NOT_SUPPORTED', status: 505 },
  { name: 'HTTP/2.0 (the h2 preface over h1)', input: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', code: 'SLUICE_ERR_H1_VERSION_NOT_SUPPORTED', status: 505 },
  { name: 'HTTP/0.9 style request line', input: 'GET /\r\n\r\n', code: 'SLUICE_ERR_H1_INVALID_REQUEST_LINE', status: 400 },
  { name: 'lowercase http version', input: `GET / http/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_VERSION', status: 400 },
  { name: 'version with two digits', input: `GET / HTTP/1.10\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_VERSION', status: 400 },
  { name: 'two spaces after the method', input: `GET  / HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_REQUEST_LINE', status: 400 },
  { name: 'space inside the target', input: `GET /a b HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_REQUEST_LINE', status: 400 },
  { name: 'trailing space after the version', input: `GET / HTTP/1.1 \r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_REQUEST_LINE', status: 400 },
  { name: 'leading space', input: ` GET / HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_REQUEST_LINE', status: 400 },
  { name: 'tab as separator', input: `GET\t/ HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_REQUEST_LINE', status: 400 },
  { name: 'NUL in the method', input: `G\x00T / HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_METHOD', status: 400 },
  { name: 'method not a token', input: `GE(T / HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_METHOD', status: 400 },
  { name: 'CTL in the target', input: `GET /\x01 HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_TARGET', status: 400 },
  { name: 'non-ASCII in the target', input: `GET /\xe9 HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_TARGET', status: 400 },
  { name: 'fragment in the target', input: `GET /a#b HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_TARGET', status: 400 },
  { name: 'asterisk-form with GET', input: `GET * HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_TARGET_FORM', status: 400 },
  { name: 'authority-form with GET', input: `GET h:443 HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_TARGET_FORM', status: 400 },
  { name: 'CONNECT with origin-form', input: `CONNECT / HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_TARGET_FORM', status: 400 },
  { name: 'CONNECT without a port', input: `CONNECT h HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_TARGET', status: 400 },
  { name: 'absolute-form with another scheme', input: `GET ftp://h/ HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_TARGET', status: 400 },
  { name: 'absolute-form with an empty host', input: `GET http:///x HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_TARGET', status: 400 },
  { name: 'absolute-form with userinfo', input: `GET http://u@h/ HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_INVALID_TARGET', status: 400 },
  // Expect (RFC 9110 §10.1.1)
  { name: 'Expect other than 100-continue', input: get(`${H}Expect: 101-switch\r\n`), code: 'SLUICE_ERR_H1_EXPECTATION_FAILED', status: 417 },
  { name: 'Expect 100-continue with another expectation', input: get(`${H}Expect: 100-continue, x\r\n`), code: 'SLUICE_ERR_H1_EXPECTATION_FAILED', status: 417 },
  // limits
  { name: 'oversized header block', input: get(`${H}X-Big: ${'b'.repeat(16384)}\r\n`), code: 'SLUICE_ERR_H1_HEADER_TOO_LARGE', status: 431 },
  { name: 'too many header fields', input: get(H + 'X-A: 1\r\n'.repeat(100)), code: 'SLUICE_ERR_H1_TOO_MANY_HEADERS', status: 431 },
  { name: 'too many empty lines before the request', input: `${'\r\n'.repeat(5)}GET / HTTP/1.1\r\n${H}\r\n`, code: 'SLUICE_ERR_H1_TOO_MANY_EMPTY_LINES', status: 400 },
  { name: 'chunk extension too large', input: chunked(`5;a=${'x'.repeat(40)}\r\nhello\r\n0\r\n\r\n`), code: 'SLUICE_ERR_H1_CHUNK_EXTENSION_TOO_LARGE', status: 400, limits: { maxChunkExtensionBytes: 32 } },
  { name: 'trailers too large', input: chunked(`0\r\nX-T: ${'t'.repeat(40)}\r\n\r\n`), code: 'SLUICE_ERR_H1_TRAILER_TOO_LARGE', status: 431, limits: { maxTrailerBytes: 32 } },
  // precedence: a limit that the bytes cross first wins over errors seen only at the line end
  { name: 'long target with no version and a lone LF', input: `GET /${'a'.repeat(64)}\n`, code: 'SLUICE_ERR_H1_URI_TOO_LONG', status: 414, limits: { maxRequestTargetBytes: 16 } },
  { name: 'bare CR before a long target', input: `GET /a\rb${'a'.repeat(40)} HTTP/1.1\r\n`, code: 'SLUICE_ERR_H1_BARE_CR', status: 400, limits: { maxRequestTargetBytes: 16 } },
  { name: 'long target before a bare CR', input: `GET /${'a'.repeat(40)}\rb HTTP/1.1\r\n`, code: 'SLUICE_ERR_H1_URI_TOO_LONG', status: 414, limits: { maxRequestTargetBytes: 16 } },
  { name: 'CR CR LF ending a field line', input: get(`${H}X-A: 1\r\r\n`), code: 'SLUICE_ERR_H1_BARE_CR', status: 400 },
  { name: 'header budget crossed before a bare CR', input: get(`${H}X-A: ${'v'.repeat(40)}\rb\r\n`), code: 'SLUICE_ERR_H1_HEADER_TOO_LARGE', status: 431, limits: { maxHeaderBytes: 48 } },
  { name: 'bare CR before the header budget is crossed', input: get(`${H}X-A: v\rb${'v'.repeat(40)}\r\n`), code: 'SLUICE_ERR_H1_BARE_CR', status: 400, limits: { maxHeaderBytes: 48 } },
  { name: 'chunk extension too large before a bare CR', input: chunked(`5;a=${'x'.repeat(40)}\rb\r\n`), code: 'SLUICE_ERR_H1_CHUNK_EXTENSION_TOO_LARGE', status: 400, limits: { maxChunkExtensionBytes: 32 } },
  { name: 'bare CR in trailers', input: chunked('0\r\nX-T: 1\r2\r\n\r\n'), code: 'SLUICE_ERR_H1_BARE_CR', status: 400 },
  { name: 'trailer budget crossed before a bare CR', input: chunked(`0\r\nX-T: ${'t'.repeat(40)}\r2\r\n\r\n`), code: 'SLUICE_ERR_H1_TRAILER_TOO_LARGE', status: 431, limits: { maxTrailerBytes: 32 } },
  { name: 'long method exhausts the head before the target', input: `${'G'.repeat(40)} /${'a'.repeat(40)} HTTP/1.1\r\n`, code: 'SLUICE_ERR_H1_HEADER_TOO_LARGE', status: 431, limits: { maxRequestTargetBytes: 16, maxHeaderBytes: 50 } },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const input = bytes(c.input);
    const whole = run([input], c.limits);
    t.ok(whole.error, 'rejected');
    t.equal(whole.error?.code, c.code, 'code');
    t.equal(whole.error?.status, c.status, 'status');
    let mismatch: string | null = null;
    for (const { label, pieces } of splits(input)) {
      const r = run(pieces, c.limits);
      if (r.error?.code !== c.code) {
        mismatch = `${label}: ${r.error?.code ?? 'accepted'}`;
        break;
      }
    }
    t.equal(mismatch, null, 'same error however the input is split');
  });
}

t.test('a long target is answered before its line ends', async (t) => {
  const input = bytes(`GET /${'a'.repeat(8191)}`);
  t.equal(run([input]).error, null, '8192-byte target so far: still waiting');
  const r = run([input, bytes('a')]);
  t.equal(r.error?.status, 414);
  t.equal(r.error?.code, 'SLUICE_ERR_H1_URI_TOO_LONG');
});
