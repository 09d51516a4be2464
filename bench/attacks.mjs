#!/usr/bin/env node
/**
 * The hardening table: each attack of issue "Hardening" run against the real
 * `sluice --config` process with its default limits (one cleartext port, the
 * lws-minimal chat, a file mount), one after another. For each: what the
 * server did (as the attacking client saw it), the server's RSS growth (peak
 * during the attack over the baseline after full GCs) and the CPU time it spent.
 * Prints a Markdown table for bench/RESULTS.md; after `npm run build`:
 *
 *   node bench/attacks.mjs               # all (about 2 minutes: idle and slowloris wait for the timeouts)
 *   node bench/attacks.mjs ping rapid    # the attacks whose id contains one of the words
 */
import { spawn } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { HpackDecoder, HpackEncoder } from '../dist/lib/h2/hpack/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const only = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- server ---
const dir = mkdtempSync(join(tmpdir(), 'sluice-attacks-'));
const site = join(dir, 'site');
mkdirSync(site);
writeFileSync(join(site, 'index.html'), '<p>hi</p>\n');
const fd = openSync(join(site, 'big.bin'), 'w');
ftruncateSync(fd, 16 << 20);
closeSync(fd);
writeFileSync(join(dir, 'sluice.json'), JSON.stringify({ vhosts: [{ name: 'localhost', port: 0, mounts: [{ mountpoint: '/', origin: `file://${site}` }], 'ws-protocols': { 'lws-minimal': { default: true } } }] }));
const server = spawn(process.execPath, ['--expose-gc', '--import', join(here, 'soak-probe.mjs'), join(root, 'dist/bin/sluice.js'), '--config', join(dir, 'sluice.json')], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
let serverErr = '';
server.stderr.setEncoding('utf8').on('data', (d) => (serverErr += d));
const port = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    const m = /127\.0\.0\.1:(\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
  server.once('exit', (code) => reject(new Error(`sluice exited with ${code}: ${serverErr}`)));
});
const gcMemory = () => new Promise((resolve) => (server.once('message', resolve), server.send('mem')));
const rssNow = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) * 1024;
const cpuMs = () => {
  const f = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
};

// --- raw HTTP/2 ---
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
function frame(type, flags, stream, payload = Buffer.alloc(0)) {
  const b = Buffer.alloc(9 + payload.length);
  b.writeUIntBE(payload.length, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(stream, 5);
  payload.copy(b, 9);
  return b;
}
const settings = (pairs) => frame(4, 0, 0, Buffer.concat(pairs.map(([id, v]) => { const b = Buffer.alloc(6); b.writeUInt16BE(id, 0); b.writeUInt32BE(v, 2); return b; })));
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };

/** A raw h2 connection: counts frames by type, remembers GOAWAY and RST codes, and whether the server closed. */
async function h2(settingsPairs = []) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const c = { socket, encoder: new HpackEncoder(), decoder: new HpackDecoder({ maxHeaderListSize: Infinity }), statuses: new Map(), goaway: null, rst: new Map(), headers: 0, data: 0, closed: false, buf: Buffer.alloc(0) };
  socket.on('data', (d) => {
    c.buf = Buffer.concat([c.buf, d]);
    while (c.buf.length >= 9) {
      const len = c.buf.readUIntBE(0, 3);
      if (c.buf.length < 9 + len) break;
      const type = c.buf[3];
      const p = c.buf.subarray(9, 9 + len);
      if (type === 7) c.goaway = { last: p.readUInt32BE(0), code: p.readUInt32BE(4), debug: p.subarray(8).toString() };
      else if (type === 3) c.rst.set(c.buf.readUInt32BE(5) & 0x7fffffff, p.readUInt32BE(0));
      else if (type === 1) {
        c.headers++;
        try {
          const status = c.decoder.decode(Buffer.from(p)).headers.find(([n]) => n === ':status');
          if (status) c.statuses.set(c.buf.readUInt32BE(5) & 0x7fffffff, status[1]);
        } catch {
          // a block this table cannot follow (after a CONTINUATION attack): its status is not needed
        }
      }
      else if (type === 0) c.data += len;
      else if (type === 4 && (c.buf[4] & 1) === 0) socket.write(frame(4, 1, 0));
      c.buf = c.buf.subarray(9 + len);
    }
  });
  socket.on('close', () => (c.closed = true));
  socket.on('error', () => {});
  socket.write(Buffer.concat([PREFACE, settings(settingsPairs)]));
  c.request = (id, path = '/index.html', { end = true, method = 'GET', extra = [] } = {}) =>
    socket.write(frame(1, 0x4 | (end ? 1 : 0), id, c.encoder.encode([[':method', method], [':scheme', 'http'], [':authority', 'localhost'], [':path', path], ...extra])));
  return c;
}
const CODES = { 0: 'NO_ERROR', 1: 'PROTOCOL_ERROR', 3: 'FLOW_CONTROL_ERROR', 6: 'FRAME_SIZE_ERROR', 7: 'REFUSED_STREAM', 8: 'CANCEL', 9: 'COMPRESSION_ERROR', 11: 'ENHANCE_YOUR_CALM' };
const goawayText = (c) => (c.goaway ? `GOAWAY ${CODES[c.goaway.code] ?? c.goaway.code}${c.goaway.debug ? ` ("${c.goaway.debug}")` : ''}` : c.closed ? 'closed' : 'no GOAWAY');
const until = async (cond, ms) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(20);
  return cond();
};

