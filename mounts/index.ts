/**
 * Mounts: map URL prefixes to static files, redirects, custom handlers and
 * upstream servers, from lwsws-style mount specs. `createMountHandler` checks
 * the specs (a MountConfigError names the bad key) and returns one Handler.
 * @module
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Handler, Transaction } from '../lib/index.js';
import { CallbackMount } from './callback-mount.js';
import { FileCache } from './file-cache.js';
import { FileMount } from './file-mount.js';
import type { BodyLimits } from './file-body.js';
import { DEFAULT_MOUNT_LIMITS, type MountLimits } from './limits.js';
import { processReadAhead } from './read-ahead.js';
import { ProxyMount } from './proxy-mount.js';
import { RedirectMount, type RedirectStatus } from './redirect-mount.js';
import { respondText } from './respond-text.js';
import { normaliseMountpoint, selectMount } from './router.js';
import { MountConfigError, type MountContext, type MountSpec } from './types.js';

export { MountConfigError, type MountContext, type MountSpec } from './types.js';
export { DEFAULT_MOUNT_LIMITS, DEFAULT_PROXY_TIMEOUT_MS, type MountLimits } from './limits.js';
export { DEFAULT_READ_AHEAD_BUDGET_BYTES, ReadAheadBudget, processReadAhead } from './read-ahead.js';
export { selectMount, normaliseMountpoint } from './router.js';

/** The Handler of a mount table, plus `close()` to release upstream connections on shutdown. */
export type MountHandler = Handler & { close(): Promise<void> };

interface Mounted {
  mountpoint: string;
  handle(tx: Transaction, rest: string): Promise<void>;
  close?(): Promise<void>;
}

const REDIRECT_STATUSES = new Set([301, 302, 307, 308]);

/** A configured relative file name must stay inside the mount directory. */
function checkRelativeFile(value: unknown, where: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.trim() === '') throw new MountConfigError(where, 'must be a non-empty file name');
  if (value.split(/[/\\]/).includes('..') || value.includes('\0')) throw new MountConfigError(where, `"${value}" must stay inside the mount directory`);
}

function checkHttpUrl(value: string, where: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MountConfigError(where, `${what} "${value}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MountConfigError(where, `${what} "${value}" must be http:// or https://`);
  return url;
}

function checkOptions(spec: MountSpec, at: string): void {
  const age = spec['cache-max-age'];
  if (age !== undefined && !(typeof age === 'number' && Number.isFinite(age) && age >= 0)) throw new MountConfigError(`${at}.cache-max-age`, 'must be a number of seconds >= 0');
  const status = spec['redirect-status'];
  if (status !== undefined && !REDIRECT_STATUSES.has(status)) throw new MountConfigError(`${at}.redirect-status`, 'must be 301, 302, 307 or 308');
  const timeout = spec['proxy-timeout-ms'];
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) throw new MountConfigError(`${at}.proxy-timeout-ms`, 'must be a positive integer (ms)');
  if (spec.dotfiles !== undefined && spec.dotfiles !== 'deny' && spec.dotfiles !== 'allow') throw new MountConfigError(`${at}.dotfiles`, 'must be "deny" or "allow"');
  for (const [ext, type] of Object.entries(spec['extra-mimetypes'] ?? {})) {
    if (typeof type !== 'string' || !/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(type)) throw new MountConfigError(`${at}.extra-mimetypes.${ext}`, `"${String(type)}" is not a media type`);
  }
  checkRelativeFile(spec.default, `${at}.default`);
  checkRelativeFile(spec.spa, `${at}.spa`);
  checkRelativeFile(spec['error-document'], `${at}.error-document`);
}

