import t, { type Test } from 'tap';
import { DEFAULT_H1_LIMITS, RequestParser, type H1Limits } from '../../lib/h1/request-parser.js';
import { bytes, run } from './fixtures/harness.js';

/** Feed `input` whole and one byte at a time; both must agree on the outcome. */
function outcome(t: Test, input: string, limits?: Partial<H1Limits>): string {
  const buffer = bytes(input);
  const whole = run([buffer], limits);
  const byByte = run([...buffer].map((b) => Buffer.from([b])), limits);
  t.equal(byByte.error?.code, whole.error?.code, 'byte-by-byte feeding agrees');
  if (whole.error !== null) return `${whole.error.status} ${whole.error.code}`;
  const last = whole.events[whole.events.length - 1];
  return last?.type === 'end' ? 'ok' : 'incomplete';
}

const REQUEST_LINE = 'GET / HTTP/1.1\r\n';
const HOST = 'Host: h\r\n';
const chunkedHead = `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n`;

t.test('defaults', async (t) => {
  t.same(DEFAULT_H1_LIMITS, {
    maxRequestTargetBytes: 8192,
    maxHeaderBytes: 16384,
    maxHeaderCount: 100,
    maxChunkExtensionBytes: 1024,
    maxTrailerBytes: 8192,
    maxEmptyLinesBeforeRequest: 4,
  });
  t.ok(Object.isFrozen(DEFAULT_H1_LIMITS), 'frozen');
});

t.test('maxRequestTargetBytes', async (t) => {
  const target = (n: number): string => `GET /${'a'.repeat(n - 1)} HTTP/1.1\r\n${HOST}\r\n`;
  t.equal(outcome(t, target(8192)), 'ok', 'default: 8192 bytes pass');
  t.equal(outcome(t, target(8193)), '414 SLUICE_ERR_H1_URI_TOO_LONG', 'default: 8193 bytes fail');
  t.equal(outcome(t, target(10), { maxRequestTargetBytes: 10 }), 'ok', 'custom: at the limit');
  t.equal(outcome(t, target(11), { maxRequestTargetBytes: 10 }), '414 SLUICE_ERR_H1_URI_TOO_LONG', 'custom: one over');
});

t.test('maxHeaderBytes counts the request line, field lines and the empty line', async (t) => {
  // 16 + 9 + (9 + pad) + 2 bytes
  const head = (pad: number): string => `${REQUEST_LINE}${HOST}X-Pad: ${'p'.repeat(pad)}\r\n\r\n`;
  t.equal(bytes(head(16348)).length, 16384);
  t.equal(outcome(t, head(16348)), 'ok', 'default: exactly 16384 bytes pass');
  t.equal(outcome(t, head(16349)), '431 SLUICE_ERR_H1_HEADER_TOO_LARGE', 'default: 16385 bytes fail');
  t.equal(outcome(t, head(0), { maxHeaderBytes: 36 }), 'ok', 'custom: at the limit');
  t.equal(outcome(t, head(1), { maxHeaderBytes: 36 }), '431 SLUICE_ERR_H1_HEADER_TOO_LARGE', 'custom: one over');
  t.equal(outcome(t, `${REQUEST_LINE}${HOST}`, { maxHeaderBytes: 25 }), 'incomplete', 'no error while the budget is not exceeded');
  t.equal(outcome(t, `${REQUEST_LINE}${HOST}\r`, { maxHeaderBytes: 25 }), '431 SLUICE_ERR_H1_HEADER_TOO_LARGE', 'the final CRLF counts');
});

t.test('maxHeaderCount', async (t) => {
  const head = (n: number): string => `${REQUEST_LINE}${HOST}${'X-A: 1\r\n'.repeat(n - 1)}\r\n`;
  t.equal(outcome(t, head(100)), 'ok', 'default: 100 fields pass');
  t.equal(outcome(t, head(101)), '431 SLUICE_ERR_H1_TOO_MANY_HEADERS', 'default: 101 fields fail');
  t.equal(outcome(t, head(3), { maxHeaderCount: 3 }), 'ok', 'custom: at the limit');
  t.equal(outcome(t, head(4), { maxHeaderCount: 3 }), '431 SLUICE_ERR_H1_TOO_MANY_HEADERS', 'custom: one over');
});

t.test('maxChunkExtensionBytes counts everything after the hex digits', async (t) => {
  const body = (extLength: number): string => `${chunkedHead}5;a=${'x'.repeat(extLength - 3)}\r\nhello\r\n0\r\n\r\n`;
  t.equal(outcome(t, body(1024)), 'ok', 'default: 1024 bytes pass');
  t.equal(outcome(t, body(1025)), '400 SLUICE_ERR_H1_CHUNK_EXTENSION_TOO_LARGE', 'default: 1025 bytes fail');
  t.equal(outcome(t, body(8), { maxChunkExtensionBytes: 8 }), 'ok', 'custom: at the limit');
  t.equal(outcome(t, body(9), { maxChunkExtensionBytes: 8 }), '400 SLUICE_ERR_H1_CHUNK_EXTENSION_TOO_LARGE', 'custom: one over');
  t.equal(outcome(t, `${chunkedHead}5;a=b\r\nhello\r\n0\r\n\r\n`, { maxChunkExtensionBytes: 0 }), '400 SLUICE_ERR_H1_CHUNK_EXTENSION_TOO_LARGE', 'zero forbids extensions');
});

t.test('maxTrailerBytes counts trailer lines and the empty line', async (t) => {
  // (7 + pad) + 2 bytes
  const body = (pad: number): string => `${chunkedHead}0\r\nX-T: ${'t'.repeat(pad)}\r\n\r\n`;
  t.equal(outcome(t, body(8183)), 'ok', 'default: 8192 bytes pass');
  t.equal(outcome(t, body(8184)), '431 SLUICE_ERR_H1_TRAILER_TOO_LARGE', 'default: 8193 bytes fail');
  t.equal(outcome(t, body(1), { maxTrailerBytes: 10 }), 'ok', 'custom: at the limit');
  t.equal(outcome(t, body(2), { maxTrailerBytes: 10 }), '431 SLUICE_ERR_H1_TRAILER_TOO_LARGE', 'custom: one over');
});

t.test('maxEmptyLinesBeforeRequest', async (t) => {
  const head = (n: number): string => `${'\r\n'.repeat(n)}${REQUEST_LINE}${HOST}\r\n`;
  t.equal(outcome(t, head(4)), 'ok', 'default: 4 pass');
  t.equal(outcome(t, head(5)), '400 SLUICE_ERR_H1_TOO_MANY_EMPTY_LINES', 'default: 5 fail');
  t.equal(outcome(t, head(0), { maxEmptyLinesBeforeRequest: 0 }), 'ok', 'custom 0: none pass');
  t.equal(outcome(t, head(1), { maxEmptyLinesBeforeRequest: 0 }), '400 SLUICE_ERR_H1_TOO_MANY_EMPTY_LINES', 'custom 0: one fails');
  t.equal(outcome(t, `${head(4)}${head(4)}`), 'ok', 'counted per request');
});

t.test('invalid limits are refused', async (t) => {
  t.throws(() => new RequestParser({ maxHeaderBytes: -1 }), RangeError);
  t.throws(() => new RequestParser({ maxHeaderCount: 1.5 }), RangeError);
  t.throws(() => new RequestParser({ maxTrailerBytes: Number.NaN }), RangeError);
  t.doesNotThrow(() => new RequestParser({ maxHeaderCount: undefined }));
});
