#!/usr/bin/env node
/**
 * Soak: the real `sluice --config` process under a long mixed load, its memory
 * sampled every 10 s. Not part of the test suite (it takes minutes); run it
 * after `npm run build`:
 *
 *   node bench/soak.mjs                      # 5 minutes, 1,000 connections + 200 chat clients
 *   SOAK_SECONDS=60 node bench/soak.mjs      # a shorter run
 *
 * Load, all at once for SOAK_SECONDS:
 * - 1,000 connections each looping GETs of small and medium files: 400 h1,
 *   300 h2 (prior knowledge), 150 h1 over TLS, 150 h2 over TLS (ALPN);
 * - 200 chat clients (ws, lws-minimal with its default options), 20 of them
 *   sending one message a second; every client must get every message once, in order;
 * - one 1 GiB download by an HTTP/2 client with 64 KiB windows (Node's default).
 * The server's RSS and heap (IPC from bench/soak-probe.mjs, preloaded) every 10 s
 * go to bench/out/soak-*.json and an SVG plot; the summary says requests served,
 * errors and chat messages lost (both must be 0) and whether memory stayed flat
 * after warm-up (last third vs second third). Every client comes from 127.0.0.1,
 * so the config raises max-connections-per-address (default 1,000) to 2,000.
 * Exit code 1 when errors or losses are non-zero or memory grew.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const SAMPLE_MS = Number(process.env.SOAK_SAMPLE_MS ?? 10_000);
const MIX = { h1: 400, h2: 300, h1tls: 150, h2tls: 150 };
const CHAT_CLIENTS = 200;
const CHAT_SENDERS = 20;
const HUGE = 1 << 30;

// --- the site, a certificate and the config ---
const dir = mkdtempSync(join(tmpdir(), 'sluice-soak-'));
const site = join(dir, 'site');
mkdirSync(site);
const files = [
  ['index.html', 512],
  ['small.txt', 1024],
  ['medium.bin', 64 << 10],
  ['large.bin', 1 << 20],
];
for (const [name, size] of files) writeFileSync(join(site, name), Buffer.alloc(size, 0x61));
const fd = openSync(join(site, 'huge.bin'), 'w'); // sparse: 1 GiB of zeros that costs no disk
ftruncateSync(fd, HUGE);
closeSync(fd);
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
const mounts = [{ mountpoint: '/', origin: `file://${site}`, default: 'index.html' }];
/** A free port (two listeners on port 0 would be one listener to the config). */
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const config = {
  limits: { 'max-connections-per-address': 2000 },
  vhosts: [
    { name: 'plain', port: await freePort(), mounts, 'ws-protocols': { 'lws-minimal': { default: true } } },
    { name: 'secure', port: await freePort(), tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') }, mounts },
  ],
};
writeFileSync(join(dir, 'soak.json'), JSON.stringify(config));

// --- the server: the CLI, with the memory probe preloaded ---
const server = spawn(process.execPath, ['--expose-gc', '--import', join(here, 'soak-probe.mjs'), join(root, 'dist/bin/sluice.js'), '--config', join(dir, 'soak.json')], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const ports = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    const found = [...out.matchAll(/on (https?):\/\/127\.0\.0\.1:(\d+)/g)];
    if (found.length === 2) resolve(Object.fromEntries(found.map((m) => [m[1], Number(m[2])])));
  });
  server.once('exit', (code) => reject(new Error(`sluice exited with ${code}`)));
});
const memory = () =>
  new Promise((resolve) => {
    server.once('message', resolve);
    server.send('mem');
  });
console.log(`soak: sluice pid ${server.pid}, http ${ports.http}, https ${ports.https}; ${SECONDS} s`);

// --- load ---
const stats = { requests: 0, bytes: 0, errors: 0, errorKinds: new Map() };
const fail = (what) => {
  stats.errors++;
  stats.errorKinds.set(what, (stats.errorKinds.get(what) ?? 0) + 1);
};
const paths = ['/', '/small.txt', '/medium.bin', '/small.txt', '/large.bin'];
const pick = (i) => paths[i % paths.length];
const t0 = Date.now();
const deadline = t0 + SECONDS * 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const THINK_MS = 100;

