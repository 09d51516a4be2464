/**
 * The HTTP/1.1 smuggling, malformed-input and limit matrix over real sockets
 * (issue 3): every case asserts the exact status line the server sends, that
 * nothing follows it, that the server closes the connection, and whether the
 * handler ran. Each case is sent in one write and again split in two writes.
 */
import t, { type Test } from 'tap';
import type { Transaction } from '../../lib/index.js';
import { DEFAULT_H1_LIMITS } from '../../lib/h1/limits.js';
import { exchange, field } from '../support/raw-socket.js';
import { start } from '../support/server.js';

const S400 = 'HTTP/1.1 400 Bad Request';
const S414 = 'HTTP/1.1 414 URI Too Long';
const S417 = 'HTTP/1.1 417 Expectation Failed';
const S431 = 'HTTP/1.1 431 Request Header Fields Too Large';
const S501 = 'HTTP/1.1 501 Not Implemented';
const S505 = 'HTTP/1.1 505 HTTP Version Not Supported';

const LINE = 'GET / HTTP/1.1\r\n';
const HOST = 'Host: h\r\n';
const POST_CHUNKED = `POST /up HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n`;

interface Case {
  name: string;
  send: string;
  /** Exact status line expected; null: the server closes without answering (not HTTP/1 at all, see lib/server/server.ts). */
  status: string | null;
  /** 'head': rejected before the handler; 'body': the head was valid, so the handler ran and its body read failed. */
  where: 'head' | 'body';
}

const head = (name: string, send: string, status: string | null = S400): Case => ({ name, send, status, where: 'head' });
const body = (name: string, chunks: string, status = S400): Case => ({ name, send: POST_CHUNKED + chunks, status, where: 'body' });

