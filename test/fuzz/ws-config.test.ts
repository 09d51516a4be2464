/**
 * fast-check properties of the WebSocket handshake and the config loader,
 * time-boxed (test/fuzz/budget.ts):
 * - any request headers give either a valid handshake or a refusal with 400 or
 *   426 and a one-line body, never an exception; a valid key always gets the
 *   RFC 6455 accept value; subprotocol choice follows the client's order;
 * - any JSON text, and any mutation of a valid config document, is either a
 *   config or a ConfigError naming where it is wrong, never another error.
 * The unit tests test/ws/handshake.test.ts and test/config/validate.test.ts keep
 * the exact messages for each known mistake; these add arbitrary input.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import t from 'tap';
import { ConfigError } from '../../lib/config/config-error.js';
import { parseJson, validateConfig } from '../../lib/config/validate.js';
import { acceptKey, selectSubprotocol, validateHandshake, WS_GUID } from '../../lib/ws/handshake.js';
import { budget } from './budget.js';

const headerValue = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 40 }), fc.constantFrom('Upgrade', 'keep-alive, Upgrade', '13', '8', 'chat, superchat', 'dGhlIHNhbXBsZSBub25jZQ==', ''));

t.test('ws handshake: any headers give a handshake or a 400/426 refusal, never an exception', async (t) => {
  fc.assert(
    fc.property(
      fc.record({
        method: fc.constantFrom('GET', 'POST', 'CONNECT', 'get'),
        httpVersion: fc.constantFrom('1.0', '1.1', '2'),
        connection: headerValue,
        version: headerValue,
        key: headerValue,
        protocol: headerValue,
        extensions: headerValue,
      }),
      (r) => {
        const headers: Record<string, string | undefined> = {
          connection: r.connection,
          'sec-websocket-version': r.version,
          'sec-websocket-key': r.key,
          'sec-websocket-protocol': r.protocol,
          'sec-websocket-extensions': r.extensions,
        };
        const out = validateHandshake({ method: r.method, httpVersion: r.httpVersion, upgradeProtocol: r.httpVersion === '2' ? 'websocket' : null, header: (n) => headers[n] });
        if (out.ok) return out.transport === (r.httpVersion === '2' ? 'h2' : 'h1') && out.offeredProtocols.every((p) => p.length > 0);
        return (out.status === 400 || out.status === 426) && out.body.length > 0 && !/[\r\n]/.test(out.body);
      },
    ),
    budget(),
  );
  t.pass('handshakes held');
});

t.test('ws handshake: every 16-byte key gets the RFC 6455 accept value; subprotocols follow the client order', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 4 }), fc.array(fc.constantFrom<string>('a', 'b', 'c'), { maxLength: 3 }), (raw, offered: string[], available: string[]) => {
      const key = Buffer.from(raw).toString('base64');
      const want = createHash('sha1').update(key + WS_GUID).digest('base64');
      if (acceptKey(key) !== want) return false;
      const choice = selectSubprotocol(offered, available, null);
      const first = offered.find((p) => available.includes(p));
      return first === undefined ? 'ok' in choice && choice.ok === false && choice.status === 400 : 'name' in choice && choice.name === first;
    }),
    budget(),
  );
  t.pass('accept values and choices held');
});

const validDoc = {
  limits: { 'max-connections': 100 },
  vhosts: [
    {
      name: 'localhost',
      port: 7681,
      headers: { 'x-a': 'b' },
      mounts: [
        { mountpoint: '/', origin: 'file://./site', default: 'index.html' },
        { mountpoint: '/api', origin: 'callback://api' },
      ],
      'ws-protocols': { 'lws-minimal': { default: true } },
    },
  ],
};

/** Replace one value somewhere in a JSON document (found by walking `path` indices). */
function replaceAt(doc: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || doc === null || typeof doc !== 'object') return replacement;
  const keys = Object.keys(doc);
  if (keys.length === 0) return replacement;
  const key = keys[path[0]! % keys.length]!;
  const copy: Record<string, unknown> = Array.isArray(doc) ? ([...doc] as unknown as Record<string, unknown>) : { ...(doc as Record<string, unknown>) };
  copy[key] = replaceAt((doc as Record<string, unknown>)[key], path.slice(1), replacement);
  return copy;
}

function onlyConfigErrors(run: () => unknown): boolean {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.length > 0 && err.problems.every((p) => typeof p.path === 'string' && p.reason.length > 0);
  }
  return true;
}

t.test('config: any JSON text and any mutation of a valid document is a config or a ConfigError with a path', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json()), (text) => onlyConfigErrors(() => validateConfig(parseJson(text, 'fuzz.json'), 'fuzz.json'))),
    budget(),
  );
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 6 }), fc.oneof(fc.jsonValue(), fc.constant(undefined)), (path, replacement) => onlyConfigErrors(() => validateConfig(replaceAt(validDoc, path, replacement), 'fuzz.json'))),
    budget(),
  );
  t.doesNotThrow(() => validateConfig(validDoc, 'fuzz.json'), 'the document mutated is valid itself');
});