function h1Loop(agent, mod, port, k) {
  return (async () => {
    for (let i = k; Date.now() < deadline; i++) {
      await new Promise((resolve) => {
        const req = mod.request({ host: '127.0.0.1', port, path: pick(i), agent, rejectUnauthorized: false }, (res) => {
          let n = 0;
          res.on('data', (d) => (n += d.length));
          res.on('end', () => {
            if (res.statusCode === 200) {
              stats.requests++;
              stats.bytes += n;
            } else fail(`h1 ${res.statusCode}`);
            resolve();
          });
          res.on('error', () => (fail('h1 response error'), resolve()));
        });
        req.on('error', (e) => (fail(`h1 ${e.code ?? e.message}`), resolve()));
        req.end();
      });
      await sleep(THINK_MS);
    }
  })();
}

function h2Loop(url, k) {
  return (async () => {
    const session = http2.connect(url, { rejectUnauthorized: false });
    session.on('error', (e) => fail(`h2 session ${e.code ?? e.message}`));
    for (let i = k; Date.now() < deadline; i++) {
      await new Promise((resolve) => {
        const req = session.request({ ':path': pick(i) });
        let status = 0;
        let n = 0;
        req.on('response', (h) => (status = h[':status']));
        req.on('data', (d) => (n += d.length));
        req.on('end', () => {
          if (status === 200) {
            stats.requests++;
            stats.bytes += n;
          } else fail(`h2 ${status}`);
          resolve();
        });
        req.on('error', (e) => (fail(`h2 ${e.code ?? e.message}`), resolve()));
      });
      await sleep(THINK_MS);
    }
    session.close();
  })();
}

const loops = [];
const h1Agent = new http.Agent({ keepAlive: true, maxSockets: MIX.h1 });
const h1sAgent = new https.Agent({ keepAlive: true, maxSockets: MIX.h1tls, rejectUnauthorized: false });
for (let k = 0; k < MIX.h1; k++) loops.push(h1Loop(h1Agent, http, ports.http, k));
for (let k = 0; k < MIX.h1tls; k++) loops.push(h1Loop(h1sAgent, https, ports.https, k));
for (let k = 0; k < MIX.h2; k++) loops.push(h2Loop(`http://127.0.0.1:${ports.http}`, k));
for (let k = 0; k < MIX.h2tls; k++) loops.push(h2Loop(`https://127.0.0.1:${ports.https}`, k));

// The chat: every client checks per-sender order and counts what it got.
const chat = { sent: 0, clients: [], closedEarly: 0 };
for (let c = 0; c < CHAT_CLIENTS; c++) {
  const ws = new WebSocket(`ws://127.0.0.1:${ports.http}/`, 'lws-minimal');
  const client = { ws, got: 0, outOfOrder: 0, last: new Map(), open: false };
  ws.on('open', () => (client.open = true));
  ws.on('message', (data) => {
    const [sender, seq] = String(data).split(':');
    const q = Number(seq);
    if (q !== (client.last.get(sender) ?? -1) + 1) client.outOfOrder++;
    client.last.set(sender, q);
    client.got++;
  });
  ws.on('close', () => {
    if (Date.now() < deadline) chat.closedEarly++;
  });
  ws.on('error', () => {});
  chat.clients.push(client);
}
while (chat.clients.some((c) => !c.open)) await sleep(50);
const senders = chat.clients.slice(0, CHAT_SENDERS).map((c, k) => {
  let seq = 0;
  return setInterval(() => {
    if (Date.now() >= deadline) return;
    c.ws.send(`s${k}:${seq++}:${'x'.repeat(64)}`);
    chat.sent++;
  }, 1000);
});

// The 1 GiB download through 64 KiB windows.
const huge = (async () => {
  const session = http2.connect(`http://127.0.0.1:${ports.http}`);
  session.on('error', () => {});
  const started = Date.now();
  const n = await new Promise((resolve) => {
    const req = session.request({ ':path': '/huge.bin' });
    let got = 0;
    req.on('data', (d) => (got += d.length));
    req.on('end', () => resolve(got));
    req.on('error', () => resolve(got));
  });
  session.close();
  return { bytes: n, seconds: (Date.now() - started) / 1000 };
})();

