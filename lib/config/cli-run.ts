/**
 * What the `sluice` command does, with its process edges (output, exit code,
 * signals) left to bin/sluice.ts, so the whole command can be tested in
 * process: parse the flags, load or build the config, start the listeners,
 * print the ready line.
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliConfig, parseCliArgs, USAGE, type CliOptions } from './cli.js';
import { ConfigError } from './config-error.js';
import { buildListeners, type ListenerInfo, type Listeners, type MountHandlerFactory, type ServeParts, type WebSocketWrapper } from './listeners.js';
import { loadConfigFile, type ResolvedConfig } from './resolve.js';

export interface CliIo {
  /** Standard output (ready line, help, version, `--access-log` without FILE). */
  out(text: string): void;
  /** Standard error (one line per problem). */
  err(text: string): void;
  /** Relative DIR, --cert, --config… resolve against it. */
  cwd: string;
}

export interface CliParts {
  createMountHandler: MountHandlerFactory;
  /** Loads the WebSocket stack; called only when a vhost has `ws-protocols`. */
  loadWebSockets(): Promise<WebSocketWrapper>;
  /** Loads the HTTP side of protocols as `callback://NAME` targets; called only when a vhost has `ws-protocols`. */
  loadProtocolCallbacks?(): Promise<NonNullable<ServeParts['protocolCallbacks']>>;
}

export type CliOutcome = { exitCode: number } | { servers: Listeners; infos: ListenerInfo[]; shutdownTimeoutMs: number };

/** Run the command; problems are printed one per line (`sluice: …`) and give exit code 1. */
export async function runCli(argv: string[], io: CliIo, parts: CliParts): Promise<CliOutcome> {
  try {
    return await run(argv, io, parts);
  } catch (err) {
    printProblem(err, io);
    return { exitCode: 1 };
  }
}

async function run(argv: string[], io: CliIo, parts: CliParts): Promise<CliOutcome> {
  const o = parseCliArgs(argv, io.cwd);
  if (o.help) {
    io.out(USAGE);
    return { exitCode: 0 };
  }
  if (o.version) {
    io.out(`sluice ${packageVersion()}\n`);
    return { exitCode: 0 };
  }
  let config: ResolvedConfig;
  if (o.config !== null) {
    config = await loadConfigFile(resolve(io.cwd, o.config));
    // --access-log applies to every vhost that has no log of its own.
    if (o.accessLog !== null) for (const v of config.vhosts) v.accessLog ??= o.accessLog === '-' ? '-' : resolve(io.cwd, o.accessLog);
  } else config = cliConfig(o, io.cwd);

  const needsWs = config.vhosts.some((v) => Object.keys(v.wsProtocols).length > 0);
  const servers = buildListeners(config, {
    createMountHandler: parts.createMountHandler,
    ...(needsWs ? { withWebSockets: await parts.loadWebSockets() } : {}),
    ...(needsWs && parts.loadProtocolCallbacks ? { protocolCallbacks: await parts.loadProtocolCallbacks() } : {}),
    stdoutLog: (line) => io.out(`${line}\n`),
  });
  const infos = await servers.listen();
  if (!o.quiet) for (const info of infos) io.out(`${readyLine(o, info)}\n`);
  return { servers, infos, shutdownTimeoutMs: o.shutdownTimeoutMs };
}

/** `sluice: serving ./site on http://127.0.0.1:7681 (h2 prior knowledge + http/1.1)` */
export function readyLine(o: CliOptions, info: ListenerInfo): string {
  const what = o.config === null ? o.dir : `${info.vhosts.length === 1 ? 'vhost' : 'vhosts'} ${info.vhosts.join(', ')}`;
  const ws = info.wsProtocols.length > 0 ? `; WebSocket: ${info.wsProtocols.join(', ')}` : '';
  return `sluice: serving ${what} on ${info.url} (${info.protocols}${ws})`;
}

/** One line per problem, never a stack trace (SLUICE_DEBUG=1 shows it for bugs). */
export function printProblem(err: unknown, io: Pick<CliIo, 'err'>): void {
  if (err instanceof ConfigError) for (const line of err.lines()) io.err(`sluice: ${line}\n`);
  else {
    const e = err instanceof Error ? err : new Error(String(err));
    io.err(`sluice: ${process.env.SLUICE_DEBUG === '1' ? (e.stack ?? e.message) : e.message.split('\n')[0]}\n`);
  }
}

/** The package's version, from the package.json above this file (lib/config/ in the source tree, dist/lib/config/ when built). */
export function packageVersion(): string {
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
