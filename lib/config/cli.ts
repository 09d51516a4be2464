/**
 * The `sluice` command line as data: argument parsing (node:util parseArgs)
 * and the config a `sluice DIR` invocation stands for, so `sluice ./site
 * --cors` and a one-vhost JSON config go through the same validation.
 * @module
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from './config-error.js';
import { DEFAULT_HOST, DEFAULT_PORT, resolveConfig, type ResolvedConfig } from './resolve.js';
import { validateConfig } from './validate.js';

/** How long a graceful shutdown waits for in-flight responses before cutting them: 10 s, what process managers usually allow before SIGKILL. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export const USAGE = `Usage: sluice [DIR] [options]
       sluice --config FILE [options]

Serve DIR (default .) at / over HTTP/2 and HTTP/1.1 on one port.

Options:
  -c, --config FILE        serve what a JSON config describes (vhosts, mounts, ws-protocols)
  -p, --port N             port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
      --host ADDR          address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 for all)
      --cert FILE          TLS certificate (PEM); with --key: https, h2 + http/1.1 by ALPN
      --key FILE           TLS private key (PEM)
  -s, --single [FILE]      single-page app: unknown paths serve FILE (default index.html)
      --cors               Access-Control-Allow-Origin: * and answer CORS preflights
      --access-log [FILE]  combined log format, appended to FILE (stdout without FILE)
      --shutdown-timeout MS  on SIGTERM/SIGINT, wait this long for in-flight responses
                           (default ${DEFAULT_SHUTDOWN_TIMEOUT_MS})
  -q, --quiet              no ready line
  -h, --help               show this help
  -v, --version            show the version

An optional value (--single, --access-log) is taken from "--opt=VALUE", or
from the next argument unless that is an option or an existing directory.
`;

export interface CliOptions {
  help: boolean;
  version: boolean;
  quiet: boolean;
  /** null: serve a directory. */
  config: string | null;
  /** The directory as typed (for the ready line). */
  dir: string;
  port: number;
  host: string;
  cert: string | null;
  key: string | null;
  /** SPA fallback file, or null. */
  single: string | null;
  cors: boolean;
  /** '-' for stdout, a file, or null. */
  accessLog: string | null;
  shutdownTimeoutMs: number;
}

/** Options that describe the one served directory, meaningless with --config. */
const DIR_ONLY = ['port', 'host', 'cert', 'key', 'single', 'cors'] as const;

/** Parse argv (without node and the script); a usage problem is a ConfigError with the flag as its path. */
export function parseCliArgs(argv: string[], cwd = process.cwd()): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: attachOptionalValues(argv, ['--single', '-s', '--access-log'], cwd),
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        single: { type: 'string', short: 's' },
        cors: { type: 'boolean' },
        'access-log': { type: 'string' },
        'shutdown-timeout': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw usage('', parseArgsReason(err));
  }
  const v = parsed.values;
  const positionals = parsed.positionals;
  if (positionals.length > 1) throw usage('', `one directory at most, got ${positionals.length}: ${positionals.join(' ')}`);
  if (v.config !== undefined) {
    if (positionals.length > 0) throw usage('', `DIR (${positionals[0]}) cannot be combined with --config (mount it in the config file)`);
    for (const name of DIR_ONLY) if (v[name] !== undefined) throw usage(`--${name}`, 'cannot be combined with --config (set it in the config file)');
  }
  if ((v.cert === undefined) !== (v.key === undefined)) throw usage(v.cert === undefined ? '--key' : '--cert', 'needs both --cert and --key');
  return {
    help: v.help ?? false,
    version: v.version ?? false,
    quiet: v.quiet ?? false,
    config: v.config ?? null,
    dir: positionals[0] ?? '.',
    port: v.port === undefined ? DEFAULT_PORT : integerIn('--port', v.port, 0, 65535, 'a port number 0-65535'),
    host: v.host ?? DEFAULT_HOST,
    cert: v.cert ?? null,
    key: v.key ?? null,
    single: v.single === undefined ? null : v.single === '' ? 'index.html' : v.single,
    cors: v.cors ?? false,
    accessLog: v['access-log'] === undefined ? null : v['access-log'] === '' ? '-' : v['access-log'],
    shutdownTimeoutMs: v['shutdown-timeout'] === undefined ? DEFAULT_SHUTDOWN_TIMEOUT_MS : integerIn('--shutdown-timeout', v['shutdown-timeout'], 0, 2 ** 31 - 1, 'milliseconds'),
  };
}

