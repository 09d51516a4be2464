/**
 * Types for protocol authors: the plugin API itself (lib/ws/protocol-api.ts,
 * where the ws layer that drives it lives) and the registry's contract.
 * @module
 */
import type { Protocol } from '../lib/ws/protocol-api.js';

export type {
  CloseInfo,
  MessageKind,
  PerMessageDeflateConfig,
  Protocol,
  ProtocolContext,
  Session,
  WsMessage,
  WsSessionOptions,
} from '../lib/ws/protocol-api.js';

/**
 * Builds a protocol from its `ws-protocols` entry. `options` are the entry's
 * keys minus the ones lib/ws handles itself (see `WS_CONFIG_KEYS` in
 * protocols/ws-config.ts: 'default', 'permessage-deflate', 'max-message-size',
 * 'ping-interval-ms', 'pong-timeout-ms', 'max-buffered-amount', 'close-timeout-ms', ...).
 * Throw `ProtocolConfigError(optionPath, reason)` (protocols/errors.ts) for a bad
 * option; the path is relative to the entry (e.g. 'ring-size') and is prefixed
 * by the caller.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ProtocolFactory = (options: Readonly<Record<string, unknown>>) => Protocol<any, any>;

/** A `ws-protocols` entry (contract: protocols/index.ts). */
export interface WsProtocolConfig {
  default?: boolean;
  [option: string]: unknown;
}
