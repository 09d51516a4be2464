/**
 * The JSON config: schema, loading (relative paths against the config file's
 * folder), and the listeners it describes.
 *
 * ```ts
 * const config = await loadConfigFile('site.json');
 * const servers = buildListeners(config, { createMountHandler, withWebSockets, callbacks });
 * for (const l of await servers.listen()) console.log(l.url, l.protocols);
 * ```
 * @module
 */
export { ConfigError, formatPath, type ConfigProblem } from './config-error.js';
export { configSchema, vhostSchema, mountSchema, originProblem, type SluiceConfig, type VhostConfig, type MountSpecInput } from './schema.js';
export { parseJson, validateConfig } from './validate.js';
export { loadConfigFile, resolveConfig, fileOriginDir, listenKey, DEFAULT_HOST, DEFAULT_PORT, type ResolvedConfig, type ResolvedVhost, type ResolvedTls } from './resolve.js';
export { buildListeners, Listeners, Listener, type ListenerInfo, type ServeParts, type MountHandlerFactory, type WebSocketWrapper } from './listeners.js';
export { accessLogger, withAccessLog, clfTime, escapeField, type LogSink } from './access-log.js';
export { withCors, isPreflight, CORS_ALLOW_METHODS, CORS_MAX_AGE_S, CORS_RESPONSE_HEADERS } from './cors.js';
export { parseCliArgs, cliConfig, USAGE, DEFAULT_SHUTDOWN_TIMEOUT_MS, type CliOptions } from './cli.js';
export { runCli, readyLine, printProblem, packageVersion, type CliIo, type CliParts, type CliOutcome } from './cli-run.js';
