/**
 * bin/sluice.ts as a real process: exit codes and stderr lines, the ready
 * line, and graceful shutdown on SIGTERM/SIGINT (the listener closes at once,
 * an in-flight download finishes, one that stalls is cut at
 * --shutdown-timeout, the exit code is 0).
 *
 * Each child compiles the TypeScript sources at start, so the children run
 * one at a time and the timeout is generous.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli, startCli } from './run-cli.js';

t.setTimeout(900_000);

const dir = mkdtempSync(join(tmpdir(), 'sluice-proc-'));
mkdirSync(join(dir, 'site'));
/** Larger than every socket buffer on the path, so a paused reader keeps the response in flight. */
const BIG = 24 << 20;
writeFileSync(join(dir, 'site', 'big.bin'), Buffer.alloc(BIG, 0x61));
writeFileSync(join(dir, 'site', 'index.html'), '<p>hi</p>\n');

t.test('a bad config and a missing directory: one stderr line each, exit code 1', async (t) => {
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ vhosts: [{ name: 'a', mounts: [{ mountpoint: '/', origin: 'ftp://x' }] }] }));
  const bad = await runCli(['--config', 'bad.json'], dir);
  t.equal(bad.code, 1);
  t.equal(bad.stdout, '');
  t.equal(bad.stderr, 'sluice: bad.json: vhosts[0].mounts[0].origin: unsupported origin "ftp://x" (expected file://, >http(s)://, callback://, http(s)://)\n');
  const missing = await runCli(['nope'], dir);
  t.equal(missing.code, 1);
  t.equal(missing.stderr, `sluice: directory "${join(dir, 'nope')}" does not exist\n`);
});

t.test('a taken port: one stderr line, exit code 1', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const { port } = blocker.address() as net.AddressInfo;
  const r = await runCli(['site', '--port', String(port)], dir);
  t.equal(r.code, 1);
  t.equal(r.stderr, `sluice: cannot listen on 127.0.0.1:${port}: address already in use\n`);
});

t.test('--version', async (t) => {
  const r = await runCli(['--version']);
  t.equal(r.code, 0);
  t.match(r.stdout, /^sluice \d+\.\d+\.\d+\n$/);
});

/** Connect attempts until the listener refuses: the server has stopped accepting. */
async function refused(port: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(true));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

t.test('SIGTERM: stop accepting, the in-flight h2 download finishes, a stalled h1 one is cut at --shutdown-timeout, exit 0', async (t) => {
  const run = await startCli(t, ['site', '--port', '0', '--shutdown-timeout', '4000'], dir);
  t.match(run.readyLine, /^sluice: serving site on http:\/\/127\.0\.0\.1:\d+ \(h2 prior knowledge \+ http\/1\.1\)$/);

  // A: h2, paused after its first bytes (the server waits for credit), resumed after SIGTERM.
  const session = http2.connect(run.url);
  session.on('error', () => {});
  const a = session.request({ ':path': '/big.bin' });
  let aBytes = 0;
  const aFirst = new Promise<void>((resolve) => a.once('data', () => resolve()));
  a.on('data', (c: Buffer) => (aBytes += c.length));
  const aEnd = new Promise<string>((resolve) => {
    a.on('end', () => resolve('end'));
    a.on('error', (e: Error & { code?: string }) => resolve(e.code ?? e.message));
  });
  await aFirst;
  a.pause();

  // B: h1, paused for good: its socket buffers fill and it never finishes on its own.
  // (A paused socket does not read, so it sees the cut only once resumed, after the exit.)
  let bBytes = 0;
  let bRes: http.IncomingMessage | null = null;
  const bEnd = new Promise<string>((resolve) => {
    http
      .get(`${run.url}/big.bin`, { agent: false }, (res) => {
        bRes = res;
        res.once('data', () => res.pause());
        res.on('data', (c: Buffer) => (bBytes += c.length));
        res.on('close', () => resolve(res.complete ? 'end' : 'cut'));
        res.on('error', () => {});
      })
      .on('error', (e) => resolve(e.message));
  });
  const bStarted = new Promise<void>((resolve) => {
    const wait = (): void => void (bBytes > 0 ? resolve() : setTimeout(wait, 20));
    wait();
  });
  await bStarted;

  run.child.kill('SIGTERM');
  t.ok(await refused(run.port), 'the listener closes at once');
  a.resume();
  t.equal(await aEnd, 'end', 'the in-flight h2 download ends normally');
  t.equal(aBytes, BIG, 'with every byte');
  const exit = await run.exited;
  (bRes as http.IncomingMessage | null)?.resume();
  t.equal(await bEnd, 'cut', 'the stalled download was cut');
  t.ok(bBytes < BIG, `and never completed (${bBytes} of ${BIG} bytes)`);
  t.equal(exit.code, 0, `exit code 0 (stderr: ${exit.stderr})`);
  t.equal(exit.stderr, '');
  session.destroy();
});

t.test('SIGINT with nothing in flight: exit 0', async (t) => {
  const run = await startCli(t, ['site', '--port', '0'], dir);
  const body = await new Promise<string>((resolve, reject) => {
    http.get(`${run.url}/`, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
  t.equal(body, '<p>hi</p>\n');
  run.child.kill('SIGINT');
  const exit = await run.exited;
  t.equal(exit.code, 0);
  t.equal(exit.signal, null);
});
