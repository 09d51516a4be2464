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
