/**
 * The demo server `npm start` runs: custom handlers written with the unified
 * write API, served over HTTP/2 (prior knowledge) and HTTP/1.1 on one port.
 */
import { createServer, Token, WriteMode, type Transaction } from '../lib/index.js';

const port = Number(process.env.PORT ?? 7681);
const host = process.env.HOST ?? '127.0.0.1';

async function handler(tx: Transaction): Promise<void> {
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
  await tx.respond(200, { 'content-type': 'text/plain; charset=utf-8' }, 'Sluice demo. Try /api/hello and /api/stream.\n');
}

const server = createServer({ handler });
await server.listen(port, host);
console.log(`sluice demo ready: http://${host}:${port}/ (h2 prior knowledge + http/1.1)`);
const stop = (): void => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
