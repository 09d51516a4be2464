/**
 * WebSocket protocols on a vhost: `withWebSockets(wsProtocols, fallback)`
 * answers WebSocket handshakes (HTTP/1.1 Upgrade and HTTP/2 extended
 * CONNECT) with the protocol chosen by Sec-WebSocket-Protocol, and hands
 * every other request to `fallback` (the mounts handler).
 *
 * ```ts
 * const handler = withWebSockets({ 'lws-minimal': { default: true }, echo: {} }, mounts);
 * createServer({ vhosts: [{ name: 'localhost', handler, enableConnectProtocol: true }] });
 * ```
 *
 * Selection: the first subprotocol the client offers that is enabled here;
 * else the `default: true` protocol (no subprotocol echoed); else 400 with a
 * body naming the available protocols (see lib/ws/handshake.ts for why).
 * @module
 */
import type { Handler } from '../lib/server/server.js';
import type { Transaction } from '../lib/http/transaction.js';
import { negotiateDeflate } from '../lib/ws/deflate.js';
import { acceptFields, isWebSocketRequest, selectSubprotocol, validateHandshake, type HandshakeRefusal } from '../lib/ws/handshake.js';
import { resolveWsLimits, type WsLimits } from '../lib/ws/limits.js';
import { WsSession } from '../lib/ws/session.js';
import { canTunnel } from '../lib/ws/tunnel.js';
import { chatProtocol } from './chat/index.js';
import { ProtocolContextImpl } from './context.js';
import { echoProtocol } from './echo/index.js';
import { ProtocolConfigError } from './errors.js';
import type { Protocol, ProtocolFactory, WsProtocolConfig, WsSessionOptions } from './types.js';
import { splitEntry, type SplitEntry } from './ws-config.js';

export type { CloseInfo, MessageKind, Protocol, ProtocolContext, ProtocolFactory, Session, WsMessage, WsProtocolConfig, WsSessionOptions } from './types.js';
export { ProtocolConfigError } from './errors.js';
export { WS_CONFIG_KEYS } from './ws-config.js';

/** The protocols this build ships: `lws-minimal` (chat) and `echo`. */
export function builtinProtocols(): Record<string, ProtocolFactory> {
  return { 'lws-minimal': chatProtocol, echo: echoProtocol };
}

/** A Handler that also tears its protocols down. */
export interface WebSocketHandler extends Handler {
  /** Open sessions across this handler's protocols. */
  readonly sessionCount: number;
  /** Close every open session with 1001 Going Away (graceful server shutdown). */
  goingAway(reason?: string): void;
  /** Close sessions (1001), wait until they are gone (close handshake or its timeout), then run each protocol's `destroy`. */
  destroy(): Promise<void>;
}

export interface WithWebSocketsOptions {
  /** The vhost name given to protocols (`ctx.vhost`); learnt from the first request when omitted. */
  vhost?: string;
  /** Log lines of sessions and protocols (default: console.error). */
  log?: (line: string) => void;
}

interface Entry {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  protocol: Protocol<any, any>;
  context: ProtocolContextImpl;
  limits: WsLimits;
  ws: WsSessionOptions;
}

/**
 * Wrap `fallback` with the WebSocket protocols of one vhost. Throws
 * ProtocolConfigError (path like 'ws-protocols.echo.max-message-size') for
 * unknown protocol names, bad options, or more than one default.
 */
