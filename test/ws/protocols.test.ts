/**
 * The protocol plugin API around withWebSockets: config validation with
 * paths, lifecycle (init once per vhost, established/closed per session,
 * destroy), per-vhost and per-session state, builtinProtocols, the HTTP side
 * of protocols (callback mounts), and the chat protocol wired in.
 */
import t from 'tap';
import WebSocket from 'ws';
import { builtinProtocols, protocolCallbacks, ProtocolConfigError, withWebSockets } from '../../protocols/index.js';
import type { Protocol, ProtocolFactory } from '../../protocols/types.js';
import { start } from '../support/server.js';
import { fallback, wsServer } from './support/ws-server.js';

function open(url: string, protocols?: string | string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function configError(fn: () => unknown): ProtocolConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolConfigError) return err;
    throw err;
  }
  throw new Error('expected a ProtocolConfigError');
}

t.test('builtinProtocols: echo and lws-minimal', async (t) => {
  const b = builtinProtocols();
  t.same(Object.keys(b).sort(), ['echo', 'lws-minimal']);
  t.equal(b.echo?.({}).name, 'echo');
  t.equal(b['lws-minimal']?.({}).name, 'lws-minimal');
});

t.test('config errors name the offending key', async (t) => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ nope: {} }, 'ws-protocols.nope', /unknown WebSocket protocol "nope"; known: lws-minimal, echo/],
    [{ echo: { colour: 'red' } }, 'ws-protocols.echo.colour', /no options/],
    [{ echo: { default: 'yes' } }, 'ws-protocols.echo.default', /boolean/],
    [{ echo: { default: true }, 'lws-minimal': { default: true } }, 'ws-protocols.lws-minimal.default', /only one protocol may be the default/],
    [{ echo: { 'max-message-size': 0 } }, 'ws-protocols.echo.max-message-size', /integer >= 1/],
    [{ echo: { 'ping-interval-ms': -1 } }, 'ws-protocols.echo.ping-interval-ms', /integer >= 0/],
    [{ echo: { 'permessage-deflate': 'on' } }, 'ws-protocols.echo.permessage-deflate', /true, false or an object/],
    [{ echo: { 'permessage-deflate': { 'server-max-window-bits': 16 } } }, 'ws-protocols.echo.permessage-deflate.server-max-window-bits', /8\.\.15/],
    [{ echo: { 'permessage-deflate': { level: 9 } } }, 'ws-protocols.echo.permessage-deflate.level', /unknown permessage-deflate option/],
    [{ echo: 5 }, 'ws-protocols.echo', /must be an object/],
  ];
  for (const [config, path, reason] of cases) {
    const err = configError(() => withWebSockets(config as never, fallback));
    t.equal(err.path, path, path);
    t.match(err.reason, reason, `${path}: reason`);
    t.equal(err.code, 'SLUICE_ERR_PROTOCOL_CONFIG');
  }
  t.doesNotThrow(() => withWebSockets({ echo: { default: true, 'permessage-deflate': { 'server-no-context-takeover': true, threshold: 0 }, 'ping-interval-ms': 0 } }, fallback));
});

t.test("a factory's own ProtocolConfigError is prefixed with the entry path", async (t) => {
  const picky: ProtocolFactory = (opts) => {
    if (opts['size'] !== undefined) throw new ProtocolConfigError('size', 'too big');
    return { name: 'picky', init: () => null, established: () => null };
  };
  const err = configError(() => withWebSockets({ picky: { size: 1 } }, fallback, { picky }));
  t.equal(err.path, 'ws-protocols.picky.size');
  t.equal(err.message, 'ws-protocols.picky.size: too big');
});

interface VState {
  sessions: number;
  inits: number;
}
interface SState {
  n: number;
  id: number;
}

