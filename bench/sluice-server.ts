/**
 * Sluice as a contender of the shared benchmark harness (../shared/bench,
 * contract in the header of its run.mjs): static files from $DOCROOT over h2c
 * (prior knowledge) on $H2_PORT and HTTP/1.1 on $H1_PORT, and the lws-minimal
 * chat (broadcast to every client) on $WS_PORT `/`. One process, one core.
 *
 * Static files come from the mounts engineer's `createMountHandler`
 * (mounts/index.ts) when it is built, else from bench/static-files.ts;
 * `SLUICE_BENCH_STATIC=builtin|mounts` forces one; `SLUICE_BENCH_FILE_CACHE=N`
 * raises the mounts' file cache to N bytes (files up to 16 MiB). The ws group needs
 * protocols/index.ts (`withWebSockets`); without it WS_PORT is refused.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json
 *   DOCROOT=/tmp/sluice-bench/docroot H2_PORT=9100 H1_PORT=9101 node dist/bench/sluice-server.js
 * @module
 */
import { createServer, type Handler, type SluiceServer } from '../lib/index.js';
import { createStaticHandler } from './static-files.js';

interface MountsModule {
  createMountHandler(
    mounts: Array<{ mountpoint: string; origin: string; default?: string }>,
    ctx: { baseDir: string; callbacks: Record<string, Handler>; limits?: { fileCacheMaxBytes?: number; fileCacheMaxFileBytes?: number } },
  ): Handler;
}
interface ProtocolsModule {
  withWebSockets(wsProtocols: Record<string, { default?: boolean }>, fallback: Handler): Handler;
}

/** Imports a sibling part of the built tree if it exists (the parts land independently). */
async function optionalImport<T>(relative: string): Promise<T | null> {
  try {
    return (await import(new URL(relative, import.meta.url).href)) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw err;
  }
}

async function staticHandler(docroot: string, env: NodeJS.ProcessEnv): Promise<{ handler: Handler; kind: string }> {
  const want = process.env.SLUICE_BENCH_STATIC ?? 'auto';
  if (want !== 'builtin') {
    const mounts = await optionalImport<MountsModule>('../mounts/index.js');
    if (mounts) {
      // SLUICE_BENCH_FILE_CACHE=N: the vhost keys file-cache-max-bytes=N, file-cache-max-file-bytes=16 MiB (big hot files from memory).
      const cacheBytes = env.SLUICE_BENCH_FILE_CACHE ? Number(env.SLUICE_BENCH_FILE_CACHE) : 0;
      const limits = cacheBytes > 0 ? { fileCacheMaxBytes: cacheBytes, fileCacheMaxFileBytes: Math.min(cacheBytes, 16 << 20) } : {};
      const handler = mounts.createMountHandler([{ mountpoint: '/', origin: `file://${docroot}`, default: 'index.html' }], { baseDir: docroot, callbacks: {}, limits });
      return { handler, kind: cacheBytes > 0 ? `mounts, file cache ${cacheBytes} B` : 'mounts' };
    }
    if (want === 'mounts') throw new Error('SLUICE_BENCH_STATIC=mounts but dist/mounts/index.js is not built');
  }
  const memoryMax = env.SLUICE_BENCH_MEMORY_MAX ? Number(env.SLUICE_BENCH_MEMORY_MAX) : undefined;
  return { handler: createStaticHandler(docroot, { smallFileMax: memoryMax }), kind: `builtin${memoryMax ? ` (files <= ${memoryMax} B in memory)` : ''}` };
}

async function main(): Promise<void> {
  const env = process.env;
  const docroot = env.DOCROOT;
  if (!docroot) throw new Error('DOCROOT is required');
  const host = env.HOST ?? '127.0.0.1';
  const { handler, kind } = await staticHandler(docroot, env);
  const servers: SluiceServer[] = [];
  const listen = async (what: string, port: string | undefined, h: Handler, connect = false): Promise<void> => {
    if (!port) return;
    const s = createServer({ handler: h, enableConnectProtocol: connect, onError: (err) => console.error(`sluice-bench ${what}: ${err.stack ?? err.message}`) });
    await s.listen(Number(port), host);
    servers.push(s);
    console.log(`sluice ${what} on ${host}:${port} (static: ${kind})`);
  };
  await listen('h2', env.H2_PORT, handler);
  await listen('h1', env.H1_PORT, handler);
  if (env.WS_PORT) {
    const protocols = await optionalImport<ProtocolsModule>('../protocols/index.js');
    if (!protocols) throw new Error('WS_PORT given but dist/protocols/index.js is not built: leave the ws group out');
    await listen('ws', env.WS_PORT, protocols.withWebSockets({ 'lws-minimal': { default: true } }, handler), true);
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void Promise.all(servers.map((s) => s.close(1000))).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
