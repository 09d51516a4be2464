/**
 * Acceptance (HTTP/2): a client holding a tiny window (16 KiB per stream) and
 * pausing for whole seconds downloads a 64 MiB file while the server's buffered
 * bytes stay far below the file size: the file mount reads the next chunk only
 * when the peer's credit lets it send. The probe is shown to see a whole-file
 * read first, so the bound can fail.
 */
import { readFile } from 'node:fs/promises';
import http2 from 'node:http2';
import t from 'tap';
import { createMountHandler } from '../../mounts/index.js';
import { start } from '../support/server.js';
import { FILE_BYTES, makeBigFile, MAX_BUFFERED, memoryProbe, MiB, slowRead } from './big-file.js';

t.test('h2: a 16 KiB-window client downloads 64 MiB with the server buffering < 16 MiB', async (t) => {
  const { dir, file, sha256 } = await makeBigFile(t);

  const control = memoryProbe();
  const held = await readFile(file);
  await new Promise((r) => setTimeout(r, 150));
  const seen = control.stop();
  t.ok(seen.afterFullGc > MAX_BUFFERED * 2, `the probe sees a whole-file read: ${MiB(seen.afterFullGc)}`);
  t.equal(held.length, FILE_BYTES);

  const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: `file://${dir}` }], { baseDir: dir, callbacks: {} }));
  const session = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 16 * 1024 } });
  t.teardown(() => session.close());
  const probe = memoryProbe();
  const req = session.request({ ':path': '/big.bin' });
  const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => req.once('response', resolve));
  t.equal(headers[':status'], 200);
  t.equal(headers['content-length'], String(FILE_BYTES));
  const got = await slowRead(req, 24 * 1024 * 1024, 1000);
  const peak = probe.stop();
  t.equal(got.bytes, FILE_BYTES);
  t.equal(got.sha256, sha256, 'sha256 of the download');
  t.comment(`peak above baseline: arrayBuffers ${MiB(peak.arrayBuffers)} (after full GCs ${MiB(peak.afterFullGc)}), rss ${MiB(peak.rss)}`);
  t.ok(peak.afterFullGc < MAX_BUFFERED, `live buffered bytes ${MiB(peak.afterFullGc)} < 16 MiB`);
});
