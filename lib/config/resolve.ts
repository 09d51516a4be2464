/**
 * From a validated config to what the listeners need: relative paths
 * resolved against the config file's folder, certificates read and checked,
 * file:// directories checked, defaults filled in. Every problem found is
 * collected, so one run reports them all, each on its own line.
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import tls from 'node:tls';
import type { HeaderList } from '../index.js';
import { ConfigError, formatPath, type ConfigProblem } from './config-error.js';
import type { LimitsConfig, MountSpecInput, SluiceConfig } from './schema.js';
import { parseJson, validateConfig } from './validate.js';

/** Listening defaults (the lws test server's port, loopback only). */
export const DEFAULT_PORT = 7681;
export const DEFAULT_HOST = '127.0.0.1';

export interface ResolvedTls {
  cert: Buffer;
  key: Buffer;
  certPath: string;
  keyPath: string;
}

export interface ResolvedVhost {
  /** Position in `vhosts[]`, for error paths. */
  index: number;
  name: string;
  hostnames: string[];
  host: string;
  port: number;
  tls: ResolvedTls | null;
  headers: HeaderList;
  mounts: MountSpecInput[];
  wsProtocols: Record<string, { default?: boolean; [option: string]: unknown }>;
  cors: boolean;
  /** Absolute file path, '-' for stdout, or null for none. */
  accessLog: string | null;
  /** Overrides of the file mounts' cache limits (`file-cache-max-bytes`, `file-cache-max-file-bytes`); empty for the defaults. */
  fileCache: FileCacheOverrides;
}

/** The mount limits a vhost's config may set (named as in mounts/limits.ts). */
export interface FileCacheOverrides {
  fileCacheMaxBytes?: number;
  fileCacheMaxFileBytes?: number;
}

export interface ResolvedConfig {
  /** Relative file:// origins and paths resolve against this folder. */
  baseDir: string;
  /** What errors name: the config file's base name, or `command line`. */
  source: string;
  vhosts: ResolvedVhost[];
  /** The top-level `limits` (process-wide), as given. */
  limits: LimitsConfig;
}

/** Read, parse, validate and resolve a JSON config file. */
export async function loadConfigFile(file: string): Promise<ResolvedConfig> {
  const path = resolve(file);
  const source = basename(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(source, [{ path: '', reason: `cannot read ${JSON.stringify(path)}: ${fsReason(err)}` }]);
  }
  return resolveConfig(validateConfig(parseJson(text, source), source), dirname(path), source);
}

/** The directory a file:// origin names, resolved against `baseDir`. */
export function fileOriginDir(origin: string, baseDir: string): string {
  return resolve(baseDir, origin.slice('file://'.length));
}

/** Check and complete a validated config whose relative paths are relative to `baseDir`. */
export function resolveConfig(config: SluiceConfig, baseDir: string, source: string): ResolvedConfig {
  const problems: ConfigProblem[] = [];
  const names = new Map<string, number>();
  const vhosts = config.vhosts.map((v, i): ResolvedVhost => {
    const at = (...rest: Array<string | number>): string => formatPath(['vhosts', i, ...rest]);
    const seen = names.get(v.name.toLowerCase());
    if (seen !== undefined) problems.push({ path: at('name'), reason: `duplicate vhost name ${JSON.stringify(v.name)} (also vhosts[${seen}])` });
    else names.set(v.name.toLowerCase(), i);

    const mountpoints = new Map<string, number>();
    (v.mounts ?? []).forEach((m, j) => {
      const other = mountpoints.get(m.mountpoint);
      if (other !== undefined) problems.push({ path: at('mounts', j, 'mountpoint'), reason: `${JSON.stringify(m.mountpoint)} is already mounted by mounts[${other}]` });
      else mountpoints.set(m.mountpoint, j);
      if (m.origin.startsWith('file://')) {
        const dir = fileOriginDir(m.origin, baseDir);
        const problem = directoryProblem(dir);
        if (problem) problems.push({ path: at('mounts', j, 'origin'), reason: problem });
      }
    });

    return {
      index: i,
      name: v.name,
      hostnames: v.hostnames ?? [],
      host: v.host ?? DEFAULT_HOST,
      port: v.port ?? DEFAULT_PORT,
      tls: v.tls ? readTls(v.tls, baseDir, at('tls'), problems) : null,
      headers: Object.entries(v.headers ?? {}),
      mounts: v.mounts ?? [],
      wsProtocols: v['ws-protocols'] ?? {},
      cors: v.cors ?? false,
      accessLog: v['access-log'] === undefined ? null : v['access-log'] === '-' ? '-' : resolve(baseDir, v['access-log']),
      fileCache: {
        ...(v['file-cache-max-bytes'] === undefined ? {} : { fileCacheMaxBytes: v['file-cache-max-bytes'] }),
        ...(v['file-cache-max-file-bytes'] === undefined ? {} : { fileCacheMaxFileBytes: v['file-cache-max-file-bytes'] }),
      },
    };
  });

  // Vhosts sharing host:port share one listener, so they must agree on TLS.
  const firstOnPort = new Map<string, ResolvedVhost>();
  for (const v of vhosts) {
    const key = listenKey(v);
    const first = firstOnPort.get(key);
    if (!first) firstOnPort.set(key, v);
    else if ((first.tls === null) !== (v.tls === null)) {
      problems.push({
        path: formatPath(['vhosts', v.index, 'tls']),
        reason: `vhosts on ${key} share one listener: vhosts[${first.index}] ${first.tls ? 'uses' : 'does not use'} TLS, so this one must ${first.tls ? '' : 'not '}too`,
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return { baseDir, source, vhosts, limits: config.limits ?? {} };
}

/** `host:port`, with IPv6 literals bracketed. */
export function listenKey(v: { host: string; port: number }): string {
  return `${v.host.includes(':') ? `[${v.host}]` : v.host}:${v.port}`;
}

function readTls(t: { cert: string; key: string }, baseDir: string, at: string, problems: ConfigProblem[]): ResolvedTls | null {
  const certPath = resolve(baseDir, t.cert);
  const keyPath = resolve(baseDir, t.key);
  const cert = readOrReport(certPath, `${at}.cert`, problems);
  const key = readOrReport(keyPath, `${at}.key`, problems);
  if (!cert || !key) return null;
  try {
    tls.createSecureContext({ cert, key });
  } catch (err) {
    problems.push({ path: at, reason: `bad certificate or key (${certPath}, ${keyPath}): ${opensslReason(err)}` });
    return null;
  }
  return { cert, key, certPath, keyPath };
}

function readOrReport(path: string, at: string, problems: ConfigProblem[]): Buffer | null {
  try {
    return readFileSync(path);
  } catch (err) {
    problems.push({ path: at, reason: `cannot read ${JSON.stringify(path)}: ${fsReason(err)}` });
    return null;
  }
}

function directoryProblem(dir: string): string | null {
  try {
    if (!statSync(dir).isDirectory()) return `${JSON.stringify(dir)} is not a directory`;
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? `directory ${JSON.stringify(dir)} does not exist` : `cannot use directory ${JSON.stringify(dir)}: ${fsReason(err)}`;
  }
}

/** A file system error as a few words. */
export function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    default:
      return e.message ?? String(err);
  }
}

/** OpenSSL's `error:0480006C:PEM routines::no start line` as `PEM routines: no start line`. */
function opensslReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^error:[0-9A-F]+:/, '').replace(/::/, ': ');
}