t.test('lifecycle: init once per vhost, state per session, closed with info, destroy', async (t) => {
  const events: string[] = [];
  const counter: ProtocolFactory = () => {
    const p: Protocol<VState, SState> = {
      name: 'counter',
      init: (ctx) => {
        events.push(`init ${ctx.protocolName}`);
        return { sessions: 0, inits: 1 };
      },
      established: (s) => {
        const id = ++s.context.state.sessions;
        events.push(`established ${id} ${s.transport} ${s.subprotocol}`);
        return { n: 0, id };
      },
      receive: async (s, m) => {
        s.state.n++;
        await s.send(`${s.state.id}:${s.state.n}:${m.data.toString()}`);
        if (m.data.toString() === 'all') s.context.requestWritableAll();
      },
      writable: async (s) => {
        await s.send(`writable ${s.state.id}`);
      },
      closed: (s, info) => events.push(`closed ${s.state.id} ${info.code} ${info.initiator}`),
      destroy: (ctx) => events.push(`destroy ${ctx.state.sessions}`),
    };
    return p;
  };
  const { wsUrl, handler } = await wsServer(t, { counter: {} }, { registry: { counter } });
  t.same(events, ['init counter'], 'init ran once, when the handler was built');
  const a = await open(wsUrl, 'counter');
  const b = await open(wsUrl, 'counter');
  const msgs: string[] = [];
  const got = (ws: WebSocket, n: number) =>
    new Promise<void>((resolve) => {
      const on = (d: Buffer) => {
        msgs.push(d.toString());
        if (--n === 0) {
          ws.off('message', on);
          resolve();
        }
      };
      ws.on('message', on);
    });
  let p = got(a, 2);
  a.send('x');
  a.send('y');
  await p;
  t.same(msgs.splice(0), ['1:1:x', '1:2:y'], 'per-session state');
  const pa = got(a, 1);
  const pb = got(b, 2);
  b.send('all');
  await Promise.all([pa, pb]);
  t.same(msgs.splice(0).sort(), ['2:1:all', 'writable 1', 'writable 2'], 'requestWritableAll reached both sessions');
  p = new Promise((r) => a.once('close', () => r()));
  a.close(4321);
  await p;
  await new Promise((r) => setTimeout(r, 50));
  t.ok(events.includes('closed 1 4321 peer'));
  await handler.destroy();
  t.ok(events.includes('closed 2 1001 server'), 'destroy closes open sessions with 1001 (going away)');
  t.equal(events[events.length - 1], 'destroy 2', JSON.stringify(events));
  t.ok(events.includes('established 1 h1 counter'));
});

t.test('lws-minimal (chat) is served by the builtin registry as the default protocol', async (t) => {
  const { wsUrl } = await wsServer(t, { 'lws-minimal': { default: true }, echo: {} });
  const a = await open(wsUrl);
  const b = await open(wsUrl, 'lws-minimal');
  t.equal(b.protocol, 'lws-minimal');
  const got = new Promise<string>((r) => b.once('message', (d: Buffer) => r(d.toString())));
  a.send('hi from a');
  t.equal(await got, 'hi from a');
  const e = await open(wsUrl, 'echo');
  t.equal(e.protocol, 'echo');
  a.close();
  b.close();
  e.close();
});

t.test('protocolCallbacks: the HTTP side of a protocol serves callback mounts', async (t) => {
  const hello: ProtocolFactory = (opts) => ({
    name: 'hello',
    init: () => ({ greeting: String(opts['greeting'] ?? 'hello') }),
    established: () => null,
    http: (tx, ctx) => tx.respond(200, { 'content-type': 'text/plain' }, `${(ctx.state as { greeting: string }).greeting} from ${ctx.protocolName}\n`),
  });
  const callbacks = protocolCallbacks({ hello: { greeting: 'hi' }, echo: {} }, { hello, echo: builtinProtocols().echo as ProtocolFactory });
  t.same(Object.keys(callbacks), ['hello'], 'protocols without http are skipped');
  const { url } = await start(t, callbacks['hello'] as NonNullable<(typeof callbacks)['hello']>);
  const res = await fetch(url);
  t.equal(await res.text(), 'hi from hello\n');
  t.equal(configError(() => protocolCallbacks({ nope: {} })).path, 'ws-protocols.nope');
});