// --- the attacks: id, what, limit, run() → what the server did ---
const attacks = [
  {
    id: 'rapid-reset', what: 'rapid reset: 10 connections × 1,000 HEADERS + RST_STREAM', limit: 'maxResetsPerInterval (200/s)',
    run: async () => {
      const cs = await Promise.all(Array.from({ length: 10 }, () => h2()));
      for (const c of cs) for (let i = 0; i < 1000; i++) { c.request(1 + 2 * i, '/big.bin'); c.socket.write(frame(3, 0, 1 + 2 * i, u32(8))); }
      await until(() => cs.every((c) => c.goaway || c.closed), 5000);
      return `${cs.filter((c) => c.goaway?.code === 11).length}/10 got ${goawayText(cs[0])}`;
    },
  },
  {
    id: 'continuation', what: 'CONTINUATION flood: one header block in 100,000 frames', limit: 'maxContinuationFrames (32)',
    run: async () => {
      const c = await h2();
      c.socket.write(frame(1, 0, 1, Buffer.from([0x82])));
      for (let i = 0; i < 100_000 && !c.closed; i++) c.socket.write(frame(9, 0, 1, Buffer.from([0x84])));
      await until(() => c.goaway || c.closed, 5000);
      return goawayText(c);
    },
  },
  {
    id: 'hpack-bomb', what: 'HPACK bomb: a 4 KiB header indexed once, referenced 16,000 times (64 MiB decoded)', limit: 'maxHeaderListSize (64 KiB)',
    run: async () => {
      const c = await h2();
      const big = c.encoder.encode([[':method', 'GET'], [':scheme', 'http'], [':authority', 'localhost'], [':path', '/index.html'], ['x-bomb', 'b'.repeat(4000)]]);
      const refs = Buffer.alloc(16_000, 0xbe); // indexed field 62: the entry just added
      c.socket.write(frame(1, 0x5, 1, big));
      c.socket.write(frame(1, 0x5, 3, Buffer.concat([Buffer.from([0x82, 0x86, 0x84]), refs.subarray(0, 16_000 - 3)])));
      await until(() => c.headers >= 2 || c.rst.has(3) || c.goaway || c.closed, 5000);
      if (c.goaway) return goawayText(c);
      return `the bomb's stream: ${c.rst.has(3) ? `RST_STREAM ${CODES[c.rst.get(3)]}` : c.statuses.get(3) ? `${c.statuses.get(3)} response` : 'no answer'} after decoding stopped at the limit; the connection lives on`;
    },
  },
  ...['settings', 'ping'].map((kind) => ({
    id: `${kind}-flood`, what: `${kind.toUpperCase()} flood: 100,000 frames, answers not read`, limit: `max${kind === 'ping' ? 'Pings' : 'Settings'}PerInterval (${kind === 'ping' ? 64 : 32}/s), maxOutboundControlBytes (1 MiB)`,
    run: async () => {
      const c = await h2();
      await sleep(100);
      c.socket.pause();
      const f = kind === 'ping' ? frame(6, 0, 0, Buffer.alloc(8)) : settings([[4, 65535]]);
      for (let i = 0; i < 100_000; i++) c.socket.write(f);
      await sleep(1000);
      c.socket.resume();
      await until(() => c.goaway || c.closed, 5000);
      return goawayText(c);
    },
  })),
  {
    id: 'empty-data', what: 'empty-DATA flood: 100,000 zero-length DATA frames on an upload', limit: 'maxEmptyDataPerInterval (64/s)',
    run: async () => {
      const c = await h2();
      c.request(1, '/index.html', { end: false, method: 'POST' });
      for (let i = 0; i < 100_000 && !c.closed; i++) c.socket.write(frame(0, 0, 1));
      await until(() => c.goaway || c.closed, 5000);
      return goawayText(c);
    },
  },
  {
    id: 'streams-over-limit', what: 'streams beyond the limit: 1,000 open uploads on one connection', limit: 'maxConcurrentStreams (100)',
    run: async () => {
      const c = await h2();
      for (let i = 0; i < 1000; i++) c.request(1 + 2 * i, '/index.html', { end: false, method: 'POST' });
      await until(() => c.rst.size >= 900 || c.goaway, 5000);
      await sleep(200);
      const refused = [...c.rst.values()].filter((code) => code === 7).length;
      return `${refused} streams over the limit refused (RST_STREAM REFUSED_STREAM)${c.goaway ? `, then ${goawayText(c)}: refusals count as resets` : ''}`;
    },
  },
  {
    id: 'zero-window', what: 'zero-window stall: 10 connections × 100 streams of a 16 MiB file, SETTINGS_INITIAL_WINDOW_SIZE 0', limit: 'read-ahead: none without credit; creditStallTimeoutMs (60 s)',
    run: async () => {
      const cs = await Promise.all(Array.from({ length: 10 }, () => h2([[4, 0]])));
      for (const c of cs) for (let i = 0; i < 100; i++) c.request(1 + 2 * i, '/big.bin');
      await until(() => cs.every((c) => c.headers >= 100), 10_000);
      await sleep(1000);
      const sent = cs.reduce((n, c) => n + c.data, 0);
      cs.forEach((c) => c.socket.destroy());
      return `1,000 response heads, ${sent} DATA bytes, no file data read`;
    },
  },
  {
    id: 'over-limit', what: '1,500 connections from one address', limit: 'max-connections-per-address (1,000)',
    run: async () => {
      const socks = [];
      let told = 0;
      let served = 0;
      let silent = 0;
      for (let i = 0; i < 1500; i++) {
        const s = net.connect(port, '127.0.0.1');
        let answered = false;
        s.on('error', () => {});
        s.on('close', () => { if (!answered) silent++; });
        s.on('data', (d) => {
          answered = true;
          if (/^HTTP\/1\.1 429/.test(String(d))) told++;
          else if (/^HTTP\/1\.1 200/.test(String(d))) served++;
        });
        s.once('connect', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        socks.push(s);
      }
      await sleep(3000);
      socks.forEach((s) => s.destroy());
      return `${served} served; over the limit ${told} got 429 Too Many Requests (Retry-After: 5), ${silent} closed without a word (more than 64 refusals in flight)`;
    },
  },
  {
    id: 'idle', what: '2,000 idle connections (TCP open, no bytes), from 2 addresses', limit: 'sniffTimeoutMs (10 s), max-connections-per-address',
    run: async () => {
      let closed = 0;
      const socks = Array.from({ length: 2000 }, (_, i) => {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: i % 2 ? '127.0.0.2' : '127.0.0.3' });
        s.on('error', () => {});
        s.on('close', () => closed++);
        return s;
      });
      const started = Date.now();
      await until(() => closed === 2000, 15_000);
      socks.forEach((s) => s.destroy());
      return `all ${closed} closed by the server after ${((Date.now() - started) / 1000).toFixed(1)} s`;
    },
  },
  {
    id: 'slowloris', what: '500 slowloris connections (one header byte per second)', limit: 'headersTimeoutMs (15 s)',
    run: async () => {
      let got408 = 0;
      let closed = 0;
      const socks = Array.from({ length: 500 }, () => {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => {});
        s.on('data', (d) => { if (/408/.test(String(d))) got408++; });
        s.on('close', () => closed++);
        s.once('connect', () => s.write('GET / HTTP/1.1\r\nX-a: '));
        return s;
      });
      const drip = setInterval(() => socks.forEach((s) => !s.destroyed && s.write('a')), 1000);
      const started = Date.now();
      await until(() => closed === 500, 20_000);
      clearInterval(drip);
      socks.forEach((s) => s.destroy());
      return `${got408} answered 408 and all ${closed} closed after ${((Date.now() - started) / 1000).toFixed(1)} s`;
    },
  },
  {
    id: 'big-body', what: 'a 1 GiB request body (PUT to a file mount)', limit: 'the mount refuses unread (405), body never buffered',
    run: async () => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      let reply = '';
      s.on('data', (d) => (reply += d));
      await new Promise((r) => s.once('connect', r));
      s.write(`PUT /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: ${1 << 30}\r\n\r\n`);
      const chunk = Buffer.alloc(1 << 20);
      let sent = 0;
      while (sent < 1 << 30 && !s.destroyed && !s.writableEnded) {
        if (!s.write(chunk)) await Promise.race([new Promise((r) => s.once('drain', r)), sleep(2000)]);
        sent += chunk.length;
        if (reply.includes('\r\n\r\n') && sent > 64 << 20) break;
      }
      s.destroy();
      return `${reply.split('\r\n')[0] || 'no answer'}, then closed: the client got ${sent >> 20} MiB out before the close`;
    },
  },
  {
    id: 'ws-64mib', what: 'a 64 MiB WebSocket message', limit: 'ws maxMessageSize (1 MiB)',
    run: async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, 'lws-minimal');
      ws.on('error', () => {});
      await new Promise((r) => ws.once('open', r));
      const closed = new Promise((r) => ws.once('close', (code, reason) => r(`${code} ${reason}`)));
      ws.send(Buffer.alloc(64 << 20));
      return `closed ${await Promise.race([closed, sleep(10_000).then(() => 'not closed')])}`;
    },
  },
  {
    id: 'chat-never-reads', what: 'a chat client that never reads while 4 others send 4 KiB messages', limit: 'laggard-timeout-ms (5 s), ring-size (1024)',
    run: async () => {
      const open = (n) => Promise.all(Array.from({ length: n }, () => new Promise((resolve) => { const ws = new WebSocket(`ws://127.0.0.1:${port}/`, 'lws-minimal'); ws.on('error', () => {}); ws.once('open', () => resolve(ws)); })));
      const [stuck, ...others] = await open(5);
      stuck._socket.pause();
      const mark = serverErr.length;
      let got = 0;
      others.forEach((w) => w.on('message', () => got++));
      const pad = 'x'.repeat(4000);
      for (let q = 0; q < 640; q++) others.forEach((w, k) => w.send(`${k}:${q}:${pad}`));
      const started = Date.now();
      const logged = await until(() => /closed 1008/.test(serverErr.slice(mark)), 20_000);
      const after = ((Date.now() - started) / 1000).toFixed(1);
      await until(() => got === 4 * 640 * 4, 10_000);
      stuck._socket.resume();
      [stuck, ...others].forEach((w) => w.terminate());
      return `${logged ? `the stuck client was closed 1008 (logged) after ${after} s` : 'the stuck client was not closed'}; the 4 readers got ${got}/${4 * 640 * 4}`;
    },
  },
  {
    id: 'unknown-method', what: 'an unknown method (`get`, lowercase) over h1 (h2: test/server/methods.test.ts)', limit: 'RFC 9110 §9.1',
    run: async () => {
      const s = net.connect(port, '127.0.0.1');
      let reply = '';
      s.on('data', (d) => (reply += d));
      await new Promise((r) => s.once('connect', r));
      s.write('get / HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => reply.includes('\r\n'), 2000);
      s.destroy();
      return `${reply.split('\r\n')[0]}`;
    },
  },
];

