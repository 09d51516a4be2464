/**
 * Issue "Hardening": streams stalled at zero credit hold no file data. The
 * server runs in a child process (test/support/memory-server.ts) so its RSS,
 * measured after full GCs, is its own. Raw HTTP/2 peers open 100 streams per
 * connection for a 16 MiB file and grant nothing (SETTINGS_INITIAL_WINDOW_SIZE
 * 0); a normal client (node:http2, default 64 KiB windows) downloads the same
 * file before and during the stall. Then 10,000 streams that were granted one
 * byte each stay within the read-ahead budget, and every stalled stream is
 * reaped after creditStallTimeoutMs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { FrameType, H2Peer, SettingsId } from '../support/h2-peer.js';

const SCRIPT = fileURLToPath(new URL('../support/memory-server.ts', import.meta.url));
const LOADER = process.execArgv.filter((a) => a.includes('@tapjs/typescript') || a.includes('ts-node'));
const MiB = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
const FILE = 16 << 20;
const STALL_MS = 8000;
const ENHANCE_YOUR_CALM = 0xb;
/**
 * What a stalled stream costs besides file data: its stream, transaction, request, open
 * descriptor and promises (measured ~10 KiB of RSS, ~6 KiB of heap per stream on Node 20);
 * the bound the crowd below is held to, with room for allocator noise.
 */
const STALLED_STREAM_STATE_BYTES = 12 * 1024;

interface Mem {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
  budgetInUse: number;
  budgetTotal: number;
  connections: number;
}

const dir = mkdtempSync(join(tmpdir(), 'sluice-stall-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const body = randomBytes(FILE);
const sha = createHash('sha256').update(body).digest('hex');
writeFileSync(join(dir, 'big.bin'), body);

async function startChild(): Promise<{ child: ChildProcess; port: number; mem: () => Promise<Mem> }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [...LOADER, '--expose-gc', SCRIPT, dir, JSON.stringify({ creditStallTimeoutMs: STALL_MS })], { env, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  t.teardown(() => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const mem = (): Promise<Mem> =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m as Mem));
      child.send('mem');
    });
  return { child, port, mem };
}

/** A normal client: node:http2 with its default 64 KiB windows; returns ms taken and the body's sha256. */
async function download(port: number): Promise<{ ms: number; sha: string }> {
  const started = Date.now();
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const req = session.request({ ':path': '/big.bin' });
    const hash = createHash('sha256');
    req.on('data', (d: Buffer) => hash.update(d));
    await new Promise<void>((resolve, reject) => req.on('end', resolve).on('error', reject));
    return { ms: Date.now() - started, sha: hash.digest('hex') };
  } finally {
    session.close();
  }
}

/** `conns` connections with `window` as their initial stream window, 100 streams each; resolves when every response head arrived. */
async function stall(port: number, conns: number, window: number): Promise<H2Peer[]> {
  const peers: H2Peer[] = [];
  for (let c = 0; c < conns; c++) {
    const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, window]] });
    t.teardown(() => peer.close());
    for (let i = 0; i < 100; i++) peer.request(1 + 2 * i, '/big.bin');
    peers.push(peer);
  }
  for (const peer of peers) {
    while (peer.frames.filter((f) => f.type === FrameType.HEADERS).length < 100) await peer.next((f) => f.type === FrameType.HEADERS, 20_000);
  }
  return peers;
}

t.test('1,000 streams at zero credit hold no file data; a normal client keeps its speed; 10,000 one-byte streams stay in the budget; all are reaped', async (t) => {
  const { port, mem } = await startChild();
  const before = await download(port);
  t.equal(before.sha, sha, 'a normal download before the stall');
  // Warm up the stall path once so the baseline has its code and pools.
  const warm = await stall(port, 1, 0);
  for (const p of warm) p.close();
  while ((await mem()).connections > 0) await new Promise((r) => setTimeout(r, 50));
  const base = await mem();

  const peers = await stall(port, 10, 0);
  const stalled = await mem();
  const grew = stalled.rss - base.rss;
  t.comment(`1,000 streams at zero credit: RSS +${MiB(grew)} (${((grew / 1000) | 0) / 1024} KiB per stream), heap +${MiB(stalled.heapUsed - base.heapUsed)}, array buffers +${MiB(stalled.arrayBuffers - base.arrayBuffers)}`);
  t.ok(grew < 16 << 20, `RSS grew by less than 16 MiB (${MiB(grew)})`);
  t.equal(stalled.budgetInUse, 0, 'no read-ahead budget in use: nothing was read');
  t.ok(peers.every((p) => !p.frames.some((f) => f.type === FrameType.DATA && f.payload.length > 0)), 'and no DATA sent');

  const during = await download(port);
  t.equal(during.sha, sha, 'a normal download during the stall is whole');
  t.comment(`normal client: ${before.ms} ms before the stall, ${during.ms} ms during it`);
  t.ok(during.ms < before.ms * 4 + 1000, 'and keeps its speed (within a generous factor of the one before)');

  // 10,000 streams that were granted one byte: each may read ahead, but only from the budget's spare half.
  const many = await stall(port, 100, 1);
  const crowd = await mem();
  t.comment(`+10,000 one-byte streams: budget in use ${MiB(crowd.budgetInUse)} of ${MiB(crowd.budgetTotal)}, RSS ${MiB(crowd.rss - base.rss)} above the baseline`);
  t.ok(crowd.budgetInUse <= crowd.budgetTotal / 2 + 10_000, 'read-ahead stays within the spare half of the budget');
  t.ok(crowd.budgetInUse > 0, 'and does use it (the probe can see read-ahead)');
  const bound = crowd.budgetTotal / 2 + 11_000 * STALLED_STREAM_STATE_BYTES;
  t.ok(crowd.rss - base.rss < bound, `RSS above the baseline (${MiB(crowd.rss - base.rss)}) < half the budget + 11,000 × ${STALLED_STREAM_STATE_BYTES / 1024} KiB (${MiB(bound)})`);
  const again = await download(port);
  t.equal(again.sha, sha, 'a normal client is still served whole with the budget under pressure');
  t.comment(`normal client with 11,000 stalled streams: ${again.ms} ms`);

  // Reaping: every stalled stream is reset with ENHANCE_YOUR_CALM after creditStallTimeoutMs.
  const all = [...peers, ...many];
  const deadline = Date.now() + STALL_MS * 3;
  for (const p of all) {
    while (p.frames.filter((f) => f.type === FrameType.RST_STREAM).length < 100 && Date.now() < deadline) await p.next((f) => f.type === FrameType.RST_STREAM, deadline - Date.now()).catch(() => undefined);
  }
  const codes = new Set(all.flatMap((p) => p.frames.filter((f) => f.type === FrameType.RST_STREAM).map((f) => f.payload.readUInt32BE(0))));
  t.equal(all.reduce((n, p) => n + p.frames.filter((f) => f.type === FrameType.RST_STREAM).length, 0), 11_000, 'every stalled stream was reset');
  t.same([...codes], [ENHANCE_YOUR_CALM], 'with ENHANCE_YOUR_CALM');
  const reaped = await mem();
  t.equal(reaped.budgetInUse, 0, 'the budget is whole again');
});
