/**
 * The opening handshake as pure functions: RFC 6455 §4.2.1/§4.2.2 on HTTP/1.1,
 * RFC 8441 §4-5 on HTTP/2, subprotocol selection, permessage-deflate negotiation.
 */
import t from 'tap';
import { negotiateDeflate } from '../../lib/ws/deflate.js';
import { acceptFields, acceptKey, isWebSocketRequest, parseSubprotocols, selectSubprotocol, validateHandshake, type HandshakeRequest } from '../../lib/ws/handshake.js';

function req(init: { method?: string; httpVersion?: string; upgradeProtocol?: string | null; headers?: Record<string, string> }): HandshakeRequest {
  const headers = init.headers ?? {};
  return {
    method: init.method ?? 'GET',
    httpVersion: init.httpVersion ?? '1.1',
    upgradeProtocol: init.upgradeProtocol ?? null,
    header: (n) => headers[n],
  };
}

const good = {
  upgrade: 'websocket',
  connection: 'Upgrade',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  'sec-websocket-version': '13',
};

t.test('accept hash: the RFC 6455 §1.3 example', async (t) => {
  t.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

t.test('which requests are WebSocket requests', async (t) => {
  t.ok(isWebSocketRequest(req({ headers: { upgrade: 'websocket' } })));
  t.ok(isWebSocketRequest(req({ headers: { upgrade: 'foo, WebSocket' } })), 'token list, case-insensitive');
  t.notOk(isWebSocketRequest(req({ headers: {} })), 'plain GET');
  t.notOk(isWebSocketRequest(req({ headers: { upgrade: 'h2c' } })));
  t.ok(isWebSocketRequest(req({ method: 'CONNECT', httpVersion: '2', upgradeProtocol: 'websocket' })), 'RFC 8441 extended CONNECT');
  t.notOk(isWebSocketRequest(req({ method: 'GET', httpVersion: '2', upgradeProtocol: 'websocket' })), 'h2 needs CONNECT');
  t.notOk(isWebSocketRequest(req({ method: 'CONNECT', httpVersion: '2', upgradeProtocol: null })), 'plain CONNECT');
});

t.test('a valid h1 handshake', async (t) => {
  const hs = validateHandshake(req({ headers: { ...good, 'sec-websocket-protocol': 'chat, superchat' } }));
  t.ok(hs.ok);
  if (!hs.ok) return;
  t.equal(hs.transport, 'h1');
  t.same(hs.offeredProtocols, ['chat', 'superchat']);
  const fields = acceptFields(hs, { name: 'chat', echo: 'chat' }, null);
  t.same(fields, { upgrade: 'websocket', 'sec-websocket-accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'sec-websocket-protocol': 'chat' });
});

t.test('h1 refusals: 400 for a bad request or key, 426 + Sec-WebSocket-Version: 13 for a version', async (t) => {
  const cases: Array<[string, Parameters<typeof req>[0], number, RegExp]> = [
    ['POST', { method: 'POST', headers: good }, 400, /GET/],
    ['HTTP/1.0', { httpVersion: '1.0', headers: good }, 400, /HTTP\/1\.1/],
    ['no Connection: Upgrade', { headers: { ...good, connection: 'keep-alive' } }, 400, /Connection/],
    ['missing key', { headers: { ...good, 'sec-websocket-key': undefined as unknown as string } }, 400, /missing Sec-WebSocket-Key/],
    ['short key', { headers: { ...good, 'sec-websocket-key': 'AAAA' } }, 400, /16 bytes/],
    ['key of 17 bytes', { headers: { ...good, 'sec-websocket-key': Buffer.alloc(17).toString('base64') } }, 400, /16 bytes/],
    ['two keys', { headers: { ...good, 'sec-websocket-key': `${good['sec-websocket-key']}, ${good['sec-websocket-key']}` } }, 400, /16 bytes/],
    ['version 8', { headers: { ...good, 'sec-websocket-version': '8' } }, 426, /speaks 13/],
    ['no version', { headers: { ...good, 'sec-websocket-version': undefined as unknown as string } }, 426, /missing/],
    ['bad subprotocol token', { headers: { ...good, 'sec-websocket-protocol': 'a b' } }, 400, /not a token/],
    ['duplicate subprotocol', { headers: { ...good, 'sec-websocket-protocol': 'a, a' } }, 400, /twice/],
  ];
  for (const [name, init, status, body] of cases) {
    const hs = validateHandshake(req(init));
    t.equal(hs.ok, false, name);
    if (hs.ok) continue;
    t.equal(hs.status, status, `${name}: status`);
    t.match(hs.body, body, `${name}: body says why`);
    if (status === 426) t.equal(hs.headers['sec-websocket-version'], '13', `${name}: names the version we speak`);
  }
});

t.test('h2 (RFC 8441): no key, version 13 required, 200 fields without accept', async (t) => {
  const h2 = (headers: Record<string, string>) => req({ method: 'CONNECT', httpVersion: '2', upgradeProtocol: 'websocket', headers });
  const hs = validateHandshake(h2({ 'sec-websocket-version': '13', 'sec-websocket-protocol': 'echo' }));
  t.ok(hs.ok);
  if (hs.ok) {
    t.equal(hs.transport, 'h2');
    t.equal(hs.key, null);
    t.same(acceptFields(hs, { name: 'echo', echo: 'echo' }, null), { 'sec-websocket-protocol': 'echo' });
  }
  const bad = validateHandshake(h2({ 'sec-websocket-version': '12' }));
  t.equal(bad.ok, false);
  if (!bad.ok) {
    t.equal(bad.status, 426);
    t.equal(bad.headers['sec-websocket-version'], '13');
  }
});

t.test('subprotocol selection', async (t) => {
  t.same(selectSubprotocol(['x', 'echo', 'lws-minimal'], ['lws-minimal', 'echo'], null), { name: 'echo', echo: 'echo' }, "client's preference order");
  t.same(selectSubprotocol([], ['lws-minimal', 'echo'], 'lws-minimal'), { name: 'lws-minimal', echo: null }, 'default, nothing echoed');
  t.same(selectSubprotocol(['nope'], ['lws-minimal'], 'lws-minimal'), { name: 'lws-minimal', echo: null }, 'unknown offers fall back to the default');
  const r = selectSubprotocol(['nope', 'nada'], ['echo'], null);
  t.equal('ok' in r && r.status, 400);
  t.match('body' in r ? r.body : '', /nope, nada.*available: echo/);
  const none = selectSubprotocol([], ['echo'], null);
  t.equal('ok' in none && none.status, 400);
  t.match('body' in none ? none.body : '', /needs a WebSocket subprotocol/);
  t.same(parseSubprotocols(' a ,b'), ['a', 'b']);
  t.same(parseSubprotocols(undefined), []);
});

t.test('permessage-deflate negotiation (RFC 7692)', async (t) => {
  t.equal(negotiateDeflate('permessage-deflate', undefined, 1000), null, 'off unless configured');
  t.equal(negotiateDeflate(undefined, true, 1000), null, 'no offer');
  t.equal(negotiateDeflate('x-webkit-deflate-frame', true, 1000), null, 'other extensions ignored');
  const ok = negotiateDeflate('permessage-deflate; client_max_window_bits', true, 1000);
  t.ok(ok && !('ok' in ok));
  if (ok && !('ok' in ok)) {
    t.match(ok.header, /^permessage-deflate/);
    t.equal(ok.threshold, 1024);
  }
  const nct = negotiateDeflate('permessage-deflate', { serverNoContextTakeover: true, threshold: 0 }, 1000);
  t.match(nct && !('ok' in nct) ? nct.header : '', /server_no_context_takeover/);
  t.equal(negotiateDeflate('permessage-deflate; server_max_window_bits=7', true, 1000), null, 'invalid parameter: declined, not refused');
  const broken = negotiateDeflate('permessage-deflate; =', true, 1000);
  t.equal(broken && 'ok' in broken && broken.status, 400, 'unparseable header: 400');
});
