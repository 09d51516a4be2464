/**
 * Start a server whose handler is withWebSockets(config, fallback) for one test.
 */
import type { Test } from 'tap';
import type { Handler, ServerOptions } from '../../../lib/index.js';
import { withWebSockets, type WebSocketHandler } from '../../../protocols/index.js';
import type { ProtocolFactory } from '../../../protocols/types.js';
import { start, type Started } from '../../support/server.js';

export const fallback: Handler = (tx) => tx.respond(200, { 'content-type': 'text/plain' }, 'plain http\n');

export async function wsServer(
  t: Test,
  config: Record<string, Record<string, unknown>> = { echo: { default: true } },
  opts: { registry?: Record<string, ProtocolFactory>; server?: Partial<ServerOptions>; logs?: string[] } = {},
): Promise<Started & { handler: WebSocketHandler; wsUrl: string }> {
  const handler = withWebSockets(config, fallback, opts.registry, { log: (l) => opts.logs?.push(l) });
  t.teardown(() => handler.destroy()); // registered first: sessions close (1001) before the server stops
  const s = await start(t, handler, { enableConnectProtocol: true, ...opts.server });
  return { ...s, handler, wsUrl: `ws://127.0.0.1:${s.port}/` };
}
