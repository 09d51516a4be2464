#!/usr/bin/env node
/**
 * The `sluice` command: serve a directory (`sluice ./site`) or what a JSON
 * config describes (`sluice --config site.json`) over HTTP/2 and HTTP/1.1.
 * Problems are one line each on stderr and exit code 1; SIGTERM/SIGINT close
 * gracefully (in-flight responses finish) and exit 0.
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildListeners, cliConfig, ConfigError, loadConfigFile, parseCliArgs, USAGE, type CliOptions, type ListenerInfo, type Listeners, type ResolvedConfig } from '../lib/config/index.js';
import { createMountHandler } from '../mounts/index.js';

async function main(argv: string[]): Promise<void> {
  const o = parseCliArgs(argv);
  if (o.help) return void process.stdout.write(USAGE);
  if (o.version) return void process.stdout.write(`sluice ${version()}\n`);

  let config: ResolvedConfig;
  if (o.config !== null) {
    config = await loadConfigFile(o.config);
    // --access-log applies to every vhost that has no log of its own.
    if (o.accessLog !== null) for (const v of config.vhosts) v.accessLog ??= o.accessLog === '-' ? '-' : join(process.cwd(), o.accessLog);
  } else config = cliConfig(o, process.cwd());

  // The WebSocket stack loads only when a vhost offers ws-protocols.
  const { withWebSockets } = config.vhosts.some((v) => Object.keys(v.wsProtocols).length > 0) ? await import('../protocols/index.js') : { withWebSockets: null };
  const servers = buildListeners(config, {
    createMountHandler,
    ...(withWebSockets ? { withWebSockets: (ws, fallback, vhost) => withWebSockets(ws, fallback, undefined, { vhost }) } : {}),
  });
  const infos = await servers.listen();
  if (!o.quiet) for (const info of infos) process.stdout.write(`${readyLine(o, info)}\n`);
  onSignals(servers, o.shutdownTimeoutMs);
}

/** `sluice: serving ./site on http://127.0.0.1:7681 (h2 prior knowledge + http/1.1)` */
function readyLine(o: CliOptions, info: ListenerInfo): string {
  const what = o.config === null ? o.dir : `${info.vhosts.length === 1 ? 'vhost' : 'vhosts'} ${info.vhosts.join(', ')}`;
  const ws = info.wsProtocols.length > 0 ? `; WebSocket: ${info.wsProtocols.join(', ')}` : '';
  return `sluice: serving ${what} on ${info.url} (${info.protocols}${ws})`;
}

function onSignals(servers: Listeners, timeoutMs: number): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`sluice: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    servers.close(timeoutMs).then(
      () => process.exit(0),
      (err: unknown) => fail(err),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** The package's version, from the package.json above this file (bin/ in the source tree, dist/bin/ when built). */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sluice' && pkg.version) return pkg.version;
    } catch {
      // not here: look one folder up
    }
  }
  return 'unknown';
}

/** One line per problem, never a stack trace (SLUICE_DEBUG=1 shows it for bugs). */
function fail(err: unknown): never {
  if (err instanceof ConfigError) for (const line of err.lines()) process.stderr.write(`sluice: ${line}\n`);
  else {
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`sluice: ${process.env.SLUICE_DEBUG === '1' ? (e.stack ?? e.message) : e.message.split('\n')[0]}\n`);
  }
  process.exit(1);
}

main(process.argv.slice(2)).catch(fail);
