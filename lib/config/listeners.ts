/**
 * Build the servers a resolved config describes: vhosts are grouped by
 * `host:port` into one listener each (one `createServer` with `vhosts`, the
 * first vhost of the group being the default for unknown Host/:authority and
 * giving the default certificate), and each vhost's handler is composed as
 * CORS → WebSocket protocols → mounts, with the access log as the vhost's
 * `onTransaction` (so it also sees what the server answers itself, like 501).
 *
 * Mounts and protocols are passed in (`ServeParts`) so this layer stays
 * independent of their implementations.
 * @module
 */
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ConnectionGate, createServer, type Handler, type HeaderList, type SluiceServer, type Transaction, type VhostOptions } from '../index.js';
import { accessLogger, type LogSink } from './access-log.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { CORS_RESPONSE_HEADERS, withCors } from './cors.js';
import { fsReason, listenKey, type FileCacheOverrides, type ResolvedConfig, type ResolvedVhost } from './resolve.js';
import type { MountSpecInput } from './schema.js';

/** What mounts/ provides (the Mounts contract's `createMountHandler`); `close()` releases upstream connections. */
export type MountHandlerFactory = (
  mounts: MountSpecInput[],
  ctx: { baseDir: string; callbacks: Record<string, Handler>; limits?: FileCacheOverrides; readAheadBudgetBytes?: number },
) => Handler & { close?(): Promise<void> };
/** What protocols/ provides (the protocols contract's `withWebSockets`, registry bound) for the vhost `vhost`. */
export type WebSocketWrapper = (
  wsProtocols: Record<string, { default?: boolean; [option: string]: unknown }>,
  fallback: Handler,
  vhost: string,
) => Handler & { goingAway?(reason?: string): void; destroy?(): void };

/** What a vhost's parts need at shutdown. */
interface Teardown {
  /** Before the listener closes: tell WebSocket sessions to go (1001), so they do not hold the shutdown. */
  goingAway(): void;
  /** After: release upstream connections and protocol state. */
  release(): Promise<void>;
}

export interface ServeParts {
  createMountHandler: MountHandlerFactory;
  /** Needed only when a vhost has `ws-protocols`. */
  withWebSockets?: WebSocketWrapper;
  /** `callback://NAME` targets. */
  callbacks?: Record<string, Handler>;
  /** The HTTP side of a vhost's protocols (protocols/ `protocolCallbacks`), added to its `callback://` targets under the protocol's name. */
  protocolCallbacks?: (wsProtocols: Record<string, { default?: boolean; [option: string]: unknown }>, vhost: string) => Record<string, Handler>;
  /** Where `"access-log": "-"` lines go (default: process.stdout). */
  stdoutLog?: LogSink;
  /** Engine and handler errors (default: the server's, console.error). */
  onError?: (err: Error, tx?: Transaction) => void;
}

export interface ListenerInfo {
  host: string;
  port: number;
  tls: boolean;
  /** `http://127.0.0.1:7681`, with the bound port (a configured port 0 picks one). */
  url: string;
  /** How clients reach it: `h2 + http/1.1 by ALPN` or `h2 prior knowledge + http/1.1`. */
  protocols: string;
  vhosts: string[];
  /** WebSocket protocols offered on this listener, across its vhosts. */
  wsProtocols: string[];
}

export class Listener {
  readonly server: SluiceServer;
  readonly vhosts: ResolvedVhost[];
  #address: AddressInfo | null = null;

  constructor(server: SluiceServer, vhosts: ResolvedVhost[]) {
    this.server = server;
    this.vhosts = vhosts;
  }

  get host(): string {
    return (this.vhosts[0] as ResolvedVhost).host;
  }

  get port(): number {
    return this.#address?.port ?? (this.vhosts[0] as ResolvedVhost).port;
  }

  async listen(): Promise<ListenerInfo> {
    this.#address = await this.server.listen(this.port, this.host);
    return this.info();
  }

