/**
 * The file mount through curl, over HTTP/1.1, HTTP/2 prior knowledge and
 * HTTP/2 over TLS (ALPN): compressed transfer decoded by curl, multi-range,
 * conditional requests, HEAD, and traversal sent with --path-as-is.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { createMountHandler } from '../../mounts/index.js';
import { havePeer, start } from '../support/server.js';
import { testCert } from '../support/tls.js';
import { makeSite } from './site.js';

const run = promisify(execFile);

interface CurlReply {
  status: number;
  version: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** Run curl; the last response's status line, headers and body. */
async function curl(t: Test, args: string[]): Promise<CurlReply> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-curl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const head = path.join(dir, 'head');
  const body = path.join(dir, 'body');
  await run('curl', ['-sS', '--max-time', '30', '-D', head, '-o', body, ...args]);
  const blocks = readFileSync(head, 'latin1').trim().split(/\r\n\r\n/);
  const lines = blocks.at(-1)!.split('\r\n');
  const [version = '', status = '0'] = lines[0]!.split(' ');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
  // curl creates no output file for an empty body (304, HEAD).
  return { status: Number(status), version, headers, body: existsSync(body) ? readFileSync(body) : Buffer.alloc(0) };
}

const MODES: Array<[string, string[], boolean]> = [
  ['h1', ['--http1.1'], false],
  ['h2 prior knowledge', ['--http2-prior-knowledge'], false],
  ['h2 over TLS (ALPN)', ['--http2', '-k'], true],
];

for (const [name, flags, tls] of MODES) {
  t.test(`curl ${name}`, async (t) => {
    if (!havePeer(t, 'curl')) return;
    const site = makeSite(t);
    const { url } = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {} }), tls ? { tls: testCert() } : {});
    const get = await curl(t, [...flags, `${url}/hello.txt`]);
    t.equal(get.status, 200);
    t.equal(get.version, name === 'h1' ? 'HTTP/1.1' : 'HTTP/2', 'the protocol asked for');
    t.equal(get.body.toString(), 'hello world\n');

    const compressed = await curl(t, [...flags, '--compressed', `${url}/style.css`]);
    t.equal(compressed.headers['content-encoding'], 'br', 'curl offers br, zstd, gzip: br preferred');
    t.equal(compressed.headers.vary, 'accept-encoding');
    t.equal(compressed.body.toString(), site.css, 'curl decoded it back to the file');

    const ranges = await curl(t, [...flags, '-r', '0-9,100-109', `${url}/big.bin`]);
    t.equal(ranges.status, 206);
    t.match(ranges.headers['content-type'], /^multipart\/byteranges; boundary=/);
    t.equal(Number(ranges.headers['content-length']), ranges.body.length);
    const single = await curl(t, [...flags, '-r', '-16', `${url}/big.bin`]);
    t.equal(single.status, 206);
    t.ok(single.body.equals(site.big.subarray(-16)));

    const etag = get.headers.etag!;
    t.equal((await curl(t, [...flags, '-H', `If-None-Match: ${etag}`, `${url}/hello.txt`])).status, 304);
    t.equal((await curl(t, [...flags, '-z', get.headers['last-modified']!, `${url}/hello.txt`])).status, 304, 'curl -z sends If-Modified-Since');
    t.equal((await curl(t, [...flags, '-H', 'If-Match: "nope"', `${url}/hello.txt`])).status, 412);

    const head = await curl(t, [...flags, '-I', `${url}/big.bin`]);
    t.equal(head.status, 200);
    t.equal(head.headers['content-length'], String(site.big.length));
    t.equal(head.headers['accept-ranges'], 'bytes');

    const trav = await curl(t, [...flags, '--path-as-is', `${url}/../outside/secret.txt`]);
    t.equal(trav.status, 400);
    const enc = await curl(t, [...flags, '--path-as-is', `${url}/%2e%2e/outside/secret.txt`]);
    t.equal(enc.status, 400);
    // Not -L: curl 7.88's second request on a reused prior-knowledge h2 connection fails (against node:http2 too).
    const redirect = await curl(t, [...flags, `${url}/docs`]);
    t.equal(redirect.status, 301);
    t.equal(redirect.headers.location, '/docs/');
  });
}
