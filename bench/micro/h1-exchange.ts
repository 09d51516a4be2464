/**
 * The JavaScript cost of one whole HTTP/1.1 exchange on the product path, without
 * the kernel: wrk's GET parsed by an H1Connection, a Transaction, the file mount
 * answering a cached 1 KiB file, the response head and body rendered and handed
 * to the socket. The socket is an in-memory Duplex, so the figure excludes the
 * read and write syscalls that a real run adds (see bench/h1-ceiling.mjs).
 * @module
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { Bench } from 'tinybench';
import { H1Connection } from '../../lib/server/h1-connection.js';
import { Transaction } from '../../lib/http/transaction.js';
import { createMountHandler } from '../../mounts/index.js';

/** Just enough of a net.Socket for H1Connection: writes are counted and dropped. */
class MemorySocket extends Duplex {
  written = 0;
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 40000;
  setNoDelay(): this {
    return this;
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.written += chunk.length;
    cb();
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    for (const c of chunks) this.written += c.chunk.length;
    cb();
  }
}

const WRK = Buffer.from('GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n', 'latin1');
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function register(bench: Bench): void {
  const root = mkdtempSync(path.join(tmpdir(), 'sluice-micro-'));
  writeFileSync(path.join(root, 'small.txt'), Buffer.alloc(1024, 'x'));
  const handler = createMountHandler([{ mountpoint: '/', origin: `file://${root}` }], { baseDir: root, callbacks: {} });
  const sockets: MemorySocket[] = [];
  for (let i = 0; i < 64; i++) {
    const socket = new MemorySocket();
    new H1Connection(socket as unknown as Socket, Buffer.alloc(0), { encrypted: false, serverHeader: 'sluice' }, {
      onRequest: (request, response) => void handler(new Transaction(request, response, {})),
    });
    sockets.push(socket);
  }
  /** Send one GET on every connection and wait until each has written its response. */
  const round = async (): Promise<void> => {
    const before = sockets.map((s) => s.written);
    for (const s of sockets) s.emit('data', WRK);
    const deadline = Date.now() + 2000; // a revalidating stat (the lookup cache's TTL) may take a few ticks
    while (sockets.some((s, j) => s.written === before[j])) {
      if (Date.now() > deadline) throw new Error('no response written');
      await tick();
    }
  };
  bench.add('h1 exchange: 64 wrk GETs through mounts (in-memory sockets)', round, { beforeAll: round });
}
