/**
 * The file mount's lookup cache: what a request path resolved to (real path,
 * stats, ETag, Last-Modified string, content type, chosen coding), kept per
 * (mount, normalised decoded path, acceptable codings) and trusted for a short
 * TTL (`fileLookupTtlMs`), so a fresh hit is answered without touching the
 * file system, in the handler's first tick.
 *
 * Only servable files are stored: the key is built AFTER the safe-path checks,
 * and an entry is created only by a full lookup (realpath inside the root,
 * regular file). When the TTL has passed, the entry is revalidated by stat()ing
 * the paths that decided it (the file through the configured, unresolved root,
 * so a re-pointed symlink anywhere on the way shows as another inode; the chosen
 * precompressed sibling; the better siblings that were absent), in parallel and
 * once for all concurrent requests (single-flight). Any difference means a full
 * lookup again (realpath checks included). Consequence: a file edited, or a
 * symlink (or deploy root) re-pointed, within the TTL is seen when the TTL ends.
 * @module
 */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Coding } from './encoding.js';

/** What identifies a file version: a different inode, device, size, mtime or ctime is another file. */
export interface Identity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** A path whose stat() decided the entry, and what it was then (null: it did not exist). */
export interface Probe {
  path: string;
  id: Identity | null;
}

/** A servable representation, with everything its response headers need precomputed. */
export interface ServeEntry {
  /** The representation's resolved path (inside the root): what is opened or read. */
  real: string;
  stat: Stats;
  coding: Coding | null;
  etag: string;
  lastModifiedMs: number;
  /** Last-Modified as an HTTP-date. */
  lastModified: string;
  contentType: string;
  /** The stats that revalidate this entry. */
  probes: Probe[];
  /** When the probes last matched (Date.now()). */
  checkedAt: number;
}

/** The answer to a request path: a representation to serve, or one of the other outcomes (never cached). */
export type Outcome =
  | { kind: 'serve'; entry: ServeEntry }
  | { kind: 'redirect' }
  | { kind: 'forbidden' }
  | { kind: 'not-found'; /** false for a refused path: no SPA fallback */ allowSpa: boolean };

export function identityOf(st: Stats): Identity {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

export function sameIdentity(a: Identity | null, b: Identity | null): boolean {
  if (a === null || b === null) return a === b;
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** Whether every probe still finds what it found: one stat per probe, in parallel. */
export async function probesHold(probes: readonly Probe[]): Promise<boolean> {
  const now = await Promise.all(probes.map((p) => stat(p.path).then(identityOf, () => null)));
  return probes.every((p, i) => sameIdentity(p.id, now[i] ?? null));
}

export interface LookupCacheLimits {
  /** How long an entry is trusted without a stat (ms); 0 disables the cache. */
  ttlMs: number;
  /** Most entries kept; the oldest inserted goes first. */
  maxEntries: number;
}

export class LookupCache {
  readonly #limits: LookupCacheLimits;
  readonly #entries = new Map<string, ServeEntry>();
  readonly #inFlight = new Map<string, Promise<Outcome>>();
  #revalidations = 0;

  constructor(limits: LookupCacheLimits) {
    this.#limits = limits;
  }

  /** Whether the cache is on (a TTL above 0). */
  get enabled(): boolean {
    return this.#limits.ttlMs > 0;
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Revalidations (probe rounds) run so far. */
  get revalidations(): number {
    return this.#revalidations;
  }

  /** The entry for `key` if it is still within its TTL, without touching the file system. */
  fresh(key: string): ServeEntry | undefined {
    const e = this.#entries.get(key);
    return e && Date.now() - e.checkedAt < this.#limits.ttlMs ? e : undefined;
  }

  /** Drop `key` (the file turned out to differ from its entry). */
  forget(key: string): void {
    this.#entries.delete(key);
  }

  /**
   * The outcome for `key`: a stale entry is revalidated by its probes, a missing or
   * changed one is looked up again by `load`; concurrent callers share one run.
   */
  resolve(key: string, load: () => Promise<Outcome>): Promise<Outcome> {
    let p = this.#inFlight.get(key);
    if (!p) {
      p = this.#run(key, load).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, p);
    }
    return p;
  }

  async #run(key: string, load: () => Promise<Outcome>): Promise<Outcome> {
    const old = this.#entries.get(key);
    if (old) {
      const fresh = this.fresh(key);
      if (fresh) return { kind: 'serve', entry: fresh };
      this.#revalidations++;
      if (await probesHold(old.probes)) {
        old.checkedAt = Date.now();
        return { kind: 'serve', entry: old };
      }
      this.#entries.delete(key);
    }
    const outcome = await load();
    if (outcome.kind === 'serve') this.#store(key, outcome.entry);
    return outcome;
  }

  #store(key: string, entry: ServeEntry): void {
    this.#entries.delete(key);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size < this.#limits.maxEntries) break;
      this.#entries.delete(oldest);
    }
    if (this.#limits.maxEntries > 0) this.#entries.set(key, entry);
  }
}
