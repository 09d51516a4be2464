/**
 * A Sluice server with one file mount, run in a child process so a test can
 * measure the server's memory alone (its clients live in the test process).
 * argv: DIR [H2_LIMITS_JSON]. It prints `port N` when listening and answers
 * IPC `mem` with its memory after full GCs, the read-ahead budget in use and
 * its open connections.
 */
import { createServer } from '../../lib/index.js';
import { createMountHandler, processReadAhead } from '../../mounts/index.js';

const [dir, limits] = process.argv.slice(2) as [string, string | undefined];
const server = createServer({
  handler: createMountHandler([{ mountpoint: '/', origin: `file://${dir}` }], { baseDir: dir, callbacks: {} }),
  h2: limits ? (JSON.parse(limits) as object) : {},
  onError: (err) => console.error(err),
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const { port } = await server.listen(0, '127.0.0.1');
process.on('message', (msg: string) => {
  if (msg === 'mem') {
    for (let i = 0; i < 3; i++) gc();
    const m = process.memoryUsage();
    process.send?.({ rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, external: m.external, budgetInUse: processReadAhead.inUse, budgetTotal: processReadAhead.total, connections: server.connections });
  } else if (msg === 'exit') void server.close(100).then(() => process.exit(0));
});
console.log(`port ${port}`);
