/**
 * The example configs in examples/ stay valid as the schema evolves, and the
 * echo config really serves echo as the default WebSocket protocol; vhost
 * keys that configure the mounts reach them.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import WebSocket from 'ws';
import { buildListeners, loadConfigFile, resolveConfig, validateConfig } from '../../lib/config/index.js';
import { createMountHandler } from '../../mounts/index.js';
import { withWebSockets } from '../../protocols/index.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');

for (const file of readdirSync(examples).filter((f) => f.endsWith('.json'))) {
  t.test(`examples/${file} validates`, async (t) => {
    const config = await loadConfigFile(join(examples, file));
    t.ok(config.vhosts.length > 0, 'has vhosts');
  });
}

t.test('examples/echo.json answers a WebSocket that names no protocol with echo', async (t) => {
  const config = await loadConfigFile(join(examples, 'echo.json'));
  for (const v of config.vhosts) v.port = 0;
  const listeners = buildListeners(config, {
    createMountHandler,
    withWebSockets: (ws, fallback, vhost) => withWebSockets(ws, fallback, undefined, { vhost }),
    callbacks: {},
  });
  const [info] = await listeners.listen();
  t.teardown(() => listeners.close(100));
  const ws = new WebSocket(info!.url.replace(/^http/, 'ws') + '/');
  const echoed = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('ping?'));
    ws.on('message', (m: Buffer) => resolve(m.toString()));
    ws.on('error', reject);
  });
  ws.close();
  t.equal(echoed, 'ping?');
});

t.test('file-cache-max-bytes and file-cache-max-file-bytes reach the vhost\'s mount handler (and only that vhost\'s)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-fc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(200 * 1024, 3));
  const config = resolveConfig(
    validateConfig(
      {
        vhosts: [
          { name: 'cached', port: 0, mounts: [{ mountpoint: '/', origin: 'file://.' }], 'file-cache-max-bytes': 1 << 20, 'file-cache-max-file-bytes': 300 * 1024 },
          { name: 'plain', port: 0, mounts: [{ mountpoint: '/', origin: 'file://.' }] },
        ],
      },
      'c.json',
    ),
    dir,
    'c.json',
  );
  const seen: unknown[] = [];
  const listeners = buildListeners(config, {
    createMountHandler: (mounts, ctx) => {
      seen.push(ctx.limits);
      return createMountHandler(mounts, ctx);
    },
    callbacks: {},
  });
  t.same(seen, [{ fileCacheMaxBytes: 1 << 20, fileCacheMaxFileBytes: 300 * 1024 }, {}]);
  const infos = await listeners.listen();
  t.teardown(() => listeners.close(100));
  for (const info of infos) {
    const r = await fetch(`${info.url}/big.bin`);
    t.equal((await r.arrayBuffer()).byteLength, 200 * 1024, `${info.url} serves the file`);
  }
});