export function withWebSockets(
  wsProtocols: Record<string, WsProtocolConfig>,
  fallback: Handler,
  registry: Record<string, ProtocolFactory> = builtinProtocols(),
  options: WithWebSocketsOptions = {},
): WebSocketHandler {
  const log = options.log ?? ((line: string) => console.error(line));
  const entries = new Map<string, Entry>();
  let defaultName: string | null = null;
  for (const [name, raw] of Object.entries(wsProtocols)) {
    const path = `ws-protocols.${name}`;
    const { split, protocol } = buildProtocol(name, raw, registry);
    if (split.isDefault) {
      if (defaultName !== null) throw new ProtocolConfigError(`${path}.default`, `only one protocol may be the default (${defaultName} already is)`);
      defaultName = name;
    }
    const ws: WsSessionOptions = { ...protocol.ws, ...split.ws };
    let limits: WsLimits;
    try {
      limits = resolveWsLimits(ws);
    } catch (err) {
      throw new ProtocolConfigError(path, (err as Error).message);
    }
    entries.set(name, { protocol, context: new ProtocolContextImpl(options.vhost ?? '', name, log), limits, ws });
  }
  for (const e of entries.values()) e.context.state = e.protocol.init(e.context);
  const names = [...entries.keys()];

  const handler = async (tx: Transaction): Promise<void> => {
    const req = tx.request;
    if (!isWebSocketRequest(req)) return fallback(tx);
    const hs = validateHandshake(req);
    if (!hs.ok) return refuse(tx, hs);
    const choice = selectSubprotocol(hs.offeredProtocols, names, defaultName);
    if ('ok' in choice) return refuse(tx, choice);
    const entry = entries.get(choice.name) as Entry;
    const deflate = negotiateDeflate(hs.extensions, entry.ws.perMessageDeflate, entry.limits.maxMessageSize);
    if (deflate !== null && 'ok' in deflate) return refuse(tx, deflate);
    if (!canTunnel(tx as unknown)) {
      await tx.respond(501, { 'content-type': 'text/plain; charset=utf-8' }, 'WebSocket tunnels are not available on this transport\n');
      return;
    }
    const vhostName = (tx as { vhost?: unknown }).vhost;
    if (typeof vhostName === 'string') entry.context.setVhost(vhostName);
    await tx.tunnel(acceptFields(hs, choice, deflate?.header ?? null));
    const session = new WsSession({
      tx,
      request: req,
      protocol: entry.protocol,
      context: entry.context,
      subprotocol: choice.echo,
      limits: entry.limits,
      deflate,
      log: (line) => entry.context.log(line),
      onFinished: (s) => entry.context.delete(s),
    });
    entry.context.add(session);
    await session.run();
  };

  const goingAway = (reason = 'server shutting down'): void => {
    for (const e of entries.values()) for (const s of [...e.context.sessions()]) if (s.open) s.close(1001, reason);
  };
  const destroy = async (): Promise<void> => {
    goingAway();
    // lws PROTOCOL_DESTROY comes after the sessions are gone; each one ends by its close handshake or closeTimeoutMs.
    await Promise.all([...entries.values()].map((e) => e.context.whenEmpty()));
    for (const e of entries.values()) {
      try {
        e.protocol.destroy?.(e.context);
      } catch (err) {
        e.context.log(`destroy failed: ${(err as Error).message}`);
      }
    }
  };
  // defineProperties, not Object.assign: assign would copy the getter's value once.
  return Object.defineProperties(handler, {
    sessionCount: {
      get(): number {
        let n = 0;
        for (const e of entries.values()) n += e.context.size;
        return n;
      },
    },
    goingAway: { value: goingAway },
    destroy: { value: destroy },
  }) as WebSocketHandler;
}

/**
 * The HTTP side of protocols (`Protocol.http`) as `callback://NAME` targets
 * for the mounts, so custom handlers and WebSocket protocols share one
 * model. Each named protocol is built from its entry (as withWebSockets
 * does, in its own instance: per-vhost state is not shared with the
 * WebSocket side). Protocols without `http` are skipped.
 */
export function protocolCallbacks(
  protocols: Record<string, WsProtocolConfig>,
  registry: Record<string, ProtocolFactory> = builtinProtocols(),
  options: WithWebSocketsOptions = {},
): Record<string, Handler> {
  const out: Record<string, Handler> = {};
  for (const [name, raw] of Object.entries(protocols)) {
    const { protocol } = buildProtocol(name, raw, registry);
    const http = protocol.http;
    if (!http) continue;
    const ctx = new ProtocolContextImpl(options.vhost ?? '', name, options.log);
    ctx.state = protocol.init(ctx);
    out[name] = (tx) => http.call(protocol, tx, ctx);
  }
  return out;
}

/** Look the factory up, split the entry, build the protocol; errors carry the config path. */
function buildProtocol(name: string, raw: unknown, registry: Record<string, ProtocolFactory>): { split: SplitEntry; protocol: Protocol } {
  const path = `ws-protocols.${name}`;
  const factory = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (factory === undefined) {
    throw new ProtocolConfigError(path, `unknown WebSocket protocol ${JSON.stringify(name)}; known: ${Object.keys(registry).join(', ') || '(none)'}`);
  }
  const split = splitEntry(raw, path);
  try {
    return { split, protocol: factory(split.options) };
  } catch (err) {
    if (err instanceof ProtocolConfigError) throw new ProtocolConfigError(err.path === '' ? path : `${path}.${err.path}`, err.reason);
    throw err;
  }
}

function refuse(tx: Transaction, r: HandshakeRefusal): Promise<void> {
  return tx.respond(r.status, { 'content-type': 'text/plain; charset=utf-8', ...r.headers }, `${r.body}\n`);
}