/**
 * The config `sluice DIR [flags]` stands for, validated and resolved against
 * `cwd`; problems are reported with the flag names (`--cert: cannot read …`).
 */
export function cliConfig(o: CliOptions, cwd: string): ResolvedConfig {
  const dir = resolve(cwd, o.dir);
  const data = {
    vhosts: [
      {
        name: 'localhost',
        host: o.host,
        port: o.port,
        ...(o.cert !== null && o.key !== null ? { tls: { cert: o.cert, key: o.key } } : {}),
        mounts: [{ mountpoint: '/', origin: `file://${dir}`, ...(o.single !== null ? { spa: o.single } : {}) }],
        ...(o.cors ? { cors: true } : {}),
        ...(o.accessLog !== null ? { 'access-log': o.accessLog } : {}),
      },
    ],
  };
  let config: ResolvedConfig;
  try {
    config = resolveConfig(validateConfig(data, ''), cwd, '');
  } catch (err) {
    if (err instanceof ConfigError) throw err.withSource('', flagOf);
    throw err;
  }
  if (o.single !== null) {
    const file = resolve(dir, o.single);
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      // reported below
    }
    if (!isFile) throw usage('--single', `${JSON.stringify(file)} is not a file`);
  }
  return config;
}

/** Config key paths of the one-vhost config, named as the flags that set them. */
function flagOf(path: string): string {
  const flags: Record<string, string> = {
    'vhosts[0].port': '--port',
    'vhosts[0].host': '--host',
    'vhosts[0].tls': '--cert/--key',
    'vhosts[0].tls.cert': '--cert',
    'vhosts[0].tls.key': '--key',
    'vhosts[0].mounts[0].origin': '',
    'vhosts[0].mounts[0].spa': '--single',
    'vhosts[0].access-log': '--access-log',
  };
  return flags[path] ?? path;
}

/**
 * parseArgs has no optional option values: `--single` alone becomes
 * `--single=` (the default), `--single app.html` becomes `--single=app.html`
 * unless the next argument is an option or an existing directory (then it is DIR).
 */
function attachOptionalValues(argv: string[], names: string[], cwd: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!names.includes(arg)) {
      out.push(arg);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('-') && !isDirectory(resolve(cwd, next))) {
      out.push(`${arg.startsWith('--') ? arg : '--single'}=${next}`);
      i++;
    } else out.push(`${arg.startsWith('--') ? arg : '--single'}=`);
  }
  return out;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function integerIn(flag: string, text: string, min: number, max: number, what: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw usage(flag, `expected ${what}, got ${JSON.stringify(text)}`);
  return n;
}

function usage(flag: string, reason: string): ConfigError {
  return new ConfigError('', [{ path: flag, reason }]);
}

/** parseArgs' messages, shortened to one line that points at --help. */
function parseArgsReason(err: unknown): string {
  const e = err as Error & { code?: string };
  const message = e.message.split('\n')[0] ?? e.message;
  const option = /option '([^']+)'/i.exec(message)?.[1]?.replace(/^-\w, /, '').replace(/ <value>$/, '');
  if (option === undefined) return message;
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option} (see sluice --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${option} ${message.includes('does not take') ? 'takes no value' : 'needs a value'} (see sluice --help)`;
    default:
      return message;
  }
}
