/**
 * RFC 9113 §8 (RFC 7540 §8.1-8.2): HTTP semantics over HTTP/2. A malformed
 * request is a stream error PROTOCOL_ERROR and never reaches the application.
 * h2spec: http2 8.1 (1 case), 8.1.2 (1), 8.1.2.1 (4), 8.1.2.2 (2), 8.1.2.3 (7),
 * 8.1.2.6 (2), 8.2 (1).
 */
import t from 'tap';
import type { Test } from 'tap';
import { Flag, FrameType, type H2Peer } from '../support/h2-peer.js';
import {
  ErrorCode,
  answerAtOnce,
  commonHeaders,
  expectAlive,
  expectConnectionError,
  expectResponseHeaders,
  expectRstStream,
  expectStreamError,
  headersFrame,
  serve,
  type Seen,
} from '../support/conformance.js';

const END = Flag.END_STREAM | Flag.END_HEADERS;

/** Send `headers` as a complete request on stream 1 and expect a stream error PROTOCOL_ERROR, with nothing reaching the application. */
async function malformed(t: Test, peer: H2Peer, seen: Seen[], headers: Array<[string, string]>): Promise<void> {
  headersFrame(peer, 1, END, peer.block(headers));
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR]);
  t.equal(seen.length, 0, 'the request did not reach the application');
}

/** Same, strictly as RST_STREAM with the connection alive, for the checks h2spec does not make. */
async function malformedStrict(t: Test, peer: H2Peer, seen: Seen[], headers: Array<[string, string]>): Promise<void> {
  headersFrame(peer, 1, END, peer.block(headers));
  await expectRstStream(t, peer, 1, ErrorCode.PROTOCOL_ERROR);
  t.equal(seen.length, 0, 'the request did not reach the application');
}

// --- 8.1 request/response exchange ---

t.test('8.1 (h2spec http2/8.1/1) a second HEADERS without END_STREAM is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  peer.data(1, 'test');
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([['x-test', 'ok']]));
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR]);
});

// §8.1: a response may end before its request. The stream then stays half-closed (local): the
// rest of the request is discarded but still checked, and only a client that would need more
// credit is asked to stop (RST_STREAM NO_ERROR).

t.test('8.1 a response that ends before its request: the rest of the request is accepted, no RST_STREAM', async (t) => {
  const seen: Seen[] = [];
  const { peer, port } = await serve(t, { handler: answerAtOnce(seen) });
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  t.equal((await peer.response(1)).status, 200, 'the response ends first');
  peer.data(1, 'more body');
  headersFrame(peer, 1, END, peer.block([['x-trailer', 'ok']]));
  await expectAlive(t, peer);
  t.equal(seen.length, 1);
});

t.test('8.1 a response that ends before its request: a content-length mismatch after it is still a stream error', async (t) => {
  const seen: Seen[] = [];
  const { peer, port } = await serve(t, { handler: answerAtOnce(seen) });
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([...commonHeaders(port, 'POST'), ['content-length', '1']]));
  await peer.response(1);
  peer.data(1, 'test', true);
  await expectRstStream(t, peer, 1, ErrorCode.PROTOCOL_ERROR);
});

t.test('8.1 a response that ends before its request: trailers without END_STREAM after it are still malformed', async (t) => {
  const seen: Seen[] = [];
  const { peer, port } = await serve(t, { handler: answerAtOnce(seen) });
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  await peer.response(1);
  peer.data(1, 'test');
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([['x-test', 'ok']]));
  await expectRstStream(t, peer, 1, ErrorCode.PROTOCOL_ERROR);
});

t.test('8.1 a response that ends before its request: an upload that runs out of credit is stopped with RST_STREAM NO_ERROR', async (t) => {
  const seen: Seen[] = [];
  const { peer, port } = await serve(t, { handler: answerAtOnce(seen), server: { h2: { initialWindowSize: 1000 } } });
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  await peer.response(1);
  peer.data(1, Buffer.alloc(600));
  await expectAlive(t, peer);
  peer.data(1, Buffer.alloc(400)); // the stream window is now 0: the server grants no more for a body it discards
  await expectRstStream(t, peer, 1, ErrorCode.NO_ERROR);
  peer.data(1, Buffer.alloc(10), true); // in flight: ignored
  await expectAlive(t, peer, []);
  t.equal(peer.frames.filter((f) => f.type === FrameType.RST_STREAM).length, 1, 'one RST_STREAM, no error for the late DATA');
});

