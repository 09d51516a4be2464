/**
 * One shared table of response cases (issue 3 acceptance), each answered by
 * the SAME handler and fetched by every client over every protocol: undici
 * (HTTP/1.1; HTTP/2 as h2c prior knowledge and over TLS+ALPN), node:http,
 * node:http2, and curl (--http1.1, --http2-prior-knowledge, --http2 over
 * TLS). Every client must see the table's status, headers and body, and all
 * clients must agree with each other, modulo connection-specific fields.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { Client, H2CClient, type Dispatcher } from 'undici';
import { Token, type Transaction } from '../../lib/index.js';
import { havePeer, start } from '../support/server.js';
import { testCert } from '../support/tls.js';

const execFileP = promisify(execFile);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed + (i >> 10)) & 0xff;
  return b;
}
const LARGE = pattern(1 << 20, 7);
const UPLOAD = pattern(100_000, 3);

// ---------------------------------------------------------------- the handler

/** The one handler every client and protocol talks to. */
async function app(tx: Transaction): Promise<void> {
  const r = tx.request;
  switch (r.pathname) {
    case '/basic':
      tx.status(201)
        .headerByToken(Token.CONTENT_TYPE, 'text/plain; charset=utf-8')
        .headerByToken(Token.CACHE_CONTROL, 'no-store')
        .headerByName('X-Custom-Name', 'by-name')
        .headerByName('set-cookie', 'a=1')
        .headerByName('set-cookie', 'b=2')
        .finalizeHeaders();
      await tx.write('hello, ');
      return tx.end('world');
    case '/no-content':
      tx.status(204).headerByName('x-case', 'no-content').finalizeHeaders();
      return;
    case '/not-modified':
      if (r.header('if-none-match') === '"v1"') {
        tx.status(304).headerByToken(Token.ETAG, '"v1"').finalizeHeaders();
        return;
      }
      return tx.respond(200, { etag: '"v1"' }, 'fresh');
    case '/sized':
      return tx.respond(200, { 'content-type': 'text/plain' }, 'twelve bytes');
    case '/stream':
      tx.status(200).headerByToken(Token.CONTENT_TYPE, 'text/plain').finalizeHeaders();
      for (const part of ['one ', 'two ', 'three']) await tx.write(part);
      return tx.end();
    case '/large':
      return tx.respond(200, { 'content-type': 'application/octet-stream' }, LARGE);
    case '/large-stream':
      tx.status(200).headerByToken(Token.CONTENT_TYPE, 'application/octet-stream').finalizeHeaders();
      for (let off = 0; off < LARGE.length; off += 16 << 10) await tx.write(LARGE.subarray(off, off + (16 << 10)));
      return tx.end();
    case '/echo': {
      const body = await r.body.bytes(1 << 20);
      tx.status(200)
        .headerByToken(Token.CONTENT_TYPE, r.header('content-type') ?? 'application/octet-stream')
        .headerByToken(Token.CONTENT_LENGTH, body.length)
        .headerByName('x-request-sha256', sha(body))
        .finalizeHeaders();
      return tx.end(body);
    }
    case '/custom':
      return tx.respond(200, { 'x-per-response': `for ${r.search}`, 'x-frame-options': 'SAMEORIGIN' }, 'custom');
    case '/request':
      return tx.respond(200, { 'content-type': 'application/json' }, JSON.stringify({ method: r.method, pathname: r.pathname, search: r.search, xIn: r.header('x-in') ?? null }));
    case '/throw':
      throw new Error('handler failed on purpose');
    default:
      return tx.respond(404, { 'content-type': 'text/plain' }, 'not found\n');
  }
}

// ------------------------------------------------------------------ the cases

