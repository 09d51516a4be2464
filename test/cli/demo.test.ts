/**
 * The demo `npm start` runs (examples/demo.ts with examples/demo.json), as a
 * real process on a free port (PORT=0): the static site, the /api handlers
 * written with the header API over h1 and h2, the redirect mount, the echo
 * protocol, and the home page in headless Chromium (its script asks
 * /api/hello and shows the answer; every image and stylesheet loads).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import t, { type Test } from 'tap';
import WebSocket from 'ws';
import { fetchOver, type Proto } from '../support/fetch.js';
import { havePeer } from '../support/server.js';

t.setTimeout(600_000);

const DEMO = fileURLToPath(new URL('../../examples/demo.ts', import.meta.url));
const LOADER = process.execArgv.filter((a) => a.includes('@tapjs/typescript') || a.includes('ts-node'));

async function startDemo(t: Test): Promise<{ port: number; url: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', TS_NODE_TRANSPILE_ONLY: '1' };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [...LOADER, DEMO], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^sluice demo ready: (http:\/\/127\.0\.0\.1:(\d+))\/ \(h2 prior knowledge \+ http\/1\.1; WebSocket: lws-minimal, echo\)$/m.exec(out);
      if (m) resolve({ url: m[1] as string, port: Number(m[2]) });
    });
    child.on('close', (code) => reject(new Error(`demo exited ${code}: ${err}${out}`)));
  });
}

t.test('the demo: site, /api over h1 and h2, redirect, echo, and the home page in Chromium', async (t) => {
  const { port, url } = await startDemo(t);
  for (const proto of ['h1', 'h2'] as Proto[]) {
    const home = await fetchOver(proto, port, { path: '/' });
    t.equal(home.status, 200);
    t.match(home.body.toString(), /<a href="chat\.html">/, `${proto}: the home page links the chat`);
    t.equal(home.headers['x-content-type-options'], 'nosniff', 'vhost headers from demo.json');
    for (const [path, type] of [['/style.css', /^text\/css/], ['/logo.svg', /^image\/svg\+xml/], ['/gradient.png', /^image\/png$/], ['/chat.html', /^text\/html/]] as const) {
      const r = await fetchOver(proto, port, { path });
      t.equal(r.status, 200, `${proto}: ${path}`);
      t.match(r.headers['content-type'], type);
    }
    const hello = await fetchOver(proto, port, { path: '/api/hello' });
    t.equal(hello.status, 200);
    t.match(hello.headers['x-request-id'], /\S/);
    const j = JSON.parse(hello.body.toString()) as { hello: string; protocol: string; allowance: number | null };
    t.same([j.hello, j.protocol], ['world', proto === 'h2' ? '2' : '1.1']);
    if (proto === 'h2') t.ok(typeof j.allowance === 'number' && j.allowance > 0, `h2 credit is a number (${j.allowance})`);
    else t.equal(j.allowance, null, 'h1: no limit (Infinity is null in JSON)');
    const stream = await fetchOver(proto, port, { path: '/api/stream' });
    t.equal(stream.body.length, 4 << 20, `${proto}: /api/stream is 4 MiB`);
    t.equal((await fetchOver(proto, port, { path: '/api/nope' })).status, 404);
    const lws = await fetchOver(proto, port, { path: '/lws' });
    t.equal(lws.status, 302);
    t.equal(lws.headers.location, 'https://libwebsockets.org/');
  }

  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, 'echo');
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('hello echo'));
    ws.on('message', (data) => resolve(String(data)));
    ws.on('error', reject);
  });
  ws.close();
  t.equal(reply, 'hello echo', 'the echo protocol from demo.json');

  if (!havePeer(t, 'chromium')) return;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(r.url()));
  page.on('response', (r) => void (r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`)));
  page.on('pageerror', (e) => failed.push(e.message));
  await page.goto(`${url}/`);
  await page.locator('#hello', { hasText: 'answered over HTTP/1.1' }).waitFor({ timeout: 30_000 });
  const images = await page.$$eval('img', (imgs) => imgs.map((i) => (i as { naturalWidth: number }).naturalWidth));
  t.ok(images.length >= 2 && images.every((w) => w > 0), `every image loaded (${images.join(', ')})`);
  const styled = await page.$eval('.cards', (el) => (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(el).display);
  t.equal(styled, 'grid', 'the stylesheet applied');
  t.same(failed, [], 'no failed requests or page errors');
});
