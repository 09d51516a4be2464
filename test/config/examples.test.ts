/**
 * The example configs in examples/ stay valid as the schema evolves, and the
 * echo config really serves echo as the default WebSocket protocol.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import WebSocket from 'ws';
import { buildListeners, loadConfigFile } from '../../lib/config/index.js';
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
