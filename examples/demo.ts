/**
 * The demo server `npm start` runs: examples/demo.json (the static site in
 * examples/site, the chat and echo WebSocket protocols) plus the custom
 * handlers below, mounted at /api with `callback://api` and written with the
 * unified write API. One port answers HTTP/2 (prior knowledge) and HTTP/1.1.
 *
 * PORT and HOST override the config's port and host.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildListeners, loadConfigFile, printProblem, type Listeners } from '../lib/config/index.js';
import { Token, WriteMode, type Transaction } from '../lib/index.js';
import { createMountHandler } from '../mounts/index.js';
import { protocolCallbacks, withWebSockets } from '../protocols/index.js';

/** The custom handlers under /api. */
async function api(tx: Transaction): Promise<void> {
  const { pathname } = tx.request;
  if (pathname === '/api/hello') {
    tx.status(200)
      .headerByToken(Token.CONTENT_TYPE, 'application/json')
      .headerByName('x-request-id', tx.id)
      .finalizeHeaders();
    await tx.write(JSON.stringify({ hello: 'world', protocol: tx.request.httpVersion, allowance: tx.peerWriteAllowance() }), WriteMode.HTTP_FINAL);
    return;
  }
  if (pathname === '/api/stream') {
    // 4 MiB written as fast as the peer's credit allows, never faster.
    const chunk = Buffer.alloc(64 << 10, 0x2e);
    tx.status(200).headerByToken(Token.CONTENT_TYPE, 'text/plain').headerByToken(Token.CONTENT_LENGTH, 64 * chunk.length).finalizeHeaders();
    for (let i = 0; i < 64; i++) await tx.write(chunk, i === 63 ? WriteMode.HTTP_FINAL : WriteMode.HTTP);
    return;
  }
  await tx.respond(404, { 'content-type': 'application/json' }, JSON.stringify({ error: 'not found', try: ['/api/hello', '/api/stream'] }));
}

/** examples/ holds demo.json and site/; the compiled demo runs from dist/examples/. */
function examplesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return [here, join(here, '..', '..', 'examples')].find((d) => existsSync(join(d, 'demo.json'))) ?? here;
}

async function main(): Promise<Listeners> {
  const config = await loadConfigFile(join(examplesDir(), 'demo.json'));
  for (const v of config.vhosts) {
    if (process.env.PORT !== undefined) {
      const port = Number(process.env.PORT);
      if (!/^\d+$/.test(process.env.PORT) || port > 65535) throw new Error(`PORT: expected a port number 0-65535, got ${JSON.stringify(process.env.PORT)}`);
      v.port = port;
    }
    if (process.env.HOST) v.host = process.env.HOST;
  }
  const servers = buildListeners(config, {
    createMountHandler,
    withWebSockets: (ws, fallback, vhost) => withWebSockets(ws, fallback, undefined, { vhost }),
    protocolCallbacks: (ws, vhost) => protocolCallbacks(ws, undefined, { vhost }),
    callbacks: { api },
  });
  for (const info of await servers.listen()) {
    console.log(`sluice demo ready: ${info.url}/ (${info.protocols}; WebSocket: ${info.wsProtocols.join(', ')})`);
    console.log(`  try ${info.url}/chat.html in two tabs, ${info.url}/api/hello, ${info.url}/api/stream`);
  }
  return servers;
}

try {
  const servers = await main();
  const stop = (): void => void servers.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  printProblem(err, { err: (s) => void process.stderr.write(s) });
  process.exit(1);
}