function build(spec: MountSpec, at: string, ctx: MountContext, cache: FileCache, limits: MountLimits & BodyLimits): Mounted {
  const { origin } = spec;
  const where = `${at}.origin`;
  if (typeof origin !== 'string' || origin === '') throw new MountConfigError(where, 'must be a non-empty string');
  if (origin.startsWith('file://')) {
    const dir = path.resolve(ctx.baseDir, origin.slice('file://'.length));
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      throw new MountConfigError(where, `directory ${dir} does not exist`);
    }
    if (!isDir) throw new MountConfigError(where, `${dir} is not a directory`);
    const m = new FileMount(dir, spec, cache, limits);
    return { mountpoint: '', handle: (tx, rest) => m.handle(tx, rest) };
  }
  if (origin.startsWith('>')) {
    const target = origin.slice(1);
    if (!target.startsWith('/') || target.startsWith('//')) checkHttpUrl(target, where, 'redirect target');
    const m = new RedirectMount(target, (spec['redirect-status'] ?? 301) as RedirectStatus, spec['redirect-append-path'] ?? false);
    return { mountpoint: '', handle: (tx, rest) => m.handle(tx, rest) };
  }
  if (origin.startsWith('callback://')) {
    const name = origin.slice('callback://'.length);
    const handler = Object.hasOwn(ctx.callbacks, name) ? ctx.callbacks[name] : undefined;
    if (typeof handler !== 'function') {
      const known = Object.keys(ctx.callbacks);
      throw new MountConfigError(where, `no callback named "${name}" (known: ${known.length ? known.join(', ') : 'none'})`);
    }
    const m = new CallbackMount(name, handler);
    return { mountpoint: '', handle: (tx) => m.handle(tx) };
  }
  if (origin.startsWith('http://') || origin.startsWith('https://')) {
    const m = new ProxyMount(checkHttpUrl(origin, where, 'upstream'), spec['proxy-timeout-ms']);
    return { mountpoint: '', handle: (tx, rest) => m.handle(tx, rest), close: () => m.close() };
  }
  throw new MountConfigError(where, `"${origin}" is not a known origin (file://DIR, >https://URL, callback://NAME, http(s)://UPSTREAM)`);
}

/**
 * One Handler serving `mounts`: the longest matching mountpoint answers
 * (an exact match first); a path no mount matches is 404.
 * Throws MountConfigError for a spec that cannot work.
 */
export function createMountHandler(mounts: MountSpec[], ctx: MountContext): MountHandler {
  if (ctx.readAheadBudgetBytes !== undefined && !ctx.readAhead) processReadAhead.resize(ctx.readAheadBudgetBytes);
  const limits: MountLimits & BodyLimits = { ...DEFAULT_MOUNT_LIMITS, ...ctx.limits, readAhead: ctx.readAhead ?? processReadAhead };
  const cache = new FileCache({ maxFileBytes: limits.fileCacheMaxFileBytes, maxTotalBytes: limits.fileCacheMaxBytes });
  const table: Mounted[] = [];
  const seen = new Map<string, number>();
  mounts.forEach((spec, i) => {
    const at = `mounts[${i}]`;
    const mp = spec.mountpoint;
    if (typeof mp !== 'string' || !mp.startsWith('/') || /[\s?#%]/.test(mp)) throw new MountConfigError(`${at}.mountpoint`, 'must be a path starting with "/" (no spaces, "?", "#" or "%")');
    const mountpoint = normaliseMountpoint(mp);
    const dup = seen.get(mountpoint);
    if (dup !== undefined) throw new MountConfigError(`${at}.mountpoint`, `"${mp}" is already mounted by mounts[${dup}]`);
    seen.set(mountpoint, i);
    checkOptions(spec, at);
    table.push({ ...build(spec, at, ctx, cache, limits), mountpoint });
  });

  const handler = (tx: Transaction): Promise<void> => {
    const { pathname } = tx.request;
    if (!pathname.startsWith('/')) return respondText(tx, 400, 'Bad Request');
    const match = selectMount(table, pathname);
    if (!match) return respondText(tx, 404, 'Not Found');
    return match.mount.handle(tx, match.rest);
  };
  return Object.assign(handler, {
    close: async (): Promise<void> => {
      await Promise.all(table.map((m) => m.close?.()));
    },
  });
}
