/**
 * The file mount's lookup cache (limits `fileLookupTtlMs`, `fileLookupMaxEntries`):
 * within the TTL an entry is trusted, past it a change on disk is served fresh;
 * a refused path is never cached, a symlink re-pointed outside the root is
 * refused once the TTL ends; a fresh hit is answered in the handler's first
 * tick; revalidation and misses are single-flight. Real clients on h1 and h2.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Transaction } from '../../lib/index.js';
import { FileCache } from '../../mounts/file-cache.js';
import { FileMount } from '../../mounts/file-mount.js';
import { DEFAULT_MOUNT_LIMITS, type MountLimits } from '../../mounts/limits.js';
import { processReadAhead } from '../../mounts/read-ahead.js';
import { LookupCache, type Outcome, type ServeEntry } from '../../mounts/lookup-cache.js';
import { fetchOver, type Proto } from '../support/fetch.js';
import { start } from '../support/server.js';
import { makeSite, type Site } from './site.js';

const PROTOS: Proto[] = ['h1', 'h2'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A FileMount at `/` of its own server, so the test can look at its lookup cache. */
async function mount(t: Test, site: Site, limits: Partial<MountLimits>): Promise<{ m: FileMount; port: number }> {
  const all = { ...DEFAULT_MOUNT_LIMITS, ...limits, readAhead: processReadAhead };
  const m = new FileMount(site.root, { mountpoint: '/', origin: 'file://root' }, new FileCache({ maxFileBytes: all.fileCacheMaxFileBytes, maxTotalBytes: all.fileCacheMaxBytes }), all);
  const { port } = await start(t, (tx) => m.handle(tx, tx.request.pathname.slice(1)));
  return { m, port };
}

for (const proto of PROTOS) {
  t.test(`${proto}: limit fileLookupTtlMs: within the TTL the entry is trusted, past it the file on disk is served fresh`, async (t) => {
    const site = makeSite(t);
    const long = await mount(t, site, { fileLookupTtlMs: 60_000 });
    const ttlMs = 100;
    const short = await mount(t, site, { fileLookupTtlMs: ttlMs });
    const a = await fetchOver(proto, long.port, { path: '/hello.txt' });
    t.equal(a.body.toString(), 'hello world\n');
    t.equal((await fetchOver(proto, short.port, { path: '/hello.txt' })).body.toString(), 'hello world\n');
    writeFileSync(path.join(site.root, 'hello.txt'), 'changed content\n');

    const stale = await fetchOver(proto, long.port, { path: '/hello.txt' });
    t.equal(stale.body.toString(), 'hello world\n', 'within the TTL: the cached entry, its body and its headers agree');
    t.equal(stale.headers.etag, a.headers.etag);
    t.equal(long.m.lookups.revalidations, 0, 'no stat within the TTL');

    await sleep(3 * ttlMs);
    const fresh = await fetchOver(proto, short.port, { path: '/hello.txt' });
    t.equal(fresh.body.toString(), 'changed content\n', 'past the TTL: served fresh');
    t.not(fresh.headers.etag, a.headers.etag);
    t.equal(fresh.headers['content-length'], '16');
    t.equal(short.m.lookups.revalidations, 1, 'one revalidation');

    const unchanged = await fetchOver(proto, short.port, { path: '/docs/' });
    t.equal(unchanged.body.toString(), '<h1>docs</h1>\n');
    await sleep(3 * ttlMs);
    const again = await fetchOver(proto, short.port, { path: '/docs/' });
    t.equal(again.body.toString(), '<h1>docs</h1>\n', 'a directory index revalidates too');
    t.equal(again.headers.etag, unchanged.headers.etag, 'unchanged file: same entry, same validators');
  });

  t.test(`${proto}: a file streamed from disk that changed within the TTL is never sent under its old headers`, async (t) => {
    const site = makeSite(t);
    const { port } = await mount(t, site, { fileLookupTtlMs: 60_000 });
    const a = await fetchOver(proto, port, { path: '/big.bin' });
    t.ok(a.body.equals(site.big));
    const next = randomBytes(site.big.length);
    writeFileSync(path.join(site.root, 'big.bin'), next);
    // File times tick in milliseconds at best (often coarser): a rewrite within the same tick keeps size, inode and
    // mtime, so no validator could tell. Move the mtime on, as any real edit a moment later would.
    const later = new Date(statSync(path.join(site.root, 'big.bin')).mtimeMs + 2000);
    utimesSync(path.join(site.root, 'big.bin'), later, later);
    const b = await fetchOver(proto, port, { path: '/big.bin' });
    t.equal(b.status, 200);
    t.ok(b.body.equals(next), 'the new bytes');
    t.not(b.headers.etag, a.headers.etag, 'with the new validators');
  });

  t.test(`${proto}: refused paths are never cached; a symlink re-pointed outside the root is refused after the TTL`, async (t) => {
    const site = makeSite(t);
    const ttlMs = 100;
    const { m, port } = await mount(t, site, { fileLookupTtlMs: ttlMs });
    const refused = ['/link-outside.txt', '/dir-outside/secret.txt', '/passwd', '/.env', '/%2e%2e/outside/secret.txt', '/.git/config', '/hello.txt%00'];
    for (let round = 0; round < 2; round++) {
      for (const p of refused) {
        const r = await fetchOver(proto, port, { path: p });
        t.ok(r.status === 400 || r.status === 404, `${p} refused (round ${round})`);
        t.notMatch(r.body.toString(), /SECRET|root:/);
      }
    }
    t.equal(m.lookups.size, 0, 'nothing refused was cached');

    symlinkSync('hello.txt', path.join(site.root, 'swing.txt'));
    t.equal((await fetchOver(proto, port, { path: '/swing.txt' })).body.toString(), 'hello world\n');
    t.equal(m.lookups.size, 1);
    symlinkSync('../outside/secret.txt', path.join(site.root, 'swing.next'));
    renameSync(path.join(site.root, 'swing.next'), path.join(site.root, 'swing.txt'));
    await sleep(3 * ttlMs);
    for (let i = 0; i < 2; i++) {
      const r = await fetchOver(proto, port, { path: '/swing.txt' });
      t.equal(r.status, 404, 'past the TTL the escape is seen and refused');
      t.notMatch(r.body.toString(), /SECRET/);
    }
    t.equal(m.lookups.size, 0, 'and the entry is gone');
  });
}