interface Ask {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

interface Expect {
  status: number;
  /** Lower-case name → exact value (set-cookie: the list joined with '\n'), or undefined for "absent". */
  headers: Record<string, string | undefined>;
  body: string | Buffer;
}

interface Case {
  name: string;
  ask: Ask;
  expect: Expect;
}

/** Sent on every response by the server's response options (lws per-vhost headers). */
const VHOST_HEADER = ['x-frame-options', 'DENY'] as const;

const CASES: Case[] = [
  {
    name: 'status, headers by token and by name, repeated set-cookie, body in two writes',
    ask: { method: 'GET', path: '/basic' },
    expect: {
      status: 201,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-custom-name': 'by-name', 'set-cookie': 'a=1\nb=2', 'content-length': undefined },
      body: 'hello, world',
    },
  },
  { name: '204 ends at finalize', ask: { method: 'GET', path: '/no-content' }, expect: { status: 204, headers: { 'x-case': 'no-content', 'content-length': undefined }, body: '' } },
  {
    name: '304 for a matching If-None-Match',
    ask: { method: 'GET', path: '/not-modified', headers: { 'if-none-match': '"v1"' } },
    expect: { status: 304, headers: { etag: '"v1"', 'content-length': undefined }, body: '' },
  },
  { name: 'the same resource without a condition', ask: { method: 'GET', path: '/not-modified' }, expect: { status: 200, headers: { etag: '"v1"', 'content-length': '5' }, body: 'fresh' } },
  { name: 'content-length body', ask: { method: 'GET', path: '/sized' }, expect: { status: 200, headers: { 'content-type': 'text/plain', 'content-length': '12' }, body: 'twelve bytes' } },
  { name: 'HEAD keeps content-length, drops the body', ask: { method: 'HEAD', path: '/sized' }, expect: { status: 200, headers: { 'content-type': 'text/plain', 'content-length': '12' }, body: '' } },
  { name: 'unknown-length body (chunked on HTTP/1.1)', ask: { method: 'GET', path: '/stream' }, expect: { status: 200, headers: { 'content-type': 'text/plain', 'content-length': undefined }, body: 'one two three' } },
  { name: 'HEAD of an unknown-length body', ask: { method: 'HEAD', path: '/stream' }, expect: { status: 200, headers: { 'content-type': 'text/plain', 'content-length': undefined }, body: '' } },
  { name: '1 MiB body with content-length, one write', ask: { method: 'GET', path: '/large' }, expect: { status: 200, headers: { 'content-length': String(LARGE.length) }, body: LARGE } },
  { name: '1 MiB body of unknown length in 16 KiB writes', ask: { method: 'GET', path: '/large-stream' }, expect: { status: 200, headers: { 'content-length': undefined }, body: LARGE } },
  {
    name: 'the handler reads the request body and echoes it',
    ask: { method: 'POST', path: '/echo', headers: { 'content-type': 'application/x-test' }, body: UPLOAD },
    expect: { status: 200, headers: { 'content-type': 'application/x-test', 'content-length': String(UPLOAD.length), 'x-request-sha256': sha(UPLOAD) }, body: UPLOAD },
  },
  {
    name: 'per-response custom header, overriding the per-server one',
    ask: { method: 'GET', path: '/custom?x=1' },
    expect: { status: 200, headers: { 'x-per-response': 'for x=1', 'x-frame-options': 'SAMEORIGIN' }, body: 'custom' },
  },
  {
    name: 'method, path, query and request headers reach the handler',
    ask: { method: 'DELETE', path: '/request?a=1&b=two', headers: { 'x-in': 'hello' } },
    expect: { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'DELETE', pathname: '/request', search: 'a=1&b=two', xIn: 'hello' }) },
  },
  { name: '404 with a body', ask: { method: 'GET', path: '/missing' }, expect: { status: 404, headers: { 'content-type': 'text/plain', 'content-length': '10' }, body: 'not found\n' } },
  {
    name: 'a handler that throws gets 500',
    ask: { method: 'GET', path: '/throw' },
    expect: { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Internal Server Error\n' },
  },
];

// ---------------------------------------------------------------- the clients

