/**
 * The other side of the matrix: unusual but valid HTTP/1.1 requests that a
 * strict parser must still serve over a real socket (RFC 9112, RFC 9110),
 * each checked through what the handler saw.
 */
import t from 'tap';
import type { Transaction } from '../../lib/index.js';
import { RawClient, exchange, field } from '../support/raw-socket.js';
import { start } from '../support/server.js';

interface Seen {
  method: string;
  path: string;
  authority: string;
  httpVersion: string;
  headers: Record<string, string>;
  body: string;
  trailers: Array<[string, string]> | null;
}

/** Answers with what the handler saw, as JSON. */
async function mirror(tx: Transaction): Promise<void> {
  const r = tx.request;
  const body = (await r.body.bytes()).toString('latin1');
  const seen: Seen = { method: r.method, path: r.path, authority: r.authority, httpVersion: r.httpVersion, headers: r.headers, body, trailers: r.body.trailers };
  await tx.respond(200, { 'content-type': 'application/json' }, JSON.stringify(seen));
}

interface Valid {
  name: string;
  send: string;
  /** Properties the handler must have seen (a subset, tap's t.has). */
  seen: Partial<Seen> & { headers?: Record<string, string> };
}

const H = 'Host: h\r\n';
const VALID: Valid[] = [
  { name: 'a list of equal Content-Length values', send: `POST / HTTP/1.1\r\n${H}Content-Length: 5, 5\r\n\r\nhello`, seen: { body: 'hello' } },
  { name: 'repeated equal Content-Length fields', send: `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello`, seen: { body: 'hello' } },
  { name: 'Content-Length: 0', send: `POST / HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`, seen: { body: '' } },
  { name: 'Transfer-Encoding is case-insensitive', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, seen: { body: 'hello' } },
  { name: 'uppercase hex and leading zeros in chunk sizes', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0005\r\nhello\r\n000\r\n\r\n`, seen: { body: '0123456789hello' } },
  {
    name: 'chunk extensions (token and quoted values, BWS)',
    send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5 ; a=b;c="d e\\"f"\r\nhello\r\n0;last\r\n\r\n`,
    seen: { body: 'hello' },
  },
  {
    name: 'trailers are delivered, framing fields among them dropped',
    send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: abc\r\nContent-Length: 99\r\n\r\n`,
    seen: { body: 'hello', trailers: [['x-checksum', 'abc']] },
  },
  { name: 'HTAB as optional whitespace around a value', send: `GET / HTTP/1.1\r\n${H}X-A:\t v \t\r\n\r\n`, seen: { headers: { 'x-a': 'v' } } },
  { name: 'obs-text in a value', send: `GET / HTTP/1.1\r\n${H}X-A: caf\xe9\r\n\r\n`, seen: { headers: { 'x-a': 'caf\xe9' } } },
  { name: 'an empty value', send: `GET / HTTP/1.1\r\n${H}X-A:\r\n\r\n`, seen: { headers: { 'x-a': '' } } },
  { name: 'field names are case-insensitive', send: `GET / HTTP/1.1\r\nhOsT: h\r\nX-MiXeD: 1\r\n\r\n`, seen: { authority: 'h', headers: { 'x-mixed': '1' } } },
  { name: 'repeated fields are joined in order', send: `GET / HTTP/1.1\r\n${H}X-A: 1\r\nX-A: 2\r\n\r\n`, seen: { headers: { 'x-a': '1, 2' } } },
  { name: 'absolute-form target: its authority wins over Host', send: `GET http://example.com:8080/p?q=1 HTTP/1.1\r\n${H}\r\n`, seen: { path: '/p?q=1', authority: 'example.com:8080' } },
  { name: 'absolute-form target with an empty path', send: `GET http://example.com HTTP/1.1\r\n${H}\r\n`, seen: { path: '/', authority: 'example.com' } },
  { name: 'OPTIONS *', send: `OPTIONS * HTTP/1.1\r\n${H}\r\n`, seen: { method: 'OPTIONS', path: '*' } },
  // An extension method reaches the handler when the server is told it exists (extraMethods); unknown ones get 501 (test/server/methods.test.ts).
  { name: 'an extension method', send: `PURGE /x HTTP/1.1\r\n${H}\r\n`, seen: { method: 'PURGE', path: '/x' } },
  { name: 'an IPv6 Host', send: `GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n`, seen: { authority: '[::1]:8080' } },
  { name: 'HTTP/1.0 without Host', send: `GET /old HTTP/1.0\r\n\r\n`, seen: { httpVersion: '1.0', path: '/old' } },
  { name: 'two empty lines before the request line', send: `\r\n\r\nGET /late HTTP/1.1\r\n${H}\r\n`, seen: { path: '/late' } },
  { name: 'Expect: 100-continue in another case', send: `GET / HTTP/1.1\r\n${H}Expect: 100-Continue\r\n\r\n`, seen: { method: 'GET' } },
];

t.test('unusual but valid requests are served', async (t) => {
  const { port } = await start(t, mirror, { extraMethods: ['PURGE'] });
  for (const v of VALID) {
    const client = await RawClient.connect(port);
    client.write(v.send);
    const r = await client.readResponse();
    client.close();
    t.equal(r.status, 200, `${v.name}: 200`);
    let seen: unknown = null;
    try {
      seen = JSON.parse(r.body.toString('utf8'));
    } catch {
      // the status check above already failed
    }
    t.has(seen, v.seen, `${v.name}: the handler saw it`);
  }
});

t.test('a request written one byte per write is served', async (t) => {
  const { port } = await start(t, mirror);
  const send = `POST /bytes HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;x=y\r\nhello\r\n0\r\nX-T: 1\r\n\r\n`;
  const x = await exchange(port, Array.from(send), { gapMs: 2 });
  t.equal(x.response?.status, 200);
  t.has(JSON.parse(x.response?.body.toString() ?? 'null'), { path: '/bytes', body: 'hello', trailers: [['x-t', '1']] });
  t.ok(x.closed, 'Connection: close honoured');
});

t.test('Connection: close on HTTP/1.1 closes after the response, and the response says so', async (t) => {
  const { port } = await start(t, mirror);
  const x = await exchange(port, `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
  t.equal(x.response && field(x.response, 'connection'), 'close');
  t.ok(x.closed);
  t.equal(x.extra.length, 0);
});