  info(): ListenerInfo {
    const tls = (this.vhosts[0] as ResolvedVhost).tls !== null;
    const hostForUrl = this.host.includes(':') ? `[${this.host}]` : this.host;
    return {
      host: this.host,
      port: this.port,
      tls,
      url: `${tls ? 'https' : 'http'}://${hostForUrl}:${this.port}`,
      protocols: tls ? 'h2 + http/1.1 by ALPN' : 'h2 prior knowledge + http/1.1',
      vhosts: this.vhosts.map((v) => v.name),
      wsProtocols: [...new Set(this.vhosts.flatMap((v) => Object.keys(v.wsProtocols)))],
    };
  }
}

/** Every listener of a config, started and stopped together. */
export class Listeners {
  readonly listeners: Listener[];
  readonly #logs: WriteStream[];
  readonly #teardowns: Teardown[];

  constructor(listeners: Listener[], logs: WriteStream[], teardowns: Teardown[]) {
    this.listeners = listeners;
    this.#logs = logs;
    this.#teardowns = teardowns;
  }

  /**
   * Listen on every address; if one fails (a taken port), the others are
   * closed and a ConfigError names the address and the reason.
   */
  async listen(): Promise<ListenerInfo[]> {
    const infos: ListenerInfo[] = [];
    for (const l of this.listeners) {
      try {
        infos.push(await l.listen());
      } catch (err) {
        await this.close(0);
        const e = err as NodeJS.ErrnoException;
        const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EADDRNOTAVAIL' ? 'address not available on this machine' : e.message;
        throw new ConfigError('', [{ path: '', reason: `cannot listen on ${listenKey(l)}: ${why}` }]);
      }
    }
    return infos;
  }

