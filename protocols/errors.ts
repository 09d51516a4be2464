/**
 * Configuration errors of WebSocket protocols (`ws-protocols`).
 * @module
 */

/** A bad `ws-protocols` entry: unknown protocol name or invalid option. `path` names the offending key. */
export class ProtocolConfigError extends Error {
  readonly code = 'SLUICE_ERR_PROTOCOL_CONFIG';
  /** Where in the config, e.g. 'ws-protocols.lws-minimal.ring-size'. */
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'ProtocolConfigError';
    this.path = path;
    this.reason = reason;
  }
}