t.test('8.1 a client that resets a stream whose response is complete aborts nothing in the application', async (t) => {
  let aborted = 0;
  const { peer, port } = await serve(t, {
    handler: (tx) => {
      tx.onAbort(() => aborted++);
      return tx.respond(200, { 'content-type': 'text/plain' }, 'done');
    },
  });
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  await peer.response(1);
  peer.rst(1, ErrorCode.CANCEL); // the browser stops its upload
  await expectAlive(t, peer);
  t.equal(aborted, 0, 'no abort after a complete response');
});

t.test('8.1 graceful shutdown does not wait for the upload of a request already answered', async (t) => {
  const seen: Seen[] = [];
  const { peer, port, server } = await serve(t, { handler: answerAtOnce(seen) });
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  await peer.response(1);
  const closing = server.close(5000);
  const reset = await peer.next((f) => f.type === FrameType.RST_STREAM && f.streamId === 1);
  t.equal(reset.payload.readUInt32BE(0), ErrorCode.NO_ERROR, 'RST_STREAM NO_ERROR');
  await peer.closedByServer();
  await closing;
});

t.test('8.1 trailers ending the request reach the application', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([...commonHeaders(port, 'POST'), ['trailer', 'x-test']]));
  peer.data(1, 'test');
  headersFrame(peer, 1, END, peer.block([['x-test', 'ok']]));
  t.equal((await peer.response(1)).status, 200);
  t.same(seen[0]?.trailers, [['x-test', 'ok']]);
  t.equal(seen[0]?.body?.toString(), 'test');
});

t.test('8.1.1 (h2spec http2/8.1.2.6/1) content-length that does not match the DATA is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([...commonHeaders(port, 'POST'), ['content-length', '1']]));
  peer.data(1, 'test', true);
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR]);
  t.notOk(seen[0]?.body, 'the application never got a body');
});

t.test('8.1.1 (h2spec http2/8.1.2.6/2) content-length that does not match the sum of DATA frames is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([...commonHeaders(port, 'POST'), ['content-length', '1']]));
  peer.data(1, 'test');
  peer.data(1, 'test', true);
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('8.1.1 a body shorter than content-length is malformed', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([...commonHeaders(port, 'POST'), ['content-length', '10']]));
  peer.data(1, 'test');
  peer.data(1, 'test', true);
  await expectRstStream(t, peer, 1, ErrorCode.PROTOCOL_ERROR);
});

t.test('8.1.1 a body shorter than content-length, ended by trailers, is malformed', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([...commonHeaders(port, 'POST'), ['content-length', '10']]));
  peer.data(1, 'test');
  headersFrame(peer, 1, END, peer.block([['x-test', 'ok']]));
  await expectRstStream(t, peer, 1, ErrorCode.PROTOCOL_ERROR);
});

t.test('8.1.1 content-length above zero with END_STREAM on HEADERS is malformed', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformedStrict(t, peer, seen, [...commonHeaders(port, 'POST'), ['content-length', '4']]);
});

// --- 8.2 fields ---

t.test('8.2 (h2spec http2/8.1.2/1) an uppercase field name is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformed(t, peer, seen, [...commonHeaders(port), ['X-TEST', 'ok']]);
});

for (const [what, name] of [
  ['a space', 'x test'],
  ['a control character', 'x\x01test'],
  ['DEL', 'x\x7ftest'],
  ['a non-ASCII octet', 'x\xe9test'],
  ['a colon after the first character', 'x:test'],
] as const) {
  t.test(`8.2.1 a field name containing ${what} is malformed`, async (t) => {
    const { peer, port, seen } = await serve(t);
    await malformedStrict(t, peer, seen, [...commonHeaders(port), [name, 'ok']]);
  });
}

t.test('8.2.1 an empty field name is malformed', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformedStrict(t, peer, seen, [...commonHeaders(port), ['', 'ok']]);
});

for (const [what, value] of [
  ['NUL', 'o\x00k'],
  ['LF', 'o\nk'],
  ['CR', 'o\rk'],
  ['a leading space', ' ok'],
  ['a trailing space', 'ok '],
  ['a leading tab', '\tok'],
  ['a trailing tab', 'ok\t'],
] as const) {
  t.test(`8.2.1 a field value with ${what} is malformed`, async (t) => {
    const { peer, port, seen } = await serve(t);
    await malformedStrict(t, peer, seen, [...commonHeaders(port), ['x-test', value]]);
  });
}