/** A response as any client saw it: lower-case names, each field's values in order. */
interface Got {
  status: number;
  fields: Map<string, string[]>;
  body: Buffer;
  /** HTTP/1 clients that expose the wire spelling of field names. */
  rawNames?: string[];
}

interface Endpoints {
  port: number;
  tlsPort: number;
  cert: string;
  certPath: string;
}

interface ClientKind {
  name: string;
  /** The protocol it must end up speaking. */
  proto: 'h1' | 'h2';
  peer?: string;
  open(e: Endpoints): Promise<{ send(ask: Ask): Promise<Got>; close(): Promise<void> }>;
}

function addField(fields: Map<string, string[]>, name: string, value: string | string[] | undefined): void {
  if (value === undefined) return;
  const list = fields.get(name.toLowerCase()) ?? [];
  list.push(...(Array.isArray(value) ? value : [value]));
  fields.set(name.toLowerCase(), list);
}

function undiciKind(name: string, proto: 'h1' | 'h2', opts: { tls: boolean; allowH2?: boolean; useH2c?: boolean }): ClientKind {
  return {
    name,
    proto,
    async open(e) {
      const origin = opts.tls ? `https://127.0.0.1:${e.tlsPort}` : `http://127.0.0.1:${e.port}`;
      // H2CClient is undici's prior-knowledge h2c client (Client with allowH2 + useH2c).
      const client: Dispatcher = opts.useH2c ? new H2CClient(origin) : new Client(origin, { allowH2: opts.allowH2 ?? false, connect: opts.tls ? { ca: e.cert } : {} });
      return {
        async send(ask) {
          const res = await client.request({ method: ask.method as 'GET', path: ask.path, headers: ask.headers ?? {}, body: ask.body ?? null });
          const fields = new Map<string, string[]>();
          for (const [n, v] of Object.entries(res.headers)) addField(fields, n, v);
          return { status: res.statusCode, fields, body: Buffer.from(await res.body.arrayBuffer()) };
        },
        close: () => client.close(),
      };
    },
  };
}

const nodeHttp: ClientKind = {
  name: 'node:http',
  proto: 'h1',
  async open(e) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    return {
      send: (ask) =>
        new Promise((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port: e.port, method: ask.method, path: ask.path, headers: ask.headers, agent }, (res) => {
            const parts: Buffer[] = [];
            res.on('data', (c: Buffer) => parts.push(c));
            res.on('end', () => {
              const fields = new Map<string, string[]>();
              const rawNames: string[] = [];
              for (let i = 0; i < res.rawHeaders.length; i += 2) {
                rawNames.push(res.rawHeaders[i]!);
                addField(fields, res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
              }
              resolve({ status: res.statusCode ?? 0, fields, body: Buffer.concat(parts), rawNames });
            });
            res.on('error', reject);
          });
          req.on('error', reject);
          req.end(ask.body);
        }),
      close: async () => agent.destroy(),
    };
  },
};

const nodeHttp2: ClientKind = {
  name: 'node:http2 (h2c prior knowledge)',
  proto: 'h2',
  async open(e) {
    const session = http2.connect(`http://127.0.0.1:${e.port}`);
    session.on('error', () => {});
    return {
      send: (ask) =>
        new Promise((resolve, reject) => {
          const req = session.request({ ':method': ask.method, ':path': ask.path, ...ask.headers }, { endStream: ask.body === undefined });
          const parts: Buffer[] = [];
          const fields = new Map<string, string[]>();
          let status = 0;
          req.on('response', (h) => {
            status = Number(h[':status']);
            for (const [n, v] of Object.entries(h)) if (!n.startsWith(':')) addField(fields, n, v);
          });
          req.on('data', (c: Buffer) => parts.push(c));
          req.on('end', () => resolve({ status, fields, body: Buffer.concat(parts) }));
          req.on('error', reject);
          if (ask.body !== undefined) req.end(ask.body);
        }),
      close: () => new Promise((resolve) => session.close(() => resolve())),
    };
  },
};