t.test('fileLookupTtlMs 0 disables the cache: every request looks up again', async (t) => {
  const site = makeSite(t);
  const { m, port } = await mount(t, site, { fileLookupTtlMs: 0 });
  t.equal(m.lookups.enabled, false);
  t.equal((await fetchOver('h1', port, { path: '/hello.txt' })).body.toString(), 'hello world\n');
  writeFileSync(path.join(site.root, 'hello.txt'), 'now\n');
  t.equal((await fetchOver('h2', port, { path: '/hello.txt' })).body.toString(), 'now\n');
  t.equal(m.lookups.size, 0);
});

t.test('precompressed siblings, HEAD, 304 and ranges from a cached entry behave as from a lookup', async (t) => {
  const site = makeSite(t);
  const { port } = await mount(t, site, { fileLookupTtlMs: 60_000 });
  for (let i = 0; i < 2; i++) {
    const br = await fetchOver('h2', port, { path: '/style.css', headers: { 'accept-encoding': 'br, gzip' } });
    t.equal(br.headers['content-encoding'], 'br');
    const plain = await fetchOver('h2', port, { path: '/style.css' });
    t.equal(plain.headers['content-encoding'], undefined, 'the key includes the acceptable codings');
    t.equal(plain.body.toString(), site.css);
    const nm = await fetchOver('h1', port, { path: '/style.css', headers: { 'if-none-match': String(plain.headers.etag) } });
    t.equal(nm.status, 304);
    const range = await fetchOver('h1', port, { path: '/style.css', headers: { range: 'bytes=0-3' } });
    t.equal(range.status, 206);
    t.equal(range.body.toString(), site.css.slice(0, 4));
    t.equal(range.headers['content-range'], `bytes 0-3/${site.css.length}`);
    const head = await fetchOver('h1', port, { method: 'HEAD', path: '/style.css' });
    t.equal(head.headers['content-length'], String(site.css.length));
    t.equal(head.body.length, 0);
  }
  // A sibling added later is seen past the TTL: its absence is one of the entry's probes.
  const later = await mount(t, site, { fileLookupTtlMs: 100 });
  t.equal((await fetchOver('h1', later.port, { path: '/app.js', headers: { 'accept-encoding': 'br' } })).headers['content-encoding'], undefined);
  writeFileSync(path.join(site.root, 'app.js.br'), 'pretend brotli');
  await sleep(300);
  const br = await fetchOver('h1', later.port, { path: '/app.js', headers: { 'accept-encoding': 'br' } });
  t.equal(br.headers['content-encoding'], 'br');
  t.equal(br.body.toString(), 'pretend brotli');
});