t.test('8.2.1 inner spaces and tabs, and an empty value, are valid', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, END, peer.block([...commonHeaders(port), ['x-test', 'a b\tc'], ['x-empty', '']]));
  t.equal((await peer.response(1)).status, 200);
  t.same(seen[0]?.headers.filter(([n]) => n.startsWith('x-')), [
    ['x-test', 'a b\tc'],
    ['x-empty', ''],
  ]);
});

t.test('8.2.2 (h2spec http2/8.1.2.2/1) a connection-specific field is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformed(t, peer, seen, [...commonHeaders(port), ['connection', 'keep-alive']]);
});

t.test('8.2.2 (h2spec http2/8.1.2.2/2) TE other than "trailers" is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformed(t, peer, seen, [...commonHeaders(port), ['trailers', 'test'], ['te', 'trailers, deflate']]);
});

for (const [name, value] of [
  ['keep-alive', 'timeout=5'],
  ['proxy-connection', 'keep-alive'],
  ['transfer-encoding', 'chunked'],
  ['upgrade', 'websocket'],
] as const) {
  t.test(`8.2.2 the connection-specific field ${name} is malformed`, async (t) => {
    const { peer, port, seen } = await serve(t);
    await malformedStrict(t, peer, seen, [...commonHeaders(port), [name, value]]);
  });
}

t.test('8.2.2 TE: trailers is allowed', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block([...commonHeaders(port), ['te', 'trailers']]));
  t.equal((await peer.response(1)).status, 200);
});

t.test('8.2.3 several cookie fields reach the application as one, joined with "; "', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, END, peer.block([...commonHeaders(port), ['cookie', 'a=b'], ['cookie', 'c=d'], ['cookie', 'e=f']]));
  t.equal((await peer.response(1)).status, 200);
  t.equal(seen[0]?.cookie, 'a=b; c=d; e=f');
});

t.test('8.2 the response carries lowercase field names and no connection-specific fields', async (t) => {
  const { peer, port } = await serve(t, {
    handler: (tx) => tx.respond(200, { 'X-Mixed-Case': 'v', Connection: 'close', 'Keep-Alive': 'timeout=5', 'Transfer-Encoding': 'chunked', Upgrade: 'h2c' }, 'ok'),
  });
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  const res = await peer.response(1);
  t.ok(res.headers.some(([n, v]) => n === 'x-mixed-case' && v === 'v'), 'lowercased');
  t.same(res.headers.filter(([n]) => /[A-Z]/.test(n)), [], 'no uppercase name');
  t.same(res.headers.filter(([n]) => ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'].includes(n)), [], 'no connection-specific field');
});

// --- 8.3 pseudo-header fields ---

t.test('8.3 (h2spec http2/8.1.2.1/1) an unknown pseudo-header field is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformed(t, peer, seen, [...commonHeaders(port), [':test', 'ok']]);
});

t.test('8.3 (h2spec http2/8.1.2.1/2) a response pseudo-header field in a request is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformed(t, peer, seen, [...commonHeaders(port), [':status', '200']]);
});

t.test('8.3 (h2spec http2/8.1.2.1/3) a pseudo-header field in trailers is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  peer.data(1, 'test');
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([[':method', 'POST']]));
  await expectStreamError(t, peer, 1, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('8.3 a pseudo-header field in trailers that end the stream is malformed', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block(commonHeaders(port, 'POST')));
  peer.data(1, 'test');
  headersFrame(peer, 1, END, peer.block([[':path', '/other']]));
  await expectRstStream(t, peer, 1, ErrorCode.PROTOCOL_ERROR);
});

t.test('8.3 (h2spec http2/8.1.2.1/4) a pseudo-header field after a regular field is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformed(t, peer, seen, [['x-test', 'ok'], ...commonHeaders(port)]);
});

t.test('8.3.1 (h2spec http2/8.1.2.3/1) an empty :path is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformed(t, peer, seen, commonHeaders(port, 'GET', ''));
});

t.test('8.3.1 (h2spec http2/8.1.2.3/2) a request without :method is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  // h2spec drops :method and :scheme here.
  await malformed(t, peer, seen, commonHeaders(port).slice(2));
});

t.test('8.3.1 (h2spec http2/8.1.2.3/3) a request without :scheme is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformed(t, peer, seen, commonHeaders(port).filter(([n]) => n !== ':scheme'));
});

t.test('8.3.1 (h2spec http2/8.1.2.3/4) a request without :path is a stream error PROTOCOL_ERROR', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformed(t, peer, seen, commonHeaders(port).filter(([n]) => n !== ':path'));
});

