/**
 * The keys of a `ws-protocols` entry that the WebSocket layer handles itself
 * (kebab-case, as in the rest of the config); every other key belongs to the
 * protocol's factory.
 * @module
 */
import type { WsLimits } from '../lib/ws/limits.js';
import { ProtocolConfigError } from './errors.js';
import type { PerMessageDeflateConfig, WsSessionOptions } from './types.js';

const LIMIT_KEYS: Record<string, keyof WsLimits> = {
  'max-message-size': 'maxMessageSize',
  'max-fragments': 'maxFragments',
  'max-buffered-amount': 'maxBufferedAmount',
  'ping-interval-ms': 'pingIntervalMs',
  'pong-timeout-ms': 'pongTimeoutMs',
  'close-timeout-ms': 'closeTimeoutMs',
  'send-stall-timeout-ms': 'sendStallTimeoutMs',
};

const DEFLATE_KEYS: Record<string, keyof PerMessageDeflateConfig> = {
  'server-no-context-takeover': 'serverNoContextTakeover',
  'client-no-context-takeover': 'clientNoContextTakeover',
  'server-max-window-bits': 'serverMaxWindowBits',
  'client-max-window-bits': 'clientMaxWindowBits',
  threshold: 'threshold',
};

/** Keys lib/ws handles; the rest of an entry goes to the protocol factory. */
export const WS_CONFIG_KEYS: readonly string[] = ['default', 'permessage-deflate', ...Object.keys(LIMIT_KEYS)];

export interface SplitEntry {
  isDefault: boolean;
  ws: WsSessionOptions;
  options: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseDeflate(value: unknown, path: string): boolean | PerMessageDeflateConfig {
  if (typeof value === 'boolean') return value;
  if (!isObject(value)) throw new ProtocolConfigError(path, 'must be true, false or an object of permessage-deflate parameters');
  const out: PerMessageDeflateConfig = {};
  for (const [key, v] of Object.entries(value)) {
    const field = DEFLATE_KEYS[key];
    if (field === undefined) throw new ProtocolConfigError(`${path}.${key}`, `unknown permessage-deflate option; known: ${Object.keys(DEFLATE_KEYS).join(', ')}`);
    if (field === 'serverNoContextTakeover' || field === 'clientNoContextTakeover') {
      if (typeof v !== 'boolean') throw new ProtocolConfigError(`${path}.${key}`, 'must be a boolean');
      out[field] = v;
    } else if (field === 'threshold') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ProtocolConfigError(`${path}.${key}`, 'must be an integer >= 0');
      out.threshold = v;
    } else {
      // RFC 7692 §7.1.2: window bits are 8..15.
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 8 || v > 15) throw new ProtocolConfigError(`${path}.${key}`, 'must be an integer in 8..15');
      out[field] = v;
    }
  }
  return out;
}

/** Split and validate one `ws-protocols` entry. `path` is e.g. 'ws-protocols.echo'. */
export function splitEntry(entry: unknown, path: string): SplitEntry {
  if (entry === undefined || entry === null) entry = {};
  if (!isObject(entry)) throw new ProtocolConfigError(path, 'must be an object (use {} for defaults)');
  const ws: WsSessionOptions = {};
  const options: Record<string, unknown> = {};
  let isDefault = false;
  for (const [key, value] of Object.entries(entry)) {
    const at = `${path}.${key}`;
    if (key === 'default') {
      if (typeof value !== 'boolean') throw new ProtocolConfigError(at, 'must be a boolean');
      isDefault = value;
    } else if (key === 'permessage-deflate') {
      ws.perMessageDeflate = parseDeflate(value, at);
    } else if (key in LIMIT_KEYS) {
      const field = LIMIT_KEYS[key] as keyof WsLimits;
      const min = field === 'maxMessageSize' ? 1 : 0;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new ProtocolConfigError(at, `must be an integer >= ${min}`);
      ws[field] = value;
    } else {
      options[key] = value;
    }
  }
  return { isDefault, ws, options };
}
