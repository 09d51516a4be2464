/**
 * RFC 9110 §9.1: a method the server does not recognise gets 501 Not
 * Implemented before any handler runs, over HTTP/1.1 and HTTP/2; 405 stays
 * for a known method a mount refuses. Methods are case-sensitive, so a
 * lowercase `get` is unknown. `extraMethods` lets handlers take more.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { KNOWN_METHODS } from '../../lib/server/server.js';
import { createMountHandler } from '../../mounts/index.js';
import { fetchOver } from '../support/fetch.js';
import { H2Peer } from '../support/h2-peer.js';
import { RawClient } from '../support/raw-socket.js';
import { havePeer, start } from '../support/server.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'sluice-methods-'));
writeFileSync(join(dir, 'index.html'), '<p>hi</p>\n');

/** A handler that says which method reached it: a 501 must come from before it. */
const echoMethod = (seen: string[]) => (tx: import('../../lib/index.js').Transaction) => {
  seen.push(tx.request.method);
  return tx.respond(200, [['content-type', 'text/plain']], `handled ${tx.request.method}\n`);
};

t.test('HTTP/1.1: unknown methods get 501 and never reach the handler; known ones do', async (t) => {
  const seen: string[] = [];
  const { port } = await start(t, echoMethod(seen));
  for (const method of ['get', 'BREW', 'PROPFIND', 'Post']) {
    const c = await RawClient.connect(port);
    c.write(`${method} / HTTP/1.1\r\nHost: x\r\n\r\n`);
    const r = await c.readResponse(method);
    t.equal(r.status, 501, `${method} → 501`);
    t.equal(r.body.toString(), 'Not Implemented\n');
    // The connection stays usable: 501 is an answer, not a protocol error.
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    t.equal((await c.readResponse()).status, 200, `after ${method}, the same connection serves GET`);
    c.close();
  }
  for (const method of KNOWN_METHODS.filter((m) => m !== 'CONNECT')) {
    const r = await fetchOver('h1', port, { method, path: '/' });
    t.equal(r.status, 200, `${method} reaches the handler`);
  }
  t.notOk(seen.some((m) => m !== m.toUpperCase() || m === 'BREW' || m === 'PROPFIND'), `the handler saw only known methods: ${seen.join(' ')}`);
});

t.test('HTTP/2: unknown methods get 501 on their stream, the connection carries on', async (t) => {
  const seen: string[] = [];
  const { port } = await start(t, echoMethod(seen));
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  peer.request(1, '/', { method: 'get' });
  peer.request(3, '/', { method: 'BREW' });
  peer.request(5, '/', { method: 'GET' });
  const [a, b, c] = await Promise.all([peer.response(1), peer.response(3), peer.response(5)]);
  t.equal(a.status, 501, 'lowercase get → 501');
  t.equal(a.body.toString(), 'Not Implemented\n');
  t.equal(b.status, 501, 'BREW → 501');
  t.equal(c.status, 200, 'GET on the same connection → 200');
  t.same(seen, ['GET'], 'only GET reached the handler');
  // Node's own http2 client, for a second opinion.
  const r = await fetchOver('h2', port, { method: 'PURGE', path: '/' });
  t.equal(r.status, 501, 'PURGE from node:http2 → 501');
});

t.test('extraMethods: methods a handler implements pass through', async (t) => {
  const seen: string[] = [];
  const { port } = await start(t, echoMethod(seen), { extraMethods: ['PROPFIND'] });
  t.equal((await fetchOver('h1', port, { method: 'PROPFIND', path: '/' })).status, 200);
  t.equal((await fetchOver('h2', port, { method: 'PROPFIND', path: '/' })).status, 200);
  t.equal((await fetchOver('h1', port, { method: 'PROPPATCH', path: '/' })).status, 501, 'another unknown one is still 501');
  t.same(seen, ['PROPFIND', 'PROPFIND']);
});

t.test('a file mount: 405 with Allow for a known method it refuses, 501 for an unknown one (curl)', async (t) => {
  if (!havePeer(t, 'curl')) return;
  const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: `file://${dir}` }], { baseDir: dir, callbacks: {} }));
  const status = async (args: string[]): Promise<string> => (await run('curl', ['-s', '-o', '/dev/null', '-D', '-', ...args, `http://127.0.0.1:${port}/index.html`])).stdout;
  for (const proto of [['--http1.1'], ['--http2-prior-knowledge']]) {
    const del = await status([...proto, '-X', 'DELETE']);
    t.match(del, /^HTTP\/[12](\.1)? 405/, `${proto[0]} DELETE → 405`);
    t.match(del, /allow: GET, HEAD/i, 'with Allow');
    t.match(await status([...proto, '-X', 'delete']), /^HTTP\/[12](\.1)? 501/, `${proto[0]} delete → 501`);
    t.match(await status([...proto, '-X', 'FROB']), /^HTTP\/[12](\.1)? 501/, `${proto[0]} FROB → 501`);
  }
});