// --- run ---
console.log(`attacks on sluice pid ${server.pid}, port ${port}\n`);
const rows = [];
for (const a of attacks) {
  if (only.length && !only.some((w) => a.id.includes(w))) continue;
  const base = await gcMemory();
  const cpu0 = cpuMs();
  let peak = rssNow();
  const watch = setInterval(() => (peak = Math.max(peak, rssNow())), 50);
  let outcome;
  try {
    outcome = await a.run();
  } catch (err) {
    outcome = `attack failed: ${err.message}`;
  }
  clearInterval(watch);
  await sleep(300);
  const after = await gcMemory();
  const alive = server.exitCode === null;
  rows.push({ ...a, outcome: alive ? outcome : `SERVER DIED: ${serverErr}`, peak: Math.max(0, peak - base.rss) / 1048576, after: (after.rss - base.rss) / 1048576, cpu: cpuMs() - cpu0 });
  console.log(`${a.id}: ${outcome} (RSS peak +${(Math.max(0, peak - base.rss) / 1048576).toFixed(1)} MiB, CPU ${(cpuMs() - cpu0).toFixed(0)} ms)`);
  if (!alive) break;
}
console.log('\n| attack | what the server did | limit | RSS peak above baseline | server CPU | reproduce |\n|---|---|---|---:|---:|---|');
for (const r of rows) console.log(`| ${r.what} | ${r.outcome} | ${r.limit} | +${r.peak.toFixed(1)} MiB | ${r.cpu.toFixed(0)} ms | \`node bench/attacks.mjs ${r.id}\` |`);
if (serverErr) console.log(`\nserver stderr:\n${serverErr}`);
server.kill('SIGTERM');
process.exit(0);