// --- sampling ---
const samples = [];
const sample = async () => {
  const m = await memory();
  samples.push({ t: (Date.now() - t0) / 1000, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, requests: stats.requests });
  console.log(`  ${String(Math.round((Date.now() - t0) / 1000)).padStart(4)} s  rss ${(m.rss / 1048576).toFixed(1)} MiB  heap ${(m.heapUsed / 1048576).toFixed(1)} MiB  requests ${stats.requests}  errors ${stats.errors}`);
};
await sample();
const sampler = setInterval(sample, SAMPLE_MS);
await Promise.all(loops);
senders.forEach(clearInterval);
const hugeResult = await huge;
await sleep(2000); // the last chat messages drain
clearInterval(sampler);
await sample();

// --- results ---
const expected = chat.sent;
const lost = chat.clients.reduce((n, c) => n + Math.max(0, expected - c.got), 0);
const disordered = chat.clients.reduce((n, c) => n + c.outOfOrder, 0);
chat.clients.forEach((c) => c.ws.close());
h1Agent.destroy();
h1sAgent.destroy();
const third = Math.max(1, Math.floor(samples.length / 3));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const mid = mean(samples.slice(third, 2 * third).map((s) => s.rss));
const last = mean(samples.slice(-third).map((s) => s.rss));
const growth = (last - mid) / mid;
const peak = Math.max(...samples.map((s) => s.rss));
const summary = {
  date: new Date().toISOString(),
  seconds: SECONDS,
  connections: MIX,
  requests: stats.requests,
  requestsPerSecond: Math.round(stats.requests / SECONDS),
  errors: stats.errors,
  errorKinds: Object.fromEntries(stats.errorKinds),
  chat: { clients: CHAT_CLIENTS, senders: CHAT_SENDERS, sent: expected, lost, outOfOrder: disordered, closedEarly: chat.closedEarly },
  hugeDownload: { ...hugeResult, complete: hugeResult.bytes === HUGE },
  rssMiB: { peak: +(peak / 1048576).toFixed(1), secondThird: +(mid / 1048576).toFixed(1), lastThird: +(last / 1048576).toFixed(1), growthPercent: +(growth * 100).toFixed(1) },
  samples,
};
mkdirSync(join(root, 'bench/out'), { recursive: true });
const stamp = summary.date.replace(/[:.]/g, '-');
writeFileSync(join(root, `bench/out/soak-${stamp}.json`), JSON.stringify(summary, null, 2));
writeFileSync(join(root, `bench/out/soak-${stamp}.svg`), plot(samples, summary));
server.kill('SIGTERM');
const ok = stats.errors === 0 && lost === 0 && disordered === 0 && chat.closedEarly === 0 && summary.hugeDownload.complete && growth < 0.1;
console.log(JSON.stringify({ ...summary, samples: `${samples.length} samples` }, null, 2));
console.log(`soak ${ok ? 'passed' : 'FAILED'}: bench/out/soak-${stamp}.{json,svg}`);
process.exit(ok ? 0 : 1);

/** RSS and heap over time as a small SVG line chart (no dependencies). */
function plot(points, s) {
  const W = 720;
  const H = 300;
  const pad = 48;
  const tMax = Math.max(1, ...points.map((p) => p.t));
  const yMax = Math.max(1, ...points.map((p) => p.rss)) * 1.1;
  const x = (t) => pad + ((W - 2 * pad) * t) / tMax;
  const y = (v) => H - pad - ((H - 2 * pad) * v) / yMax;
  const line = (key, color) => `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${x(p.t).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ')}"/>`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${pad - 6}" y="${y(yMax * f) + 4}" text-anchor="end">${((yMax * f) / 1048576).toFixed(0)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad}" y="18" font-size="13">sluice soak: ${s.seconds} s, ${s.requests} requests, ${s.errors} errors, chat lost ${s.chat.lost}; RSS peak ${s.rssMiB.peak} MiB</text>
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#888"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#888"/>
${ticks}<text x="${W / 2}" y="${H - 12}" text-anchor="middle">seconds (0 – ${tMax.toFixed(0)})</text><text x="12" y="${H / 2}" transform="rotate(-90 12 ${H / 2})" text-anchor="middle">MiB</text>
${line('rss', '#d33')}${line('heapUsed', '#36c')}
<text x="${W - pad}" y="${pad - 8}" text-anchor="end" fill="#d33">RSS</text><text x="${W - pad - 40}" y="${pad - 8}" text-anchor="end" fill="#36c">heap used</text>
</svg>
`;
}
