/**
 * RFC 9113 §3.4 (RFC 7540 §3.5): the connection preface, on the cleartext
 * port (prior knowledge) and over TLS (ALPN "h2").
 * h2spec: http2 3.5 (2 cases), generic 1 (1 case).
 */
import t from 'tap';
import { Flag, FrameType, H2Peer, PREFACE, SettingsId } from '../support/h2-peer.js';
import { testCert } from '../support/tls.js';
import { ErrorCode, expectAlive, expectConnectionError, expectResponseHeaders, serve } from '../support/conformance.js';

const settingsFrame = (params: Array<[number, number]>): Buffer => {
  const b = Buffer.alloc(9 + params.length * 6);
  b.writeUIntBE(params.length * 6, 0, 3);
  b[3] = FrameType.SETTINGS;
  params.forEach(([id, v], i) => {
    b.writeUInt16BE(id, 9 + i * 6);
    b.writeUInt32BE(v, 11 + i * 6);
  });
  return b;
};

t.test('3.4 (h2spec http2/3.5/1, generic/1/1) the server connection preface: its first frame is SETTINGS without ACK', async (t) => {
  const { peer } = await serve(t, { raw: true });
  peer.write(PREFACE);
  peer.write(settingsFrame([[SettingsId.INITIAL_WINDOW_SIZE, 65_535]]));
  const first = await peer.next();
  t.equal(first, peer.frames[0], 'the very first frame');
  t.equal(first.type, FrameType.SETTINGS, 'is SETTINGS');
  t.equal(first.flags & Flag.ACK, 0, 'without ACK');
  t.equal(first.streamId, 0, 'on stream 0');
});

t.test('3.4 (h2spec http2/3.5/2) an invalid connection preface closes the connection: nothing but a GOAWAY PROTOCOL_ERROR may be sent', async (t) => {
  const { peer } = await serve(t, { raw: true });
  peer.write(Buffer.from('INVALID CONNECTION PREFACE\r\n\r\n', 'latin1'));
  await peer.closedByServer();
  const bytes = Buffer.concat(peer.received);
  const onlyGoaway = bytes.length === 0 || (peer.frames.length === 1 && peer.frames[0]!.type === FrameType.GOAWAY && peer.frames[0]!.payload.readUInt32BE(4) === ErrorCode.PROTOCOL_ERROR);
  t.ok(onlyGoaway, 'closed with no bytes, or with only GOAWAY PROTOCOL_ERROR', { received: bytes.toString('latin1').slice(0, 80) });
});

t.test('3.4 an invalid connection preface over TLS (ALPN h2) is a connection error PROTOCOL_ERROR', async (t) => {
  const cert = testCert();
  const { peer } = await serve(t, { raw: true, tls: true, server: { tls: { cert: cert.cert, key: cert.key } } });
  peer.write(Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n', 'latin1'));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
  t.equal(peer.frames[0]?.type, FrameType.SETTINGS, 'the server preface went first');
});

t.test('3.4 a cleartext preface whose first line is right but whose rest is wrong is a connection error PROTOCOL_ERROR, never HTTP/1 text', async (t) => {
  const { peer } = await serve(t, { raw: true });
  peer.write(Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n', 'latin1'));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
  t.notMatch(Buffer.concat(peer.received).toString('latin1'), /^HTTP\/1/, 'no HTTP/1 status line');
});

t.test('3.4 the client preface must be followed by SETTINGS: another first frame is a connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t, { raw: true });
  peer.write(PREFACE);
  peer.ping(Buffer.alloc(8));
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
  t.notOk(peer.frames.some((f) => f.type === FrameType.PING), 'the PING is not answered');
});

t.test('3.4 a SETTINGS ACK is not the client preface SETTINGS: connection error PROTOCOL_ERROR', async (t) => {
  const { peer } = await serve(t, { raw: true });
  peer.write(PREFACE);
  peer.frame(FrameType.SETTINGS, Flag.ACK, 0);
  await expectConnectionError(t, peer, [ErrorCode.PROTOCOL_ERROR]);
});

t.test('3.4 the preface and SETTINGS may arrive one octet at a time', async (t) => {
  const { peer, port } = await serve(t, { raw: true });
  const bytes = Buffer.concat([PREFACE, settingsFrame([[SettingsId.MAX_CONCURRENT_STREAMS, 100]])]);
  for (let i = 0; i < bytes.length; i++) {
    peer.write(bytes.subarray(i, i + 1));
    if (i % 8 === 0) await new Promise((r) => setImmediate(r));
  }
  await peer.next((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0);
  await peer.settingsAck();
  peer.frame(FrameType.SETTINGS, Flag.ACK, 0);
  peer.headers(1, [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', `127.0.0.1:${port}`],
  ], { endStream: true });
  await expectResponseHeaders(t, peer, 1);
});

t.test('3.4 the SETTINGS of the client preface are acknowledged', async (t) => {
  const { peer } = await serve(t, { raw: true });
  peer.write(PREFACE);
  peer.write(settingsFrame([[SettingsId.INITIAL_WINDOW_SIZE, 1000]]));
  const ack = await peer.settingsAck();
  t.equal(ack.payload.length, 0, 'an empty SETTINGS with ACK');
  t.equal(ack.streamId, 0);
  await expectAlive(t, peer);
});

t.test('3.4/6.5.2 the server preface does not enable push: SETTINGS_ENABLE_PUSH is absent or 0', async (t) => {
  const { peer } = await serve(t);
  const push = peer.serverSettings.get(SettingsId.ENABLE_PUSH);
  t.ok(push === undefined || push === 0, 'a server MUST NOT send SETTINGS_ENABLE_PUSH other than 0', { push });
});

t.test('3.4 TLS with ALPN h2 speaks HTTP/2 from the first octet', async (t) => {
  const cert = testCert();
  const { peer, port } = await serve(t, { tls: true, server: { tls: { cert: cert.cert, key: cert.key } } });
  t.type(peer, H2Peer);
  peer.headers(1, [
    [':method', 'GET'],
    [':scheme', 'https'],
    [':path', '/'],
    [':authority', `127.0.0.1:${port}`],
  ], { endStream: true });
  const res = await peer.response(1);
  t.equal(res.status, 200);
});