for (const [i, name] of [
  [5, ':method'],
  [6, ':scheme'],
  [7, ':path'],
] as const) {
  t.test(`8.3.1 (h2spec http2/8.1.2.3/${i}) a duplicated ${name} is a stream error PROTOCOL_ERROR`, async (t) => {
    const { peer, port, seen } = await serve(t);
    const headers = commonHeaders(port);
    await malformed(t, peer, seen, [...headers, [name, headers.find(([n]) => n === name)![1]]]);
  });
}

t.test('8.3.1 a duplicated :authority is malformed', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformedStrict(t, peer, seen, [...commonHeaders(port), [':authority', `127.0.0.1:${port}`]]);
});

t.test('8.3.1 a host field that differs from :authority is malformed', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformedStrict(t, peer, seen, [...commonHeaders(port), ['host', 'elsewhere.example']]);
});

t.test('8.3.1 an empty :authority is malformed for an http URI', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformedStrict(t, peer, seen, commonHeaders(port).map(([n, v]) => [n, n === ':authority' ? '' : v] as [string, string]));
});

t.test('8.3.1 a request with host and no :authority is served, and host is its authority', async (t) => {
  const { peer, port, seen } = await serve(t);
  const headers = commonHeaders(port).filter(([n]) => n !== ':authority');
  headersFrame(peer, 1, END, peer.block([...headers, ['host', 'h2.example']]));
  t.equal((await peer.response(1)).status, 200);
  t.equal(seen[0]?.headers.find(([n]) => n === 'host')?.[1], 'h2.example');
});

t.test('8.3.1 a :path that is neither absolute nor "*" is malformed', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformedStrict(t, peer, seen, commonHeaders(port, 'GET', 'index.html'));
});

t.test('8.3.1 :path "*" is valid for OPTIONS', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port, 'OPTIONS', '*')));
  t.equal((await peer.response(1)).status, 200);
  t.equal(seen[0]?.path, '*');
});

t.test('8.3.1 :protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL is malformed (RFC 8441 §4)', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformedStrict(t, peer, seen, [...commonHeaders(port, 'CONNECT', '/chat'), [':protocol', 'websocket']]);
});

t.test('8.3.2 the response starts with :status and carries no request pseudo-header', async (t) => {
  const { peer, port } = await serve(t);
  headersFrame(peer, 1, END, peer.block(commonHeaders(port)));
  const head = await expectResponseHeaders(t, peer, 1);
  t.equal(head.headers?.[0]?.[0], ':status', ':status first');
  t.same(head.headers?.filter(([n]) => n.startsWith(':')).map(([n]) => n), [':status'], 'exactly one pseudo-header');
});

// --- 8.4 server push ---

t.test('8.4 (h2spec http2/8.2/1) PUSH_PROMISE from a client is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer, port } = await serve(t);
  const promised = Buffer.alloc(4);
  promised.writeUInt32BE(3);
  peer.frame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, Buffer.concat([promised, peer.block(commonHeaders(port))]));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

// --- 8.5 CONNECT ---

t.test('8.5 a CONNECT request with :method and :authority only reaches the application', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, Flag.END_HEADERS, peer.block([
    [':method', 'CONNECT'],
    [':authority', `127.0.0.1:${port}`],
  ]));
  await expectResponseHeaders(t, peer, 1);
  t.equal(seen[0]?.method, 'CONNECT');
});

t.test('8.5 CONNECT with :scheme or :path is malformed', async (t) => {
  const { peer, port, seen } = await serve(t);
  await malformedStrict(t, peer, seen, [
    [':method', 'CONNECT'],
    [':authority', `127.0.0.1:${port}`],
    [':path', '/'],
  ]);
});

t.test('8.5 CONNECT without :authority is malformed', async (t) => {
  const { peer, seen } = await serve(t);
  await malformedStrict(t, peer, seen, [[':method', 'CONNECT']]);
});

t.test('8.1.1 a malformed request does not affect the next one', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, END, peer.block([...commonHeaders(port), ['X-Upper', 'x']]));
  await expectRstStream(t, peer, 1, ErrorCode.PROTOCOL_ERROR);
  headersFrame(peer, 3, END, peer.block(commonHeaders(port)));
  t.equal((await peer.response(3)).status, 200);
  t.equal(seen.length, 1);
  t.equal(peer.frames.filter((f) => f.type === FrameType.RST_STREAM).length, 1);
});
