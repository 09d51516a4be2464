/**
 * The file mount through undici, over HTTP/1.1 and over HTTP/2 (TLS, ALPN,
 * allowH2): ranges, validators and precompressed siblings from another real client.
 */
import t from 'tap';
import { Agent, request } from 'undici';
import { createMountHandler } from '../../mounts/index.js';
import { start } from '../support/server.js';
import { testCert } from '../support/tls.js';
import { makeSite } from './site.js';

for (const allowH2 of [false, true]) {
  t.test(`undici ${allowH2 ? 'h2 (ALPN)' : 'h1 (TLS)'}`, async (t) => {
    const site = makeSite(t);
    const mounts = createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {} });
    const protocols = new Set<string>();
    const { url } = await start(t, (tx) => (protocols.add(tx.protocol), mounts(tx)), { tls: testCert() });
    const dispatcher = new Agent({ allowH2, connect: { rejectUnauthorized: false } });
    t.teardown(() => dispatcher.close());
    const get = async (p: string, headers: Record<string, string> = {}) => {
      const r = await request(`${url}${p}`, { dispatcher, headers });
      return { status: r.statusCode, headers: r.headers, body: Buffer.from(await r.body.arrayBuffer()) };
    };
    const big = await get('/big.bin');
    t.equal(big.status, 200);
    t.ok(big.body.equals(site.big));
    const part = await get('/big.bin', { range: 'bytes=10-19' });
    t.equal(part.status, 206);
    t.equal(part.headers['content-range'], `bytes 10-19/${site.big.length}`);
    t.ok(part.body.equals(site.big.subarray(10, 20)));
    const nm = await get('/big.bin', { 'if-none-match': String(big.headers.etag) });
    t.equal(nm.status, 304);
    const gz = await get('/app.js', { 'accept-encoding': 'gzip' });
    t.equal(gz.headers['content-encoding'], 'gzip');
    t.equal(gz.headers.vary, 'accept-encoding');
    t.equal(gz.body[0], 0x1f, 'gzip bytes, as stored');
    t.same([...protocols], [allowH2 ? 'h2' : 'h1'], 'the protocol undici negotiated');
  });
}
