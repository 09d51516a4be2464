/**
 * Hot files kept in memory, revalidated by stat: an entry is served only
 * while the file's identity (inode, size, mtime, ctime) is what it was when
 * read, so an edited or replaced file is read again. Bounded by two named
 * limits (see limits.ts); least recently used entries are evicted first.
 * @module
 */
import { open } from 'node:fs/promises';

/** What the cache compares to decide whether an entry is still the file on disk. */
export interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

interface Entry {
  id: FileIdentity;
  data: Buffer;
  /** Served since it was last passed over by eviction (second chance): hits cost no reordering. */
  used: boolean;
}

export interface FileCacheLimits {
  /** Largest file kept (bytes). */
  maxFileBytes: number;
  /** Total bytes kept. */
  maxTotalBytes: number;
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

export class FileCache {
  readonly #limits: FileCacheLimits;
  /**
   * Map order is insertion order; eviction walks it from the oldest, giving an entry used since
   * its last pass a second chance (moved to the end) instead of evicting it (CLOCK: close to
   * least-recently-used, without moving an entry on every hit).
   */
  readonly #entries = new Map<string, Entry>();
  /** Reads in flight, by path and identity: concurrent misses on one file share one read. */
  readonly #reading = new Map<string, Promise<Buffer | null>>();
  #bytes = 0;
  #hits = 0;
  #reads = 0;

  constructor(limits: FileCacheLimits) {
    this.#limits = limits;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Files held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Reads answered from memory so far. */
  get hits(): number {
    return this.#hits;
  }

  /** Files read from disk so far. */
  get reads(): number {
    return this.#reads;
  }

  /** Whether a file of this size may be cached at all. */
  fits(size: number): boolean {
    return size <= this.#limits.maxFileBytes && size <= this.#limits.maxTotalBytes;
  }

  /** The cached bytes of `path` if they are still the file `stat` describes. */
  get(path: string, stat: FileIdentity): Buffer | null {
    const e = this.#entries.get(path);
    if (!e) return null;
    if (!sameFile(e.id, stat)) {
      this.#entries.delete(path);
      this.#bytes -= e.data.length;
      return null;
    }
    e.used = true;
    this.#hits++;
    return e.data;
  }

  /** Keep `data` for `path` (if it fits), evicting least recently used entries to stay under the total. */
  set(path: string, stat: FileIdentity, data: Buffer): void {
    const old = this.#entries.get(path);
    if (old) {
      this.#entries.delete(path);
      this.#bytes -= old.data.length;
    }
    if (!this.fits(data.length)) return;
    while (this.#bytes + data.length > this.#limits.maxTotalBytes) {
      const [key, e] = this.#entries.entries().next().value as [string, Entry];
      this.#entries.delete(key);
      if (e.used) {
        e.used = false;
        this.#entries.set(key, e); // second chance
      } else this.#bytes -= e.data.length;
    }
    this.#entries.set(path, { id: { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs }, data, used: false });
    this.#bytes += data.length;
  }

  /**
   * The whole content of a file: from memory when still valid, else read and
   * kept. Null when the file does not fit or changed while being read (the
   * caller streams it instead). Concurrent misses on the same file (same
   * identity) share one read, so a burst on a cold big file holds it once.
   */
  read(path: string, stat: FileIdentity): Promise<Buffer | null> {
    if (!this.fits(stat.size)) return Promise.resolve(null);
    const hit = this.get(path, stat);
    if (hit) return Promise.resolve(hit);
    const key = `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${path}`;
    let pending = this.#reading.get(key);
    if (!pending) {
      pending = this.#readFile(path, stat).finally(() => this.#reading.delete(key));
      this.#reading.set(key, pending);
    }
    return pending;
  }

  async #readFile(path: string, stat: FileIdentity): Promise<Buffer | null> {
    this.#reads++;
    // Read through one descriptor whose identity is checked: bytes of an edited file must never go out under the validators of the old one.
    const fh = await open(path, 'r');
    try {
      if (!sameFile(await fh.stat(), stat)) return null;
      const data = await fh.readFile();
      if (data.length !== stat.size) return null;
      this.set(path, stat, data);
      return data;
    } finally {
      await fh.close();
    }
  }
}
