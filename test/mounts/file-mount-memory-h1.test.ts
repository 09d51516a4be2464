/**
 * Acceptance (HTTP/1.1): a client that reads slowly, stopping for whole
 * seconds, downloads a 64 MiB file while the server's buffered bytes stay far
 * below the file size: with no credit on HTTP/1 the file mount paces itself
 * by the socket (each write waits for drain) and holds one chunk at a time.
 */
import http from 'node:http';
import t from 'tap';
import { createMountHandler } from '../../mounts/index.js';
import { start } from '../support/server.js';
import { FILE_BYTES, makeBigFile, MAX_BUFFERED, memoryProbe, MiB, slowRead } from './big-file.js';

t.test('h1: a slowly reading client downloads 64 MiB with the server buffering < 16 MiB', async (t) => {
  const { dir, sha256 } = await makeBigFile(t);
  const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: `file://${dir}` }], { baseDir: dir, callbacks: {} }));
  const probe = memoryProbe();
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get({ host: '127.0.0.1', port, path: '/big.bin', agent: false }, resolve).on('error', reject));
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-length'], String(FILE_BYTES));
  const got = await slowRead(res, 24 * 1024 * 1024, 1000);
  const peak = probe.stop();
  t.equal(got.bytes, FILE_BYTES);
  t.equal(got.sha256, sha256, 'sha256 of the download');
  t.comment(`peak above baseline: arrayBuffers ${MiB(peak.arrayBuffers)} (after full GCs ${MiB(peak.afterFullGc)}), rss ${MiB(peak.rss)}`);
  t.ok(peak.afterFullGc < MAX_BUFFERED, `live buffered bytes ${MiB(peak.afterFullGc)} < 16 MiB`);
});