function curlKind(name: string, proto: 'h1' | 'h2', flags: string[], tls: boolean): ClientKind {
  return {
    name,
    proto,
    peer: 'curl',
    async open(e) {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-curl-'));
      let n = 0;
      return {
        async send(ask) {
          const id = n++;
          const headerFile = join(dir, `h${id}`);
          const bodyFile = join(dir, `b${id}`);
          // With --head curl reads no body at all and prints the head as its output, so that goes to /dev/null.
          const args = ['-sS', ...flags, '-D', headerFile, '-o', ask.method === 'HEAD' ? '/dev/null' : bodyFile];
          if (ask.method === 'HEAD') args.push('--head');
          else if (ask.method !== 'GET' || ask.body) args.push('-X', ask.method);
          for (const [k, v] of Object.entries(ask.headers ?? {})) args.push('-H', `${k}: ${v}`);
          if (ask.body) {
            writeFileSync(join(dir, `u${id}`), ask.body);
            args.push('--data-binary', `@${join(dir, `u${id}`)}`);
          }
          if (tls) args.push('--cacert', e.certPath);
          args.push(tls ? `https://127.0.0.1:${e.tlsPort}${ask.path}` : `http://127.0.0.1:${e.port}${ask.path}`);
          await execFileP('curl', args);
          // The last header block is the final response (an interim 100 may come first).
          const blocks = readFileSync(headerFile, 'latin1').split('\r\n\r\n').filter((b) => b.length > 0);
          const [statusLine = '', ...lines] = (blocks[blocks.length - 1] ?? '').split('\r\n');
          const m = /^HTTP\/(1\.1|2) (\d{3})/.exec(statusLine);
          if (!m) throw new Error(`curl: bad status line ${JSON.stringify(statusLine)}`);
          if ((m[1] === '2' ? 'h2' : 'h1') !== proto) throw new Error(`curl spoke ${m[1]}, expected ${proto}`);
          const fields = new Map<string, string[]>();
          const rawNames: string[] = [];
          for (const line of lines) {
            const colon = line.indexOf(':');
            rawNames.push(line.slice(0, colon));
            addField(fields, line.slice(0, colon), line.slice(colon + 1).trim());
          }
          let body: Buffer = Buffer.alloc(0);
          try {
            if (ask.method !== 'HEAD') body = readFileSync(bodyFile);
          } catch {
            // curl writes no file for an empty body
          }
          return { status: Number(m[2]), fields, body, ...(proto === 'h1' ? { rawNames } : {}) };
        },
        close: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  };
}

const CLIENTS: ClientKind[] = [
  undiciKind('undici Client (HTTP/1.1)', 'h1', { tls: false }),
  undiciKind('undici Client (HTTP/1.1 over TLS, ALPN http/1.1)', 'h1', { tls: true }),
  undiciKind('undici H2CClient (h2c prior knowledge)', 'h2', { tls: false, allowH2: true, useH2c: true }),
  undiciKind('undici Client allowH2 (TLS, ALPN h2)', 'h2', { tls: true, allowH2: true }),
  nodeHttp,
  nodeHttp2,
  curlKind('curl --http1.1', 'h1', ['--http1.1'], false),
  curlKind('curl --http2-prior-knowledge', 'h2', ['--http2-prior-knowledge'], false),
  curlKind('curl --http2 (TLS, ALPN h2)', 'h2', ['--http2'], true),
];

// ----------------------------------------------------------------- the checks

/** Fields that describe the connection, not the response (RFC 9110 §7.6.1, RFC 9113 §8.2.2), and Date, whose value moves. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date']);

/** The comparable form: status, fields without connection-specific ones (values in order), body digest. */
function comparable(got: Got): string {
  const fields = [...got.fields].filter(([n]) => !CONNECTION_SPECIFIC.has(n)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify({ status: got.status, fields, body: `${got.body.length} bytes, sha256 ${sha(got.body)}` }, null, 1);
}

function value(got: Got, name: string): string | undefined {
  const list = got.fields.get(name);
  if (list === undefined) return undefined;
  return name === 'set-cookie' ? list.join('\n') : list.join(', ');
}

function checkCase(t: Test, c: Case, got: Got, proto: 'h1' | 'h2'): void {
  t.equal(got.status, c.expect.status, 'status');
  for (const [name, want] of Object.entries(c.expect.headers)) t.equal(value(got, name), want, `${name}: ${want ?? '(absent)'}`);
  if (c.expect.headers['x-frame-options'] === undefined) t.equal(value(got, VHOST_HEADER[0]), VHOST_HEADER[1], 'the per-server header');
  t.match(value(got, 'date'), /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/, 'Date present');
  t.equal(value(got, 'server'), 'sluice', 'Server present');
  const want = typeof c.expect.body === 'string' ? Buffer.from(c.expect.body) : c.expect.body;
  t.equal(got.body.length, want.length, 'body length');
  t.equal(sha(got.body), sha(want), 'body bytes');
  if (proto === 'h2') {
    for (const n of CONNECTION_SPECIFIC) if (n !== 'date') t.equal(got.fields.get(n), undefined, `no ${n} on HTTP/2`);
  }
  if (got.rawNames && c.ask.path === '/basic') {
    // By-token names go out in their canonical HTTP/1 spelling; by-name ones as given.
    for (const n of ['Content-Type', 'Cache-Control', 'X-Custom-Name', 'Date', 'Server']) t.ok(got.rawNames.includes(n), `wire spelling ${n}`);
  }
}

// ------------------------------------------------------------------ the tests

const handlerErrors: string[] = [];
const { cert, key, certPath } = testCert();
const options = { response: { headers: [[VHOST_HEADER[0], VHOST_HEADER[1]]] as Array<[string, string]> }, onError: (e: Error) => handlerErrors.push(e.message) };
/** client name (sent as x-client) → the HTTP versions its requests arrived with. */
const versions = new Map<string, Set<string>>();
const handler = (tx: Transaction): Promise<void> => {
  const client = tx.request.header('x-client') ?? '?';
  versions.set(client, (versions.get(client) ?? new Set()).add(tx.request.httpVersion));
  return app(tx);
};
const plain = await start(t, handler, options);
const secure = await start(t, handler, { ...options, tls: { cert, key } });
const endpoints: Endpoints = { port: plain.port, tlsPort: secure.port, cert, certPath };

/** case name → client name → comparable form. */
const seen = new Map<string, Map<string, string>>();

for (const kind of CLIENTS) {
  await t.test(kind.name, async (t) => {
    if (kind.peer && !havePeer(t, kind.peer)) return;
    const client = await kind.open(endpoints);
    t.teardown(() => client.close());
    for (const c of CASES) {
      await t.test(c.name, async (t) => {
        const got = await client.send({ ...c.ask, headers: { ...c.ask.headers, 'x-client': kind.name } });
        checkCase(t, c, got, kind.proto);
        const byClient = seen.get(c.name) ?? new Map<string, string>();
        byClient.set(kind.name, comparable(got));
        seen.set(c.name, byClient);
      });
    }
    t.same([...(versions.get(kind.name) ?? [])], [kind.proto === 'h2' ? '2' : '1.1'], `every request arrived over ${kind.proto}`);
  });
}

t.test('every client saw the same status, fields and body for every case', async (t) => {
  t.equal(seen.size, CASES.length, 'every case ran');
  for (const c of CASES) {
    const byClient = seen.get(c.name) ?? new Map<string, string>();
    const [[firstName, first] = ['', '']] = byClient;
    for (const [name, form] of byClient) t.equal(form, first, `${c.name}: ${name} agrees with ${firstName}`);
  }
  const ran = CLIENTS.filter((k) => [...seen.values()].some((m) => m.has(k.name))).length;
  t.equal(handlerErrors.length, ran, 'exactly the /throw handler failed, once per client');
  t.ok(handlerErrors.every((m) => m === 'handler failed on purpose'), 'and nothing else did');
});