  /** Graceful: GOAWAY / close idle keep-alives, in-flight responses finish, forced after `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    for (const t of this.#teardowns) t.goingAway();
    await Promise.all(this.listeners.map((l) => l.server.close(timeoutMs).catch(() => {})));
    await Promise.all(this.#teardowns.map((t) => t.release().catch(() => {})));
    await Promise.all(this.#logs.map((s) => new Promise<void>((resolve) => s.end(resolve))));
  }
}

/** Create (not yet listening) one server per `host:port` of the config. */
export function buildListeners(config: ResolvedConfig, parts: ServeParts): Listeners {
  const problems: ConfigProblem[] = [];
  const logs = new Map<string, { stream: WriteStream; sink: LogSink }>();
  const sinkFor = (v: ResolvedVhost): LogSink | null => {
    if (v.accessLog === null) return null;
    if (v.accessLog === '-') return parts.stdoutLog ?? ((line) => void process.stdout.write(`${line}\n`));
    let log = logs.get(v.accessLog);
    if (!log) {
      const path = v.accessLog;
      let fd: number;
      try {
        fd = openSync(path, 'a'); // opened now so an unwritable log is a startup error, not a runtime one
      } catch (err) {
        problems.push({ path: `vhosts[${v.index}].access-log`, reason: `cannot write ${JSON.stringify(path)}: ${fsReason(err)}` });
        return null;
      }
      const stream = createWriteStream(path, { fd });
      stream.on('error', (err) => console.error(`sluice: access log ${path}: ${fsReason(err)}`));
      log = { stream, sink: (line) => void stream.write(`${line}\n`) };
      logs.set(v.accessLog, log);
    }
    return log.sink;
  };

  const groups = new Map<string, ResolvedVhost[]>();
  for (const v of config.vhosts) {
    const key = listenKey(v);
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }

  const listeners: Listener[] = [];
  const teardowns: Teardown[] = [];
  // One gate for every listener: the connection limits are per process.
  const l = config.limits;
  const gate = new ConnectionGate({
    ...(l['max-connections'] ? { maxConnections: l['max-connections'] } : {}),
    ...(l['max-connections-per-address'] ? { maxConnectionsPerAddress: l['max-connections-per-address'] } : {}),
  });
  for (const group of groups.values()) {
    const vhosts: VhostOptions[] = [];
    for (const v of group) {
      const handler = vhostHandler(v, config, parts, problems, teardowns);
      if (!handler) continue;
      const sink = sinkFor(v);
      const headers: HeaderList = [...v.headers, ...(v.cors ? CORS_RESPONSE_HEADERS : [])];
      vhosts.push({
        name: v.name,
        hostnames: v.hostnames,
        handler,
        response: { headers },
        ...(v.tls ? { tls: { cert: v.tls.cert, key: v.tls.key } } : {}),
        enableConnectProtocol: Object.keys(v.wsProtocols).length > 0,
        ...(sink ? { onTransaction: accessLogger(sink) } : {}),
      });
    }
    const first = vhosts[0];
    if (!first) continue;
    // The first vhost's certificate is the default one (for clients without SNI).
    const server = createServer({ vhosts, connections: gate, ...(first.tls ? { tls: first.tls } : {}), ...(parts.onError ? { onError: parts.onError } : {}) });
    listeners.push(new Listener(server, group));
  }
  if (problems.length > 0) {
    for (const { stream } of logs.values()) stream.end();
    for (const t of teardowns) void t.release().catch(() => {});
    throw new ConfigError(config.source, problems);
  }
  return new Listeners(listeners, [...logs.values()].map((l) => l.stream), teardowns);
}

function vhostHandler(
  v: ResolvedVhost,
  config: ResolvedConfig,
  parts: ServeParts,
  problems: ConfigProblem[],
  teardowns: Teardown[],
): Handler | null {
  const at = `vhosts[${v.index}]`;
  let callbacks = parts.callbacks ?? {};
  const wsNames = Object.keys(v.wsProtocols);
  if (wsNames.length > 0 && parts.protocolCallbacks) {
    try {
      callbacks = { ...parts.protocolCallbacks(v.wsProtocols, v.name), ...callbacks };
    } catch (err) {
      const problem = problemFrom(err, at);
      if (!problem) throw err;
      problems.push(problem);
      return null;
    }
  }
  let ok = true;
  v.mounts.forEach((m, j) => {
    const name = m.origin.startsWith('callback://') ? m.origin.slice('callback://'.length) : null;
    if (name !== null && !Object.hasOwn(callbacks, name)) {
      const known = Object.keys(callbacks);
      problems.push({ path: `${at}.mounts[${j}].origin`, reason: `unknown callback ${JSON.stringify(name)} (${known.length ? `known: ${known.join(', ')}` : 'none are registered'})` });
      ok = false;
    }
  });
  if (wsNames.length > 0 && !parts.withWebSockets) {
    problems.push({ path: `${at}.ws-protocols`, reason: 'WebSocket protocols are not available in this build' });
    ok = false;
  }
  if (!ok) return null;
  try {
    const budget = config.limits['read-ahead-budget-bytes'];
    const mounts = parts.createMountHandler(v.mounts, { baseDir: config.baseDir, callbacks, limits: v.fileCache, ...(budget ? { readAheadBudgetBytes: budget } : {}) });
    let handler: Handler = mounts;
    let ws: ReturnType<WebSocketWrapper> | null = null;
    try {
      if (wsNames.length > 0 && parts.withWebSockets) handler = ws = parts.withWebSockets(v.wsProtocols, mounts, v.name);
    } finally {
      teardowns.push({
        goingAway: () => ws?.goingAway?.('server shutting down'),
        release: async () => {
          ws?.destroy?.();
          await mounts.close?.();
        },
      });
    }
    if (v.cors) handler = withCors(handler);
    return handler;
  } catch (err) {
    const problem = problemFrom(err, at);
    if (!problem) throw err;
    problems.push(problem);
    return null;
  }
}

/** A MountConfigError / ProtocolConfigError (anything with a string `path`) as a problem under `vhosts[i]`. */
function problemFrom(err: unknown, at: string): ConfigProblem | null {
  if (!(err instanceof Error)) return null;
  const e = err as Error & { path?: unknown; reason?: unknown };
  if (typeof e.path !== 'string') return null;
  const reason = typeof e.reason === 'string' ? e.reason : e.message.startsWith(`${e.path}: `) ? e.message.slice(e.path.length + 2) : e.message;
  return { path: e.path === '' ? at : `${at}.${e.path}`, reason };
}