const CASES: Case[] = [
  // Framing conflicts: the classic request smuggling vectors (RFC 9112 §6.1, §6.3).
  head('CL + TE', `POST / HTTP/1.1\r\n${HOST}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`),
  head('TE + CL', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n`),
  head('differing duplicate Content-Length', `POST / HTTP/1.1\r\n${HOST}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`),
  head('differing Content-Length list', `POST / HTTP/1.1\r\n${HOST}Content-Length: 5, 6\r\n\r\nhello!`),
  head('Content-Length with a sign', `POST / HTTP/1.1\r\n${HOST}Content-Length: +5\r\n\r\nhello`),
  head('negative Content-Length', `POST / HTTP/1.1\r\n${HOST}Content-Length: -1\r\n\r\n`),
  head('hex Content-Length', `POST / HTTP/1.1\r\n${HOST}Content-Length: 0x5\r\n\r\nhello`),
  head('Content-Length with inner space', `POST / HTTP/1.1\r\n${HOST}Content-Length: 1 2\r\n\r\n`),
  head('Content-Length above 2^53', `POST / HTTP/1.1\r\n${HOST}Content-Length: 99999999999999999999\r\n\r\n`),
  head('empty Content-Length', `POST / HTTP/1.1\r\n${HOST}Content-Length:\r\n\r\n`),
  head('Transfer-Encoding not ending in chunked', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked, identity\r\n\r\n`),
  head('obfuscated Transfer-Encoding (xchunked)', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: xchunked\r\n\r\n`),
  head('Transfer-Encoding chunked twice', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`),
  head('Transfer-Encoding on HTTP/1.0', `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`),
  head('unsupported Transfer-Encoding (gzip, chunked)', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, S501),
  head('unsupported Transfer-Encoding in two fields', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, S501),
  // Far beyond the limits: the answer comes once the limit is crossed, not when the peer stops sending.
  head('a 20 KiB target (longer than the first line the sniffer waits for)', `GET /${'a'.repeat(20 << 10)} HTTP/1.1\r\n${HOST}\r\n`, S414),
  head('a 1 MiB header line', `${LINE}${HOST}X-Big: ${'b'.repeat(1 << 20)}\r\n\r\n`, S431),
  head('10,000 header fields', `${LINE}${HOST}${'X-A: 1\r\n'.repeat(10_000)}\r\n`, S431),
  // Field syntax (RFC 9112 §5).
  head('obs-fold', `${LINE}${HOST}X-A: 1\r\n  2\r\n\r\n`),
  head('obs-fold with HTAB', `${LINE}${HOST}X-A: 1\r\n\t2\r\n\r\n`),
  head('whitespace right after the request line', `${LINE} ${HOST}\r\n`),
  head('space before colon', `${LINE}Host : h\r\n\r\n`),
  head('HTAB before colon', `${LINE}${HOST}Transfer-Encoding\t: chunked\r\n\r\n`),
  head('space inside a field name', `${LINE}${HOST}X A: 1\r\n\r\n`),
  head('"@" in a field name', `${LINE}${HOST}X@A: 1\r\n\r\n`),
  head('NUL in a field name', `${LINE}${HOST}X\x00A: 1\r\n\r\n`),
  head('non-ASCII in a field name', `${LINE}${HOST}X\xe9: 1\r\n\r\n`),
  head('empty field name', `${LINE}${HOST}: 1\r\n\r\n`),
  head('field line without a colon', `${LINE}${HOST}X-A 1\r\n\r\n`),
  head('NUL in a field value', `${LINE}${HOST}X-A: a\x00b\r\n\r\n`),
  head('DEL in a field value', `${LINE}${HOST}X-A: a\x7fb\r\n\r\n`),
  head('ESC in a field value', `${LINE}${HOST}X-A: \x1b[31m\r\n\r\n`),
  head('bare CR in a field value', `${LINE}${HOST}X-A: a\rb\r\n\r\n`),
  head('bare CR in the request line', `GET /\r HTTP/1.1\r\n${HOST}\r\n`),
  head('bare CR at the end of the head', `${LINE}${HOST}\r\r\n`),
  head('lone LF line endings', `GET / HTTP/1.1\n${HOST}\n`),
  head('lone LF ending a field line', `${LINE}Host: h\nX-A: 1\r\n\r\n`),
  // Host (RFC 9112 §3.2).
  head('missing Host on HTTP/1.1', `${LINE}X-A: 1\r\n\r\n`),
  head('two Host fields', `${LINE}${HOST}Host: i\r\n\r\n`),
  head('Host with a space', `${LINE}Host: a b\r\n\r\n`),
  head('Host with userinfo', `${LINE}Host: u@h\r\n\r\n`),
  head('Host with a path', `${LINE}Host: h/x\r\n\r\n`),
  // Request line (RFC 9112 §3).
  head('two spaces after the method', `GET  / HTTP/1.1\r\n${HOST}\r\n`),
  head('invalid method characters', `G(T / HTTP/1.1\r\n${HOST}\r\n`),
  head('fragment in the target', `GET /a#b HTTP/1.1\r\n${HOST}\r\n`),
  head('control character in the target', `GET /a\x01 HTTP/1.1\r\n${HOST}\r\n`),
  head('asterisk-form with GET', `GET * HTTP/1.1\r\n${HOST}\r\n`),
  head('authority-form with GET', `GET h:80 HTTP/1.1\r\n${HOST}\r\n`),
  head('CONNECT with origin-form', `CONNECT / HTTP/1.1\r\n${HOST}\r\n`),
  head('absolute-form with an empty authority', `GET http:///x HTTP/1.1\r\n${HOST}\r\n`),
  head('HTTP/1.2', `GET / HTTP/1.2\r\n${HOST}\r\n`, S505),
  head('HTTP/2.0 as text', `GET / HTTP/2.0\r\n${HOST}\r\n`, S505),
  head('HTTP/3.0', `GET / HTTP/3.0\r\n${HOST}\r\n`, S505),
  head('HTTP/0.9 with a version', `GET / HTTP/0.9\r\n${HOST}\r\n`, S505),
  // Malformed versions still name HTTP: the HTTP/1 parser answers them.
  head('lowercase version', `GET / http/1.1\r\n${HOST}\r\n`, S400),
  head('two-digit minor version', `GET / HTTP/1.10\r\n${HOST}\r\n`, S400),
  head('trailing space after the version', `GET / HTTP/1.1 \r\n${HOST}\r\n`, S400),
  // First lines that name no HTTP version (HTTP/0.9, noise, an invalid h2 preface): closed without an answer.
  head('HTTP/0.9 simple request', `GET /\r\n`, null),
  head('not HTTP at all', `INVALID CONNECTION PREFACE\r\n\r\n`, null),
  // Expectations (RFC 9110 §10.1.1).
  head('unknown expectation', `POST / HTTP/1.1\r\n${HOST}Expect: 200-ok\r\nContent-Length: 1\r\n\r\nx`, S417),
  // Chunked bodies (RFC 9112 §7.1): the head was fine, the body is not.
  body('non-hex chunk size', 'zz\r\nhello\r\n0\r\n\r\n'),
  body('negative chunk size', '-5\r\nhello\r\n0\r\n\r\n'),
  body('0x-prefixed chunk size', '0x5\r\nhello\r\n0\r\n\r\n'),
  body('whitespace before the chunk size', ' 5\r\nhello\r\n0\r\n\r\n'),
  body('empty chunk size', '\r\nhello\r\n0\r\n\r\n'),
  body('chunk size of 17 hex digits', '00000000000000005\r\nhello\r\n0\r\n\r\n'),
  body('chunk size above 2^53', 'fffffffffffffff\r\nhello\r\n0\r\n\r\n'),
  body('chunk size followed by junk', '5 x\r\nhello\r\n0\r\n\r\n'),
  body('chunk extension without a name', '5;\r\nhello\r\n0\r\n\r\n'),
  body('chunk extension with an empty name', '5;=x\r\nhello\r\n0\r\n\r\n'),
  body('chunk extension with an unterminated quote', '5;a="x\r\nhello\r\n0\r\n\r\n'),
  body('chunk extension with a space in its value', '5;a=b c\r\nhello\r\n0\r\n\r\n'),
  body('chunk extension with a control character', '5;a=\x01\r\nhello\r\n0\r\n\r\n'),
  body('chunk data longer than its size', '3\r\nhello\r\n0\r\n\r\n'),
  body('chunk data without CRLF', '5\r\nhelloXY0\r\n\r\n'),
  body('bare CR in a chunk-size line', '5\rX\nhello\r\n0\r\n\r\n'),
  body('lone LF after the chunk size', '5\nhello\r\n0\r\n\r\n'),
  body('invalid trailer field', '5\r\nhello\r\n0\r\nbad name: 1\r\n\r\n'),
  body('obs-fold in the trailers', '5\r\nhello\r\n0\r\nX-T: 1\r\n 2\r\n\r\n'),
];

