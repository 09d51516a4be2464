/**
 * The in-memory file cache: revalidated by stat, bounded by its two named limits.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { FileCache } from '../../mounts/file-cache.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-cache-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: string | Buffer) => {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
};

t.test('a hit while the file is unchanged; re-read after it changes', async (t) => {
  const cache = new FileCache({ maxFileBytes: 1024, maxTotalBytes: 4096 });
  const p = file('a.txt', 'first');
  t.equal((await cache.read(p, statSync(p)))?.toString(), 'first');
  t.equal((await cache.read(p, statSync(p)))?.toString(), 'first');
  t.equal(cache.hits, 1);
  writeFileSync(p, 'second!');
  t.equal((await cache.read(p, statSync(p)))?.toString(), 'second!', 'stat changed: read again');
  t.equal(cache.hits, 1);
  t.equal(cache.bytes, 7);
});

t.test('limit maxFileBytes: a file at the limit is cached, one byte over is not', async (t) => {
  const cache = new FileCache({ maxFileBytes: 100, maxTotalBytes: 4096 });
  const at = file('at.bin', Buffer.alloc(100, 1));
  const over = file('over.bin', Buffer.alloc(101, 1));
  t.equal((await cache.read(at, statSync(at)))?.length, 100);
  t.equal(await cache.read(over, statSync(over)), null, 'the caller streams it');
  t.equal(cache.size, 1);
  t.equal(cache.bytes, 100);
});

t.test('limit maxTotalBytes: least recently used entries are evicted to stay under it', async (t) => {
  const cache = new FileCache({ maxFileBytes: 100, maxTotalBytes: 250 });
  const [a, b, c] = ['a', 'b', 'c'].map((n) => file(`${n}.bin`, Buffer.alloc(100, n.charCodeAt(0)))) as [string, string, string];
  await cache.read(a, statSync(a));
  await cache.read(b, statSync(b));
  await cache.read(a, statSync(a)); // a is now the most recent
  await cache.read(c, statSync(c)); // 300 > 250: b goes
  t.equal(cache.bytes, 200);
  t.equal(cache.size, 2);
  t.not(cache.get(a, statSync(a)), null, 'a kept');
  t.equal(cache.get(b, statSync(b)), null, 'b evicted');
  t.not(cache.get(c, statSync(c)), null, 'c kept');
  t.ok(cache.bytes <= 250);
});

t.test('concurrent misses on one file share one read; a changed file is a new read', async (t) => {
  const cache = new FileCache({ maxFileBytes: 1 << 20, maxTotalBytes: 1 << 20 });
  const p = file('burst.bin', Buffer.alloc(300_000, 7));
  const st = statSync(p);
  const all = await Promise.all(Array.from({ length: 16 }, () => cache.read(p, st)));
  t.equal(cache.reads, 1, 'sixteen requests, one read');
  t.ok(all.every((b) => b === all[0] && b?.length === 300_000), 'all share the same bytes');
  t.equal(cache.bytes, 300_000, 'held once');
  writeFileSync(p, Buffer.alloc(300_001, 8));
  const st2 = statSync(p);
  const [x, y] = await Promise.all([cache.read(p, st2), cache.read(p, st2)]);
  t.equal(cache.reads, 2, 'the new file: one more read, shared again');
  t.equal(x?.length, 300_001);
  t.equal(x, y);
  t.equal(cache.bytes, 300_001, 'the old bytes are gone');
});

t.test('a failed read is not remembered: the next request tries again', async (t) => {
  const cache = new FileCache({ maxFileBytes: 1024, maxTotalBytes: 4096 });
  const p = file('gone.txt', 'soon gone');
  const st = statSync(p);
  rmSync(p);
  await t.rejects(cache.read(p, st), { code: 'ENOENT' });
  writeFileSync(p, 'soon gone');
  const again = await cache.read(p, statSync(p));
  t.equal(again?.toString(), 'soon gone');
  t.equal(cache.reads, 2);
});

t.test('eviction gives a file served since its last pass a second chance (CLOCK)', async (t) => {
  const cache = new FileCache({ maxFileBytes: 100, maxTotalBytes: 300 });
  const [a, b, c, d] = ['ca', 'cb', 'cc', 'cd'].map((n) => file(`${n}.bin`, Buffer.alloc(100, n.charCodeAt(1)))) as [string, string, string, string];
  for (const p of [a, b, c]) await cache.read(p, statSync(p));
  t.not(cache.get(a, statSync(a)), null, 'a served (the oldest entry)');
  await cache.read(d, statSync(d)); // 400 > 300: a is passed over, b goes
  t.equal(cache.get(b, statSync(b)), null, 'b, never served since it was read, is evicted');
  t.not(cache.get(a, statSync(a)), null, 'a kept');
  t.equal(cache.bytes, 300);
  t.equal(cache.hits, 2);
});
