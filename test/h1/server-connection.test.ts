/**
 * HTTP/1.1 connection behaviour over real sockets (issue 3): pipelining in
 * strict order, keep-alive reuse, 100-continue, HTTP/1.0 close-delimited
 * bodies, request-body back-pressure, and the three timeouts (slowloris
 * headers, keep-alive idle, body idle).
 */
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { Transaction } from '../../lib/index.js';
import { RawClient, exchange, field } from '../support/raw-socket.js';
import { start } from '../support/server.js';

const HOST = 'Host: h\r\n';

t.test('pipelining: five requests in one write are answered strictly in order, one handler at a time', async (t) => {
  const log: string[] = [];
  const ports = new Set<number | undefined>();
  const { port } = await start(t, async (tx: Transaction) => {
    const path = tx.request.path;
    ports.add(tx.request.remotePort);
    log.push(`start ${path}`);
    // The first handler is slow: a later response must not overtake it.
    if (path === '/slow') await sleep(200);
    const body = await tx.request.body.bytes();
    log.push(`end ${path}`);
    await tx.respond(200, { 'x-path': path, 'x-method': tx.request.method }, `${path}:${body.toString()}`);
  });
  const client = await RawClient.connect(port);
  t.teardown(() => client.close());
  client.write(
    `GET /slow HTTP/1.1\r\n${HOST}\r\n` +
      `POST /echo HTTP/1.1\r\n${HOST}Content-Length: 5\r\n\r\nhello` +
      `HEAD /head HTTP/1.1\r\n${HOST}\r\n` +
      `POST /chunked HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2;x=y\r\ncd\r\n0\r\nX-T: 1\r\n\r\n` +
      `GET /last HTTP/1.1\r\n${HOST}\r\n`,
  );
  const methods = ['GET', 'POST', 'HEAD', 'POST', 'GET'];
  const got: string[] = [];
  for (const method of methods) {
    const r = await client.readResponse(method);
    t.equal(r.status, 200);
    t.equal(field(r, 'x-method'), method, `response for the ${method} in its place`);
    got.push(`${field(r, 'x-path')} ${r.body.toString()}`);
  }
  t.same(got, ['/slow /slow:', '/echo /echo:hello', '/head ', '/chunked /chunked:abcd', '/last /last:'], 'in request order, HEAD without a body');
  t.same(
    log,
    ['/slow', '/echo', '/head', '/chunked', '/last'].flatMap((p) => [`start ${p}`, `end ${p}`]),
    'each handler starts after the previous one ended',
  );
  t.equal(ports.size, 1, 'one connection');
  t.equal(client.pending.length, 0, 'nothing extra');
  t.notOk(client.ended, 'still open');
});

t.test('keep-alive: 1,000 requests one after another on one socket', async (t) => {
  const ports = new Set<number | undefined>();
  let served = 0;
  const { port, server } = await start(t, (tx) => {
    ports.add(tx.request.remotePort);
    served++;
    return tx.respond(200, { 'content-type': 'text/plain' }, tx.request.search);
  });
  const client = await RawClient.connect(port);
  t.teardown(() => client.close());
  let wrong = 0;
  for (let i = 0; i < 1000; i++) {
    client.write(`GET /n?${i} HTTP/1.1\r\n${HOST}\r\n`);
    const r = await client.readResponse();
    if (r.status !== 200 || r.body.toString() !== String(i) || field(r, 'connection') !== undefined) wrong++;
  }
  t.equal(wrong, 0, 'every response right, none asking to close');
  t.equal(served, 1000);
  t.equal(ports.size, 1, 'all from one client port');
  t.equal(server.connections, 1, 'the server saw one connection');
  t.notOk(client.ended, 'still open');
});

t.test('keep-alive: 1,000 requests pipelined in one write on one socket', async (t) => {
  const ports = new Set<number | undefined>();
  const { port, server } = await start(t, (tx) => {
    ports.add(tx.request.remotePort);
    return tx.respond(200, {}, tx.request.search);
  });
  const client = await RawClient.connect(port);
  t.teardown(() => client.close());
  let burst = '';
  for (let i = 0; i < 1000; i++) burst += `GET /n?${i} HTTP/1.1\r\n${HOST}\r\n`;
  client.write(burst);
  let wrong = 0;
  for (let i = 0; i < 1000; i++) if ((await client.readResponse()).body.toString() !== String(i)) wrong++;
  t.equal(wrong, 0, 'in order');
  t.equal(ports.size, 1);
  t.equal(server.connections, 1);
});

