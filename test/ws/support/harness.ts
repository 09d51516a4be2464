/**
 * Drive a WsSession over a FakeTunnel with a recording protocol.
 */
import { Request } from '../../../lib/http/request.js';
import type { DeflateAgreement } from '../../../lib/ws/deflate.js';
import { resolveWsLimits, type WsLimits } from '../../../lib/ws/limits.js';
import { WsSession } from '../../../lib/ws/session.js';
import { ProtocolContextImpl } from '../../../protocols/context.js';
import { echoProtocol } from '../../../protocols/echo/index.js';
import type { CloseInfo, Protocol, WsMessage } from '../../../protocols/types.js';
import { FakeTunnel } from './fake-tunnel.js';

export interface Recorder {
  messages: WsMessage[];
  closed: CloseInfo[];
  writable: number;
}

/** A protocol that records its events and echoes unless told otherwise. */
export function recordingProtocol(rec: Recorder, overrides: Partial<Protocol<null, null>> = {}): Protocol<null, null> {
  return {
    name: 'rec',
    init: () => null,
    established: () => null,
    receive: async (s, m) => {
      rec.messages.push(m);
      await s.send(m.data, m.kind);
    },
    writable: () => {
      rec.writable++;
    },
    closed: (_s, info) => {
      rec.closed.push(info);
    },
    ...overrides,
  };
}

export interface Harness {
  tx: FakeTunnel;
  session: WsSession<null, null>;
  ctx: ProtocolContextImpl<null, null>;
  rec: Recorder;
  logs: string[];
  done: Promise<void>;
}

export function handshakeRequest(): Request {
  return new Request({
    method: 'GET',
    scheme: 'http',
    authority: 'localhost',
    path: '/',
    httpVersion: '1.1',
    headers: [['host', 'localhost']],
    upgradeProtocol: 'websocket',
    body: null,
  });
}

export function harness(
  opts: {
    protocol?: (rec: Recorder) => Protocol<null, null>;
    limits?: Partial<WsLimits>;
    deflate?: DeflateAgreement | null;
    transport?: 'h1' | 'h2';
    shutdown?: AbortSignal;
  } = {},
): Harness {
  const rec: Recorder = { messages: [], closed: [], writable: 0 };
  const logs: string[] = [];
  const protocol = opts.protocol ? opts.protocol(rec) : recordingProtocol(rec);
  const tx = new FakeTunnel(opts.transport ?? 'h1');
  if (opts.shutdown) tx.shutdown = opts.shutdown;
  const ctx = new ProtocolContextImpl<null, null>('test', protocol.name, (l) => logs.push(l));
  ctx.state = protocol.init(ctx);
  const session = new WsSession<null, null>({
    tx,
    request: handshakeRequest(),
    protocol,
    context: ctx,
    subprotocol: protocol.name,
    limits: resolveWsLimits({ pingIntervalMs: 0 }, protocol.ws, opts.limits),
    deflate: opts.deflate ?? null,
    log: (l) => logs.push(l),
    onFinished: (s) => ctx.delete(s),
  });
  ctx.add(session);
  const done = session.run();
  return { tx, session, ctx, rec, logs, done };
}

export { echoProtocol };
