/**
 * The mount configuration types shared by every mount kind, and the error a
 * bad mount configuration raises (naming the offending key's path).
 * @module
 */
import { SluiceErrorCode, type Handler } from '../lib/index.js';
import type { MountLimits } from './limits.js';
import type { ReadAheadBudget } from './read-ahead.js';

/** One mount, in lwsws's JSON vocabulary. */
export interface MountSpec {
  /** '/', '/api': an exact match beats a prefix, the longest prefix wins. */
  mountpoint: string;
  /** 'file://DIR' | '>https://..' | '>http://..' | 'callback://NAME' | 'http://..' | 'https://..' */
  origin: string;
  /** Default document of a directory (file mounts; default 'index.html'). */
  default?: string;
  'cache-max-age'?: number;
  'cache-reuse'?: boolean;
  'cache-revalidate'?: boolean;
  'cache-intermediaries'?: boolean;
  'cache-no'?: boolean;
  'cache-immutable'?: boolean;
  /** '.ext' -> content type, before the mime-types database. */
  'extra-mimetypes'?: Record<string, string>;
  /** File (relative to the mount directory) served with 404. */
  'error-document'?: string;
  /** Fallback file (relative to the mount directory) served with 200 for unknown paths (SPA). */
  spa?: string;
  /** 'deny' (default): dotfiles are 404, except under /.well-known/. */
  dotfiles?: 'deny' | 'allow';
  /** Serve .br/.zst/.gz siblings chosen by Accept-Encoding (default true). */
  precompressed?: boolean;
  /** Redirect mounts: the status (default 301). */
  'redirect-status'?: 301 | 302 | 307 | 308;
  /** Redirect mounts: append the path below the mountpoint (and the query) to the target (default false). */
  'redirect-append-path'?: boolean;
  /** Proxy mounts: upstream response-headers timeout in ms (default 30000), then 504. */
  'proxy-timeout-ms'?: number;
}

export interface MountContext {
  /** Relative file:// paths resolve against it (the config file's folder). */
  baseDir: string;
  /** Targets of callback://NAME mounts. */
  callbacks: Record<string, Handler>;
  /** Overrides of the named limits (limits.ts); defaults otherwise. */
  limits?: Partial<MountLimits>;
  /** The read-ahead budget file bodies share (read-ahead.ts); default: the process-wide one. */
  readAhead?: ReadAheadBudget;
  /** The config's `read-ahead-budget-bytes`: resizes the process-wide budget (when `readAhead` is not given). */
  readAheadBudgetBytes?: number;
}

/** A mount configuration that cannot work; `path` names the key, e.g. 'mounts[1].origin'. */
export class MountConfigError extends Error {
  override readonly name = 'MountConfigError';
  readonly code = SluiceErrorCode.CONFIG;
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}
