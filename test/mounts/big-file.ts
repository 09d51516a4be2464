/**
 * Support for the memory acceptance tests: a 64 MiB file in os.tmpdir()
 * (deleted afterwards), a probe of live memory after full GCs, and a client
 * reader that pauses.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Test } from 'tap';

export const FILE_BYTES = 64 * 1024 * 1024;
/** The bound the acceptance asks for: well below the file size. */
export const MAX_BUFFERED = 16 * 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

/** Create `big.bin` (64 MiB, every MiB distinct) in a temp folder removed at teardown; returns the folder and sha256. */
export async function makeBigFile(t: Test): Promise<{ dir: string; file: string; sha256: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-big-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'big.bin');
  const fh = await open(file, 'w');
  const hash = createHash('sha256');
  const block = randomBytes(1 << 20);
  for (let i = 0; i < FILE_BYTES / (1 << 20); i++) {
    block.writeUInt32BE(i, 0); // each MiB differs, so a misplaced chunk changes the hash
    hash.update(block);
    await fh.write(block);
  }
  await fh.close();
  return { dir, file, sha256: hash.digest('hex') };
}

export interface Peak {
  /** Peak over every sample; after only a young-generation GC it still counts promoted garbage. */
  arrayBuffers: number;
  /** Peak over the samples taken right after a full GC: live bytes only, what the server really holds. */
  afterFullGc: number;
  rss: number;
}

/**
 * Sample live external memory until stopped; report the peak above the baseline.
 * Every sample follows a young-generation GC (cheap: chunks die young), every
 * tenth a full GC (slow under the test runner's in-process TypeScript), so
 * garbage is not counted as buffered bytes and the probe does not starve the transfer.
 */
export function memoryProbe(intervalMs = 100): { stop(): Peak } {
  gc();
  const base = process.memoryUsage();
  const peak: Peak = { arrayBuffers: 0, afterFullGc: 0, rss: 0 };
  let tick = 0;
  const sample = (full: boolean): void => {
    gc(full ? undefined : { type: 'minor' });
    const m = process.memoryUsage();
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers - base.arrayBuffers);
    peak.rss = Math.max(peak.rss, m.rss - base.rss);
    if (full) peak.afterFullGc = Math.max(peak.afterFullGc, m.arrayBuffers - base.arrayBuffers);
  };
  const timer = setInterval(() => sample(++tick % 10 === 0), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample(true);
      return peak;
    },
  };
}

/** Read a response slowly: hash it, and pause for `pauseMs` after every `everyBytes`. */
export function slowRead(stream: Readable, everyBytes: number, pauseMs: number): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let nextPause = everyBytes;
    stream.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
      if (bytes >= nextPause && bytes < FILE_BYTES) {
        nextPause += everyBytes;
        stream.pause();
        setTimeout(() => stream.resume(), pauseMs);
      }
    });
    stream.on('end', () => resolve({ bytes, sha256: hash.digest('hex') }));
    stream.on('error', reject);
  });
}

export const MiB = (n: number): string => `${(n / 2 ** 20).toFixed(2)} MiB`;