interface Probe {
  port: number;
  calls: string[];
  bodyErrors: string[];
  serverErrors: Error[];
}

/** A server whose handler echoes the request body, recording every call and every failed body read. */
async function probe(t: Test, h1: Record<string, number> = {}): Promise<Probe> {
  const p: Probe = { port: 0, calls: [], bodyErrors: [], serverErrors: [] };
  const { port } = await start(
    t,
    async (tx: Transaction) => {
      p.calls.push(`${tx.request.method} ${tx.request.path}`);
      if (tx.request.path === '/no-read') return tx.respond(200, {}, 'answered without reading');
      if (tx.request.path === '/stream-then-read') {
        tx.status(200).finalizeHeaders();
        await tx.write('partial');
      }
      let got: Buffer;
      try {
        got = await tx.request.body.bytes(1 << 20);
      } catch (err) {
        p.bodyErrors.push((err as { code?: string }).code ?? String(err));
        throw err;
      }
      await tx.respond(200, { 'content-type': 'application/octet-stream', 'x-trailers': String(tx.request.body.trailers?.length ?? 0) }, got);
    },
    { h1, onError: (e) => p.serverErrors.push(e) },
  );
  p.port = port;
  return p;
}

/** Send `send` (whole or in two writes), assert an error answer and a closed connection; return the handler calls it caused. */
async function expectRejected(t: Test, p: Probe, c: { name: string; send: string; status: string | null }, split: boolean): Promise<number> {
  const before = p.calls.length;
  const bytes = Buffer.from(c.send, 'latin1');
  const half = bytes.length >> 1;
  const parts = split ? [bytes.subarray(0, half), bytes.subarray(half)] : [bytes];
  const x = await exchange(p.port, parts, { gapMs: split ? 20 : 0 });
  const how = `${c.name} (${split ? 'two writes' : 'one write'})`;
  if (c.status === null) {
    t.equal(x.response, null, `${how}: no response`);
    t.equal(x.extra.length, 0, `${how}: no bytes at all`);
  } else {
    t.equal(x.response?.statusLine, c.status, `${how}: ${c.status}${x.readError ? ` (read error: ${x.readError})` : ''}`);
    if (x.response) {
      t.equal(field(x.response, 'connection'), 'close', `${how}: Connection: close`);
      t.equal(x.response.framing, 'length', `${how}: the error body has a Content-Length`);
    }
    t.equal(x.extra.length, 0, `${how}: nothing after the error response`);
  }
  t.ok(x.closed, `${how}: the server closed the connection`);
  return p.calls.length - before;
}