t.test('Expect: 100-continue', async (t) => {
  const calls: string[] = [];
  const { port } = await start(t, async (tx) => {
    calls.push(tx.request.path);
    if (tx.request.path === '/refuse') return tx.respond(413, {}, 'too big for me');
    const body = await tx.request.body.bytes();
    await tx.respond(200, {}, body);
  });

  await t.test('interim 100 when the handler reads, then the final response', async (t) => {
    const client = await RawClient.connect(port);
    t.teardown(() => client.close());
    client.write(`POST /read HTTP/1.1\r\n${HOST}Expect: 100-continue\r\nContent-Length: 5\r\n\r\n`);
    const interim = await client.readResponse();
    t.equal(interim.statusLine, 'HTTP/1.1 100 Continue');
    t.same(interim.fields, [], 'no fields on the interim response');
    client.write('hello');
    const final = await client.readResponse();
    t.equal(final.statusLine, 'HTTP/1.1 200 OK');
    t.equal(final.body.toString(), 'hello');
    t.notOk(client.ended, 'the connection stays usable');
    client.write(`GET /read HTTP/1.1\r\n${HOST}\r\n`);
    t.equal((await client.readResponse()).status, 200, 'a next request works');
  });

  await t.test('no 100 when the handler answers without reading; the connection closes', async (t) => {
    const x = await exchange(port, `POST /refuse HTTP/1.1\r\n${HOST}Expect: 100-continue\r\nContent-Length: 5\r\n\r\n`);
    t.equal(x.response?.statusLine, 'HTTP/1.1 413 Payload Too Large', 'the final status comes first');
    t.equal(x.response?.body.toString(), 'too big for me');
    t.equal(x.extra.length, 0);
    t.ok(x.closed, 'closed: the client may never send the body');
  });

  await t.test('node:http sends the body on the 100', async (t) => {
    const result = await new Promise<{ continued: boolean; status: number; body: string }>((resolve, reject) => {
      let continued = false;
      const req = http.request({ port, method: 'PUT', path: '/read', headers: { expect: '100-continue', 'content-length': 3 }, agent: false });
      req.on('continue', () => {
        continued = true;
        req.end('abc');
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ continued, status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    t.same(result, { continued: true, status: 200, body: 'abc' });
  });

  await t.test('HTTP/1.0 ignores 100-continue (RFC 9110 §10.1.1)', async (t) => {
    const x = await exchange(port, `POST /read HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi`);
    t.equal(x.response?.statusLine, 'HTTP/1.0 200 OK', 'no interim response first');
    t.equal(x.response?.body.toString(), 'hi');
  });
  t.same(calls, ['/read', '/read', '/refuse', '/read', '/read']);
});

t.test('HTTP/1.0', async (t) => {
  const { port } = await start(t, async (tx) => {
    if (tx.request.path === '/stream') {
      tx.status(200).headerByName('content-type', 'text/plain').finalizeHeaders();
      for (const part of ['one ', 'two ', 'three']) await tx.write(part);
      await tx.end();
    } else await tx.respond(200, {}, `version ${tx.request.httpVersion}`);
  });

  await t.test('unknown body length: Connection: close and the body delimited by the close', async (t) => {
    for (const extra of ['', 'Connection: keep-alive\r\n']) {
      const x = await exchange(port, `GET /stream HTTP/1.0\r\n${extra}\r\n`);
      const r = x.response;
      t.equal(r?.statusLine, 'HTTP/1.0 200 OK', `${extra || 'no Connection'}: answered as HTTP/1.0`);
      t.equal(r && field(r, 'connection'), 'close');
      t.equal(r && field(r, 'transfer-encoding'), undefined, 'no chunked coding on 1.0');
      t.equal(r && field(r, 'content-length'), undefined);
      t.equal(r?.framing, 'close');
      t.equal(r?.body.toString(), 'one two three');
      t.ok(x.closed);
    }
  });

  await t.test('known length with keep-alive: the connection is kept', async (t) => {
    const client = await RawClient.connect(port);
    t.teardown(() => client.close());
    for (let i = 0; i < 2; i++) {
      client.write('GET /sized HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const r = await client.readResponse();
      t.equal(r.statusLine, 'HTTP/1.0 200 OK');
      t.equal(field(r, 'connection'), 'keep-alive');
      t.equal(r.body.toString(), 'version 1.0');
    }
    t.notOk(client.ended);
  });

  await t.test('known length without keep-alive: closed after the response', async (t) => {
    const x = await exchange(port, 'GET /sized HTTP/1.0\r\n\r\n');
    t.equal(x.response?.framing, 'length');
    t.equal(x.response?.body.toString(), 'version 1.0');
    t.ok(x.closed);
  });
});

t.test('request body back-pressure: a handler that does not read stops the socket; server memory stays bounded', async (t) => {
  const SLICE = Buffer.alloc(1 << 20, 0x61);
  const SLICES = 64;
  const TOTAL = SLICES * SLICE.length;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let handlerTx: Transaction | null = null;
  let maxHeld = 0;
  // What the connection queues before it stops reading (64 KiB), one more socket read, and the Readable's own buffer.
  const MAX_HELD = 192 << 10;
  const held = (tx: Transaction): number => tx.request.body.queuedBytes + tx.request.body.readableLength;
  const { port } = await start(t, async (tx) => {
    handlerTx = tx;
    await released;
    let n = 0;
    let reads = 0;
    for await (const chunk of tx.request.body as AsyncIterable<Buffer>) {
      n += chunk.length;
      maxHeld = Math.max(maxHeld, held(tx));
      // Slow reader: yields to the event loop now and then, so the socket could race ahead if nothing held it back.
      if (++reads % 32 === 0) await sleep(1);
    }
    await tx.respond(200, {}, String(n));
  });
  const client = await RawClient.connect(port);
  t.teardown(() => client.close());
  client.write(`PUT /upload HTTP/1.1\r\n${HOST}Content-Length: ${TOTAL}\r\n\r\n`);
  for (let i = 0; i < SLICES; i++) client.write(SLICE);

  // Wait until the client's unsent bytes stop shrinking: the server stopped reading.
  let last = -1;
  let stable = 0;
  while (stable < 10) {
    await sleep(50);
    const now = client.socket.writableLength;
    stable = now === last && handlerTx !== null ? stable + 1 : 0;
    last = now;
  }
  const tx = handlerTx as Transaction | null;
  t.ok(tx, 'the handler got the request');
  const accepted = TOTAL - client.socket.writableLength;
  t.ok(client.socket.writableLength > TOTAL / 2, `the client's write buffer stays blocked: only ${accepted} of ${TOTAL} bytes left it (kernel buffers included)`);
  if (tx) t.ok(held(tx) <= MAX_HELD, `the unread body held by the server is bounded: ${held(tx)} bytes`);

  release();
  const r = await client.readResponse('PUT', 60_000);
  t.equal(r.status, 200);
  t.equal(r.body.toString(), String(TOTAL), 'every byte arrived once the handler read');
  t.ok(maxHeld <= MAX_HELD, `while reading slowly the server held at most ${maxHeld} bytes`);
});

t.test('slowloris: header bytes trickling in are cut off by the headers timeout with 408', async (t) => {
  let calls = 0;
  const { port } = await start(
    t,
    (tx) => {
      calls++;
      return tx.respond(200, {}, 'ok');
    },
    { h1: { headersTimeoutMs: 300 } },
  );

  await t.test('first request', async (t) => {
    const client = await RawClient.connect(port);
    t.teardown(() => client.close());
    client.write(`GET / HTTP/1.1\r\n${HOST}X-Slow: `);
    const trickle = Array.from({ length: 400 }, () => 'a');
    const sent = await client.writeSlowly(trickle, 25);
    t.ok(sent < trickle.length, `cut off after ${sent} of ${trickle.length} trickled bytes`);
    const r = await client.readResponse();
    t.equal(r.statusLine, 'HTTP/1.1 408 Request Timeout');
    t.equal(field(r, 'connection'), 'close');
    t.ok(await client.waitEnd(), 'closed');
  });

  await t.test('a later request on a kept-alive connection', async (t) => {
    const client = await RawClient.connect(port);
    t.teardown(() => client.close());
    client.write(`GET / HTTP/1.1\r\n${HOST}\r\n`);
    t.equal((await client.readResponse()).status, 200, 'the first request is served');
    const trickle = Array.from(`GET / HTTP/1.1\r\n${HOST}X-Slow: ${'a'.repeat(400)}`);
    const sent = await client.writeSlowly(trickle, 25);
    t.ok(sent < trickle.length, `cut off after ${sent} of ${trickle.length} trickled bytes`);
    const r = await client.readResponse();
    t.equal(r.statusLine, 'HTTP/1.1 408 Request Timeout');
    t.ok(await client.waitEnd(), 'closed');
  });
  t.equal(calls, 1, 'the handler only ran for the complete request');
});

t.test('a connection that trickles its first line is closed by the headers timeout', async (t) => {
  let calls = 0;
  const { port } = await start(
    t,
    (tx) => {
      calls++;
      return tx.respond(200, {}, 'ok');
    },
    { h1: { headersTimeoutMs: 300 } },
  );
  const client = await RawClient.connect(port);
  t.teardown(() => client.close());
  const trickle = Array.from(`GET /${'a'.repeat(400)} HTTP/1.1\r\n${HOST}\r\n`);
  const sent = await client.writeSlowly(trickle, 25);
  t.ok(sent < trickle.length, `cut off after ${sent} of ${trickle.length} bytes`);
  t.ok(await client.waitEnd(), 'closed');
  t.equal(calls, 0);
});

t.test('keep-alive idle timeout closes an idle connection after its last response', async (t) => {
  const { port, server } = await start(t, (tx) => tx.respond(200, {}, 'ok'), { h1: { keepAliveTimeoutMs: 300 } });
  const client = await RawClient.connect(port);
  t.teardown(() => client.close());
  client.write(`GET / HTTP/1.1\r\n${HOST}\r\n`);
  const r = await client.readResponse();
  t.equal(r.status, 200);
  t.equal(field(r, 'connection'), undefined, 'the response itself does not announce a close');
  t.ok(await client.waitEnd(), 'closed while idle');
  t.equal(client.pending.length, 0, 'without sending anything');
  t.equal(client.error, null, 'a clean close, not a reset');
  // This client never closes its own side (allowHalfOpen): the server must still let the connection go.
  for (let i = 0; i < 200 && server.connections > 0; i++) await sleep(50);
  t.equal(server.connections, 0, 'the server dropped it even though the client kept its side open');
});

t.test('body idle timeout', async (t) => {
  const bodyErrors: string[] = [];
  const echo = async (tx: Transaction): Promise<void> => {
    try {
      const body = await tx.request.body.bytes();
      await tx.respond(200, {}, body);
    } catch (err) {
      bodyErrors.push((err as { code?: string }).code ?? String(err));
      throw err;
    }
  };

  await t.test('a body that stops arriving gets 408 and a close', async (t) => {
    const { port } = await start(t, echo, { h1: { bodyIdleTimeoutMs: 300 } });
    const client = await RawClient.connect(port);
    t.teardown(() => client.close());
    client.write(`POST / HTTP/1.1\r\n${HOST}Content-Length: 10\r\n\r\nabc`);
    const r = await client.readResponse('POST', 10_000);
    t.equal(r.statusLine, 'HTTP/1.1 408 Request Timeout');
    t.equal(field(r, 'connection'), 'close');
    t.ok(await client.waitEnd(), 'closed');
    t.same(bodyErrors, ['SLUICE_ERR_STREAM_CLOSED'], 'the handler saw the body fail');
  });

  await t.test('a body that keeps arriving, slowly, is not cut: the timeout is per idle gap', async (t) => {
    const { port } = await start(t, echo, { h1: { bodyIdleTimeoutMs: 1500 } });
    const client = await RawClient.connect(port);
    t.teardown(() => client.close());
    const body = 'x'.repeat(30);
    client.write(`POST / HTTP/1.1\r\n${HOST}Content-Length: ${body.length}\r\n\r\n`);
    // 30 bytes 100 ms apart: the whole body takes twice the timeout, no gap comes near it.
    await client.writeSlowly(Array.from(body), 100);
    const r = await client.readResponse('POST', 10_000);
    t.equal(r.status, 200);
    t.equal(r.body.toString(), body);
  });
});

t.test('sendStallTimeoutMs: a response nobody reads is cut and the connection closed; a slow reader is not', async (t) => {
  const T = 400;
  let failed = 0;
  const big = async (tx: Transaction): Promise<void> => {
    tx.status(200).headers({ 'content-length': 64 << 20 }).finalizeHeaders();
    const chunk = Buffer.alloc(256 << 10, 0x61);
    try {
      for (let i = 0; i < 256; i++) await tx.write(chunk, i === 255 ? 1 : 0);
    } catch {
      failed++;
    }
  };
  const { port, server } = await start(t, big, { h1: { sendStallTimeoutMs: T } });
  t.equal((await import('../../lib/server/h1-connection.js')).DEFAULT_H1_TIMEOUTS.sendStallTimeoutMs, 60_000, 'default: a minute');

  const still = await RawClient.connect(port);
  t.teardown(() => still.close());
  still.write(`GET / HTTP/1.1\r\n${HOST}\r\n`);
  still.socket.pause(); // reads nothing: the kernel buffers fill, then the server's
  const paused = Date.now();
  while (server.connections > 0 && Date.now() - paused < 10_000) await sleep(50);
  t.equal(server.connections, 0, `closed ${Date.now() - paused} ms after the peer stopped reading`);
  t.ok(Date.now() - paused >= T, 'not before sendStallTimeoutMs');
  t.equal(failed, 1, "the handler's write failed: the response was cut");

  // A reader that stops for 200 ms at a time (half the timeout) reads all 64 MiB.
  // A plain socket that only counts bytes (RawClient keeps them all, which would slow the test's own loop).
  const slow = net.connect(port, '127.0.0.1');
  t.teardown(() => slow.destroy());
  let got = 0;
  slow.on('data', (d: Buffer) => (got += d.length));
  slow.write(`GET / HTTP/1.1\r\n${HOST}\r\n`);
  const started = Date.now();
  while (got < 64 << 20 && Date.now() - started < 60_000) {
    slow.pause();
    await sleep(200);
    slow.resume();
    await sleep(20);
  }
  t.ok(got > 64 << 20, `the slow reader got the whole body (${got} bytes with the head)`);
  t.equal(failed, 1, 'and its response was not cut');
});
