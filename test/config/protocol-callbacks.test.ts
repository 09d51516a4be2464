/**
 * Custom handlers and protocols share one model: a protocol's HTTP side is a
 * `callback://NAME` target of its vhost's mounts when the vhost lists it in
 * `ws-protocols` (as lwsws routes callback mounts to protocol plugins).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildListeners, resolveConfig, validateConfig } from '../../lib/config/index.js';
import { createMountHandler } from '../../mounts/index.js';
import { builtinProtocols, protocolCallbacks, withWebSockets } from '../../protocols/index.js';
import type { ProtocolFactory } from '../../protocols/types.js';
import { fetchOver } from '../support/fetch.js';

const counter: ProtocolFactory = (options) => ({
  name: 'counter',
  init: () => ({ hits: 0, greeting: String(options.greeting ?? 'hits') }),
  established: () => ({}),
  receive: () => {},
  http: (tx, ctx) => {
    const state = ctx.state as { hits: number; greeting: string };
    state.hits++;
    return tx.respond(200, { 'content-type': 'text/plain' }, `${state.greeting}: ${state.hits}`);
  },
});
const registry = { ...builtinProtocols(), counter };

function serve(wsProtocols: Record<string, unknown>, origin: string) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-pcb-'));
  const raw = { vhosts: [{ name: 'localhost', port: 0, mounts: [{ mountpoint: '/', origin: 'file://.' }, { mountpoint: '/count', origin }], 'ws-protocols': wsProtocols }] };
  const config = resolveConfig(validateConfig(raw, 'test.json'), dir, 'test.json');
  return buildListeners(config, {
    createMountHandler,
    withWebSockets: (ws, fallback, vhost) => withWebSockets(ws, fallback, registry, { vhost }),
    protocolCallbacks: (ws, vhost) => protocolCallbacks(ws, registry, { vhost }),
  });
}

t.test('callback://PROTOCOL reaches the HTTP side of a protocol the vhost lists, with its options and state', async (t) => {
  const listeners = serve({ counter: { greeting: 'count' }, echo: { default: true } }, 'callback://counter');
  const [info] = await listeners.listen();
  t.teardown(() => listeners.close(100));
  t.equal((await fetchOver('h1', info!.port, { path: '/count' })).body.toString(), 'count: 1');
  t.equal((await fetchOver('h2', info!.port, { path: '/count' })).body.toString(), 'count: 2', 'per-vhost state is kept across requests and protocols');
});

t.test('callback:// naming a protocol the vhost does not list is a config problem with its path', async (t) => {
  t.throws(() => serve({ echo: { default: true } }, 'callback://counter'), /vhosts\[0\]\.mounts\[1\]\.origin: unknown callback "counter"/);
});
