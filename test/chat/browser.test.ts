/**
 * The chat page in a real headless Chromium (Debian's, driven by
 * playwright-core): examples/site is served by a file mount, the chat by
 * withWebSockets. Two pages: a message typed in one appears in the other
 * (and in the sender's own list). Over https (ALPN h2; the WebSocket rides
 * RFC 8441 extended CONNECT on that connection) and over http (HTTP/1.1
 * Upgrade). Over http the server also drops every session and the pages
 * reconnect by themselves.
 */
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { createMountHandler } from '../../mounts/index.js';
import { createChatProtocol } from '../../protocols/chat/index.js';
import { withWebSockets, type WebSocketHandler } from '../../protocols/index.js';
import { havePeer, start } from '../support/server.js';
import { testCert } from '../support/tls.js';

const SITE = fileURLToPath(new URL('../../examples/site/', import.meta.url));

/** The demo site plus the chat; records the transport of every chat session. */
function site(transports: string[]): WebSocketHandler {
  const files = createMountHandler([{ mountpoint: '/', origin: `file://${SITE}`, default: 'chat.html' }], { baseDir: SITE, callbacks: {} });
  const chat = (options: Readonly<Record<string, unknown>>) => {
    const p = createChatProtocol(options);
    return { ...p, established: (s: Parameters<typeof p.established>[0]) => (transports.push(s.transport), p.established(s)) };
  };
  return withWebSockets({ 'lws-minimal': { default: true } }, files, { 'lws-minimal': chat }, { log: () => {} });
}

async function launch(t: Test): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  t.teardown(() => browser.close());
  return browser;
}

async function openChat(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(`${url}/chat.html`);
  await page.waitForSelector('#status[data-state="open"]', { timeout: 30_000 });
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
}

/** Messages in the page's list (status notes excluded). */
const messages = (page: Page): Promise<string[]> => page.locator('#messages li:not(.note)').allTextContents();

async function seen(page: Page, text: string): Promise<void> {
  await page.locator('#messages li:not(.note)', { hasText: text }).first().waitFor({ timeout: 30_000 });
}

/** Record every state the status element goes through (into window.statusLog). */
const RECORD_STATES = `(() => {
  const el = document.getElementById('status');
  window.statusLog = [];
  new MutationObserver(() => window.statusLog.push(el.dataset.state)).observe(el, { attributes: true, attributeFilter: ['data-state'] });
})()`;

for (const scheme of ['https', 'http'] as const) {
  t.test(`chat page over ${scheme}: a message typed in one page appears in the other`, async (t) => {
    if (!havePeer(t, 'chromium')) return;
    const transports: string[] = [];
    const handler = site(transports);
    const { url } = await start(t, handler, { enableConnectProtocol: true, ...(scheme === 'https' && { tls: testCert() }) });
    const browser = await launch(t);
    const alice = await openChat(browser, url);
    const bob = await openChat(browser, url);

    const nav = await alice.evaluate('performance.getEntriesByType("navigation")[0].nextHopProtocol');
    t.equal(nav, scheme === 'https' ? 'h2' : 'http/1.1', `the page itself came over ${scheme === 'https' ? 'h2 (ALPN)' : 'HTTP/1.1'}`);
    t.same(transports, scheme === 'https' ? ['h2', 'h2'] : ['h1', 'h1'], scheme === 'https' ? 'both WebSockets use RFC 8441 over the h2 connection' : 'both WebSockets use the HTTP/1.1 Upgrade');

    await say(alice, 'hello from alice <b>not bold</b>');
    await seen(bob, 'hello from alice <b>not bold</b>');
    await seen(alice, 'hello from alice <b>not bold</b>');
    t.equal(await bob.$$eval('#messages b', (b) => b.length), 0, 'text is shown as text, never as HTML');
    await say(bob, 'hi alice');
    await seen(alice, 'hi alice');
    t.same(await messages(alice), ['hello from alice <b>not bold</b>', 'hi alice'], 'alice sees both, in order');
    t.same(await messages(bob), ['hello from alice <b>not bold</b>', 'hi alice'], 'bob sees both, in order');
    t.equal(await alice.inputValue('#input'), '', 'the input is cleared after sending');

    if (scheme === 'http') {
      // The server drops every session (1001 going away, as on shutdown): the pages say so and reconnect by themselves.
      for (const page of [alice, bob]) await page.evaluate(RECORD_STATES);
      handler.goingAway('test restart');
      const deadline = Date.now() + 30_000;
      while (transports.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      t.equal(transports.length, 4, 'both pages opened a new session');
      for (const page of [alice, bob]) {
        await page.waitForSelector('#status[data-state="open"]', { timeout: 30_000 });
        t.same(await page.evaluate('window.statusLog'), ['closed', 'connecting', 'open'], 'closed, then reconnecting, then open again');
        t.same(await page.locator('#messages li.note').allTextContents(), ['the server closed the chat'], 'the page noted the close');
      }
      await say(bob, 'after reconnect');
      await seen(alice, 'after reconnect');
    }
    await alice.context().close();
    await bob.context().close();
  });
}
