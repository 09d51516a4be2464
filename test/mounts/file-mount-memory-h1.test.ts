/**
 * Acceptance (HTTP/1.1): a client that reads slowly downloads a 64 MiB file
 * while the server's buffered bytes stay far below the file size: with no
 * credit on HTTP/1 the file mount paces itself by the socket (each write
 * waits for drain) and holds one chunk at a time. The slow client is curl
 * with --limit-rate in its own process, so every byte the probe counts is the
 * server's.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { createMountHandler } from '../../mounts/index.js';
import { havePeer, start } from '../support/server.js';
import { FILE_BYTES, makeBigFile, MAX_BUFFERED, memoryProbe, MiB } from './big-file.js';

t.test('h1: a slowly reading client downloads 64 MiB with the server buffering < 16 MiB', async (t) => {
  if (!havePeer(t, 'curl')) return;
  const { dir, sha256 } = await makeBigFile(t);
  const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: `file://${dir}` }], { baseDir: dir, callbacks: {} }));
  const out = path.join(dir, 'download.bin');
  const probe = memoryProbe();
  const head = await new Promise<string>((resolve, reject) =>
    execFile('curl', ['-sS', '--http1.1', '--limit-rate', '16M', '-D', '-', '-o', out, `http://127.0.0.1:${port}/big.bin`], { timeout: 60_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    ),
  );
  const peak = probe.stop();
  t.match(head, /^HTTP\/1\.1 200 /);
  t.match(head, new RegExp(`content-length: ${FILE_BYTES}\\r\\n`, 'i'));
  const body = readFileSync(out);
  t.equal(body.length, FILE_BYTES);
  t.equal(createHash('sha256').update(body).digest('hex'), sha256, 'sha256 of the download');
  t.comment(`peak above baseline: arrayBuffers ${MiB(peak.arrayBuffers)} (after full GCs ${MiB(peak.afterFullGc)}), rss ${MiB(peak.rss)}`);
  t.ok(peak.afterFullGc < MAX_BUFFERED, `live buffered bytes ${MiB(peak.afterFullGc)} < 16 MiB`);
});