t.test('smuggling and malformed requests: exact status, then close', async (t) => {
  const p = await probe(t);
  for (const c of CASES) {
    for (const split of [false, true]) {
      const bodyErrorsBefore = p.bodyErrors.length;
      const calls = await expectRejected(t, p, c, split);
      if (c.where === 'head') t.equal(calls, 0, `${c.name}: the handler was never called`);
      else {
        t.equal(calls, 1, `${c.name}: the handler ran for the valid head`);
        t.equal(p.bodyErrors.length, bodyErrorsBefore + 1, `${c.name}: its body read failed`);
      }
    }
  }
  t.same(p.serverErrors.map((e) => e.message), [], 'no handler failure was reported as a server error');
});

t.test('a bad request pipelined behind a good one: the good one is answered, then the error, then close', async (t) => {
  const p = await probe(t);
  const { RawClient } = await import('../support/raw-socket.js');
  const client = await RawClient.connect(p.port);
  t.teardown(() => client.close());
  client.write(`POST /first HTTP/1.1\r\n${HOST}Content-Length: 5\r\n\r\nhello` + `GET / HTTP/1.1\r\n${HOST}Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
  const first = await client.readResponse();
  t.equal(first.statusLine, 'HTTP/1.1 200 OK');
  t.equal(first.body.toString(), 'hello');
  const second = await client.readResponse();
  t.equal(second.statusLine, S400);
  t.ok(await client.waitEnd(), 'closed after the error');
  t.same(p.calls, ['POST /first'], 'only the good request reached the handler');
});

t.test('a malformed body after the handler answered without reading it: the answer stands, then close', async (t) => {
  const p = await probe(t);
  const { RawClient } = await import('../support/raw-socket.js');
  const client = await RawClient.connect(p.port);
  t.teardown(() => client.close());
  client.write(`POST /no-read HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`);
  const r = await client.readResponse();
  t.equal(r.statusLine, 'HTTP/1.1 200 OK');
  t.equal(r.body.toString(), 'answered without reading');
  client.write('zz\r\n');
  t.ok(await client.waitEnd(), 'the connection is closed, not left hanging');
  t.equal(client.pending.length, 0, 'no second response');
});

t.test('a malformed body after the response head went out: the response is cut and the connection closed', async (t) => {
  const p = await probe(t);
  const x = await exchange(p.port, [`POST /stream-then-read HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`, 'zz\r\n'], { gapMs: 50 });
  t.equal(x.response, null, 'no complete response');
  t.match(x.readError, /connection ended while waiting for chunk-size|connection ended while waiting for a chunk-size line/, 'cut inside the chunked body');
  t.ok(x.closed, 'closed');
  t.same(p.bodyErrors, ['SLUICE_ERR_H1_INVALID_CHUNK_SIZE'], 'the handler saw why');
  t.same(p.serverErrors, [], 'not reported as a server error');
});

// ---- Every named limit of lib/h1/limits.ts, at the limit and one byte over ----

interface LimitCase {
  limit: keyof typeof DEFAULT_H1_LIMITS;
  /** The request with the limited quantity exactly at `n`; it carries Connection: close. */
  make(n: number): string;
  over: string;
  where: 'head' | 'body';
  /** Expected echoed body when at the limit. */
  echo?: string;
}

const CLOSE = 'Connection: close\r\n';
const LIMITS: LimitCase[] = [
  {
    limit: 'maxRequestTargetBytes',
    make: (n) => `GET /${'a'.repeat(n - 1)} HTTP/1.1\r\n${HOST}${CLOSE}\r\n`,
    over: S414,
    where: 'head',
  },
  {
    limit: 'maxHeaderBytes',
    // request line 16 + Host 9 + Connection 19 + "X-Pad: " 7 + pad + CRLF 2 + final CRLF 2
    make: (n) => `${LINE}${HOST}${CLOSE}X-Pad: ${'p'.repeat(n - 55)}\r\n\r\n`,
    over: S431,
    where: 'head',
  },
  {
    limit: 'maxHeaderCount',
    make: (n) => `${LINE}${HOST}${CLOSE}${'X-A: 1\r\n'.repeat(n - 2)}\r\n`,
    over: S431,
    where: 'head',
  },
  {
    limit: 'maxEmptyLinesBeforeRequest',
    make: (n) => `${'\r\n'.repeat(n)}${LINE}${HOST}${CLOSE}\r\n`,
    over: S400,
    where: 'head',
  },
  {
    limit: 'maxChunkExtensionBytes',
    // everything after the hex digit counts: ";a=" + value
    make: (n) => `POST /up HTTP/1.1\r\n${HOST}${CLOSE}Transfer-Encoding: chunked\r\n\r\n5;a=${'x'.repeat(n - 3)}\r\nhello\r\n0\r\n\r\n`,
    over: S400,
    where: 'body',
    echo: 'hello',
  },
  {
    limit: 'maxTrailerBytes',
    // "X-T: " 5 + pad + CRLF 2 + final CRLF 2
    make: (n) => `POST /up HTTP/1.1\r\n${HOST}${CLOSE}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: ${'t'.repeat(n - 9)}\r\n\r\n`,
    over: S431,
    where: 'body',
    echo: 'hello',
  },
];

for (const lc of LIMITS) {
  const n = DEFAULT_H1_LIMITS[lc.limit];
  t.test(`${lc.limit} (default ${n}): at the limit served, one byte over → ${lc.over.slice(9)} and close`, async (t) => {
    const p = await probe(t);
    const at = await exchange(p.port, lc.make(n), { method: 'GET' });
    t.equal(at.response?.statusLine, 'HTTP/1.1 200 OK', `at ${n}: served${at.readError ? ` (${at.readError})` : ''}`);
    if (lc.echo !== undefined) t.equal(at.response?.body.toString(), lc.echo, 'the body arrived whole');
    t.ok(at.closed, 'Connection: close honoured');
    t.equal(p.calls.length, 1, 'the handler ran once');
    const calls = await expectRejected(t, p, { name: `${lc.limit} + 1`, send: lc.make(n + 1), status: lc.over }, false);
    t.equal(calls, lc.where === 'head' ? 0 : 1, lc.where === 'head' ? 'the handler was never called' : 'the handler ran for the valid head');
    if (lc.where === 'body') t.equal(p.bodyErrors.length, 1, 'and its body read failed');
  });
}

t.test('h1 limits given to createServer are applied (maxHeaderCount: 3)', async (t) => {
  const p = await probe(t, { maxHeaderCount: 3 });
  const make = (fields: number): string => `${LINE}${HOST}${CLOSE}${'X-A: 1\r\n'.repeat(fields - 2)}\r\n`;
  const at = await exchange(p.port, make(3));
  t.equal(at.response?.statusLine, 'HTTP/1.1 200 OK', '3 fields served');
  t.equal(await expectRejected(t, p, { name: '4 fields', send: make(4), status: S431 }, false), 0, 'handler not called for 4 fields');
});
