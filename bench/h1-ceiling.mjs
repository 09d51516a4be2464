#!/usr/bin/env node
// bench/h1-ceiling.mjs — what any HTTP/1.1 server written on Node's `net` can reach on this machine
// under `wrk -t1 -c64`: a bare socket server that answers every read with one fixed 1 KiB response
// (no parsing, no routing, no headers built), optionally burning SPIN_US of CPU per request to stand
// for the work a real server does. Not a server: a yardstick for bench/RESULTS.md.
//
//   node bench/h1-ceiling.mjs [PORT] [SPIN_US]
//   wrk -t1 -c64 -d5 http://127.0.0.1:PORT/small.txt
import net from 'node:net';

const port = Number(process.argv[2] ?? 9330);
const spinNs = BigInt(Math.round(Number(process.argv[3] ?? 0) * 1000));
const body = Buffer.alloc(1024, 'a');
const head = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1024\r\nETag: "400-0"\r\n' +
    'Last-Modified: Tue, 01 Dec 2026 00:00:00 GMT\r\nDate: Tue, 01 Dec 2026 00:00:00 GMT\r\n\r\n',
);
const response = Buffer.concat([head, body]);

net
  .createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.on('data', () => {
      if (spinNs > 0n) {
        const t0 = process.hrtime.bigint();
        while (process.hrtime.bigint() - t0 < spinNs);
      }
      socket.write(response);
    });
  })
  .listen(port, '127.0.0.1', () => console.log(`h1 ceiling on 127.0.0.1:${port}, spin ${spinNs / 1000n} us per request`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