t.test('a fresh hit is answered in the first tick: headers and body are written before handle() yields', async (t) => {
  const site = makeSite(t);
  const limits = { ...DEFAULT_MOUNT_LIMITS, fileLookupTtlMs: 60_000, readAhead: processReadAhead };
  const m = new FileMount(site.root, { mountpoint: '/', origin: 'file://root' }, new FileCache({ maxFileBytes: 65536, maxTotalBytes: 1 << 20 }), limits);
  const fake = (): { tx: Transaction; log: string[] } => {
    const log: string[] = [];
    let ended = false;
    const tx = {
      request: { method: 'GET', rawHeaders: [], headers: {}, pathname: '/hello.txt', search: '' },
      status: (c: number) => (log.push(`status ${c}`), tx),
      headerByToken: () => tx,
      finalizeHeaders: () => (log.push('head'), tx),
      get ended() {
        return ended;
      },
      get headersSent() {
        return log.includes('head');
      },
      aborted: null,
      peerWriteAllowance: () => Infinity,
      write: (b: Buffer) => {
        log.push(`write ${b.toString()}`);
        ended = true;
        return Promise.resolve();
      },
    };
    return { tx: tx as unknown as Transaction, log };
  };
  const first = fake();
  await m.handle(first.tx, 'hello.txt'); // a miss: looked up and cached
  t.same(first.log, ['status 200', 'head', 'write hello world\n']);
  const second = fake();
  const done = m.handle(second.tx, 'hello.txt');
  t.same(second.log, ['status 200', 'head', 'write hello world\n'], 'all written synchronously');
  await done;
});

t.test('single flight: concurrent misses and revalidations share one run', async (t) => {
  const cache = new LookupCache({ ttlMs: 60_000, maxEntries: 10 });
  const st = statSync(process.cwd());
  const entry = (): ServeEntry => ({ real: '/x', stat: st, coding: null, etag: '"1"', lastModifiedMs: 0, lastModified: '', contentType: 'text/plain', probes: [], checkedAt: Date.now() });
  let loads = 0;
  const load = async (): Promise<Outcome> => {
    loads++;
    await sleep(20);
    return { kind: 'serve', entry: entry() };
  };
  const all = await Promise.all(Array.from({ length: 8 }, () => cache.resolve('k', load)));
  t.equal(loads, 1, 'one load for eight concurrent misses');
  t.ok(all.every((o) => o === all[0]));
  t.ok(cache.fresh('k'));
  let notServable = 0;
  const nf = async (): Promise<Outcome> => (notServable++, { kind: 'not-found', allowSpa: true });
  await Promise.all([cache.resolve('missing', nf), cache.resolve('missing', nf)]);
  t.equal(notServable, 1);
  t.equal(cache.size, 1, 'a not-found outcome is never stored');
});

t.test('limit fileLookupMaxEntries: the oldest entry goes first, the count never exceeds it', async (t) => {
  const cache = new LookupCache({ ttlMs: 60_000, maxEntries: 2 });
  const st = statSync(process.cwd());
  const load = async (): Promise<Outcome> => ({ kind: 'serve', entry: { real: '/x', stat: st, coding: null, etag: '"1"', lastModifiedMs: 0, lastModified: '', contentType: 'text/plain', probes: [], checkedAt: Date.now() } });
  await cache.resolve('a', load);
  await cache.resolve('b', load);
  t.equal(cache.size, 2, 'at the limit');
  await cache.resolve('c', load);
  t.equal(cache.size, 2, 'one over: still at the limit');
  t.equal(cache.fresh('a'), undefined, 'the oldest went');
  t.ok(cache.fresh('b'));
  t.ok(cache.fresh('c'));
});

for (const proto of PROTOS) {
  t.test(`${proto}: a small file edited within the TTL after its body left the file cache is never sent under the old validators`, async (t) => {
    const site = makeSite(t);
    // Room for one small body: fetching another file evicts hello.txt's.
    const { port } = await mount(t, site, { fileLookupTtlMs: 60_000, fileCacheMaxBytes: 20 });
    const first = await fetchOver(proto, port, { path: '/hello.txt' });
    t.equal(first.body.toString(), 'hello world\n');
    await fetchOver(proto, port, { path: '/docs/' });
    writeFileSync(path.join(site.root, 'hello.txt'), 'HELLO WORLD\n'); // same size, new bytes
    const after = await fetchOver(proto, port, { path: '/hello.txt' });
    t.equal(after.body.toString(), 'HELLO WORLD\n', 'the bytes on disk');
    t.not(after.headers.etag, first.headers.etag, 'with validators that describe them');
  });
}
