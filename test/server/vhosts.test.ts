/**
 * Virtual hosts: chosen by Host (h1) and :authority (h2), with wildcards and a
 * default; each with its own handler and extra response headers; Date and
 * Server on or off per vhost; and by SNI for the TLS certificate.
 */
import tls from 'node:tls';
import t from 'tap';
import type { Transaction, VhostOptions } from '../../lib/index.js';
import { fetchOver, type Proto } from '../support/fetch.js';
import { start } from '../support/server.js';
import { testCert } from '../support/tls.js';

const answer = (label: string) => (tx: Transaction) => tx.respond(200, { 'content-type': 'text/plain' }, `${label}:${tx.vhost}:${tx.request.hostname}`);

const vhosts: VhostOptions[] = [
  { name: 'default.test', handler: answer('D') },
  { name: 'a.test', hostnames: ['alias-a.test'], handler: answer('A'), response: { headers: [['x-content-type-options', 'nosniff']] } },
  { name: 'wild', hostnames: ['*.b.test'], handler: answer('W'), response: { date: false, server: false } },
  { name: 'deep', hostnames: ['*.x.b.test'], handler: answer('X'), response: { server: 'custom/1' } },
];

for (const proto of ['h1', 'h2'] as Proto[]) {
  const host = (name: string): Record<string, string> => (proto === 'h1' ? { host: name } : { ':authority': name });

  t.test(`${proto}: the vhost is chosen by ${proto === 'h1' ? 'Host' : ':authority'}`, async (t) => {
    const { port } = await start(t, () => void t.fail('the server-level handler is unused'), { vhosts });
    const cases: Array<[string, string]> = [
      ['a.test', 'A:a.test:a.test'],
      ['A.TEST:8080', 'A:a.test:a.test'],
      ['alias-a.test', 'A:a.test:alias-a.test'],
      ['one.b.test', 'W:wild:one.b.test'],
      ['two.one.b.test', 'W:wild:two.one.b.test'],
      ['y.x.b.test', 'X:deep:y.x.b.test'],
      ['b.test', 'D:default.test:b.test'],
      ['unknown.example', 'D:default.test:unknown.example'],
    ];
    for (const [name, expected] of cases) {
      const r = await fetchOver(proto, port, { headers: host(name) });
      t.equal(r.body.toString(), expected, name);
    }
  });

  t.test(`${proto}: per-vhost headers, and Date/Server turned off or changed`, async (t) => {
    const { port } = await start(t, () => {}, { vhosts });
    const a = await fetchOver(proto, port, { headers: host('a.test') });
    t.equal(a.headers['x-content-type-options'], 'nosniff', 'the vhost header');
    t.ok(a.headers.date, 'Date by default');
    t.equal(a.headers.server, 'sluice', 'Server by default');
    const w = await fetchOver(proto, port, { headers: host('q.b.test') });
    t.equal(w.headers['x-content-type-options'], undefined, 'not on other vhosts');
    t.equal(w.headers.date, undefined, 'Date off');
    t.equal(w.headers.server, undefined, 'Server off');
    const x = await fetchOver(proto, port, { headers: host('q.x.b.test') });
    t.equal(x.headers.server, 'custom/1');
  });
}

function peerCertCN(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.destroy();
      resolve(String(cn));
    });
    socket.on('error', reject);
  });
}

t.test('TLS: the certificate is chosen by SNI, the default vhost\'s for unknown names', async (t) => {
  const main = testCert();
  const other = testCert('a.test');
  const { port } = await start(t, () => {}, {
    vhosts: [
      { name: 'localhost', handler: answer('L'), tls: { cert: main.cert, key: main.key } },
      { name: 'a.test', hostnames: ['*.a.test'], handler: answer('A'), tls: { cert: other.cert, key: other.key } },
    ],
  });
  t.equal(await peerCertCN(port, 'a.test'), 'a.test');
  t.equal(await peerCertCN(port, 'www.a.test'), 'a.test', 'wildcard');
  t.equal(await peerCertCN(port, 'localhost'), 'localhost');
  t.equal(await peerCertCN(port, 'nobody.test'), 'localhost', 'default certificate');
});

t.test('createServer without a handler or vhosts is a clear error', async (t) => {
  const { createServer } = await import('../../lib/index.js');
  t.throws(() => createServer({}), { code: 'SLUICE_ERR_CONFIG' });
});
