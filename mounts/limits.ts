/**
 * The named limits of the mounts, each with its default and the reason for it.
 * A MountContext may override any of them (tests cross every one).
 * @module
 */

export interface MountLimits {
  /**
   * Largest file kept whole in the in-memory file cache (default 64 KiB).
   * Small hot files (pages, icons, scripts) are where open+read dominates; larger
   * files stream from disk chunk by chunk, so caching them saves little and costs a lot.
   */
  fileCacheMaxFileBytes: number;
  /**
   * Total bytes the file cache may hold across all files of one mount handler (default 8 MiB).
   * Bounds the cache's memory whatever the site's size; least recently used files go first.
   */
  fileCacheMaxBytes: number;
  /**
   * Most byte ranges honoured in one Range header (default 32). More is ignored (the whole
   * file is sent, RFC 9110 §14.2 allows it): many tiny ranges cost far more than the file.
   */
  maxRanges: number;
  /**
   * Smallest file read per write (default 64 KiB): even with little h2 credit a read of this
   * size is worth its trip through the thread pool (16 KiB reads under 64 KiB client windows
   * cost a third of the throughput); the write then waits for credit, the next read ahead of it.
   */
  readChunkMinBytes: number;
  /**
   * Largest file read per write (default 256 KiB): what one response holds in memory at once,
   * however much credit the peer grants (or on HTTP/1, where credit is unlimited).
   */
  readChunkMaxBytes: number;
  /**
   * File bytes one response may hold beyond the peer's credit (default 128 KiB: two windows of
   * the common 64 KiB size, Node's http2, curl, Python's h2): the WINDOW_UPDATE that reopens a
   * closed window finds data in memory, not a read in the thread pool (64 KiB measured 23 %
   * slower on h2-large-w16). A response that was never granted credit holds none, and what all
   * responses read ahead comes from the process-wide budget (read-ahead.ts).
   */
  readAheadPerStreamBytes: number;
  /**
   * File chunks are read on the event loop while each read takes at most this many ms (default
   * 1; 0 = always the thread pool): a page-cache hit is a memcpy, cheaper than the thread-pool
   * round trip (h2-large +29 %, h2-large-w16 +25 % measured), and two slower reads in a row (a
   * cold disk) send every read through the thread pool for the next second: the loop waits on a
   * disk for at most two reads a second.
   */
  readSyncMaxMs: number;
  /**
   * How long a file mount trusts what a path resolved to (real path, stats, ETag...) before
   * one stat() revalidates it (default 1000 ms; 0 disables the lookup cache): per-request
   * realpath+stat through the thread pool cost ~9x the throughput on small files, and a change
   * on disk (an edit, a re-pointed symlink or deploy root) is still seen within a second.
   */
  fileLookupTtlMs: number;
  /**
   * Most lookup results a file mount keeps (default 10000): bounds the cache's memory whatever
   * the number of files and Accept-Encoding variants asked for; the oldest entry goes first.
   */
  fileLookupMaxEntries: number;
}

export const DEFAULT_MOUNT_LIMITS: Readonly<MountLimits> = Object.freeze({
  fileCacheMaxFileBytes: 64 * 1024,
  fileCacheMaxBytes: 8 * 1024 * 1024,
  maxRanges: 32,
  readChunkMinBytes: 64 * 1024,
  readChunkMaxBytes: 256 * 1024,
  readAheadPerStreamBytes: 128 * 1024,
  readSyncMaxMs: 1,
  fileLookupTtlMs: 1000,
  fileLookupMaxEntries: 10_000,
});

/**
 * Default upstream response-headers timeout of a proxy mount, in ms (`proxy-timeout-ms`, 30 s):
 * long enough for slow backends, short enough that a dead one becomes a 504 instead of a hang.
 */
export const DEFAULT_PROXY_TIMEOUT_MS = 30_000;
