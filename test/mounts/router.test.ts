/**
 * Mount selection and mount-spec validation (MountConfigError names the key).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createMountHandler, MountConfigError, normaliseMountpoint, selectMount, type MountSpec } from '../../mounts/index.js';

t.test('selectMount: exact beats prefix, longest prefix wins, prefixes end at a slash', async (t) => {
  const mounts = ['/', '/api', '/api/v2', '/favicon.ico'].map((mountpoint) => ({ mountpoint }));
  const pick = (p: string) => {
    const m = selectMount(mounts, p);
    return m ? [m.mount.mountpoint, m.rest] : null;
  };
  t.same(pick('/'), ['/', '/']);
  t.same(pick('/index.html'), ['/', '/index.html']);
  t.same(pick('/api'), ['/api', '']);
  t.same(pick('/api/'), ['/api', '/']);
  t.same(pick('/api/users'), ['/api', '/users']);
  t.same(pick('/api/v2/users'), ['/api/v2', '/users']);
  t.same(pick('/apix'), ['/', '/apix'], '/api does not match /apix');
  t.same(pick('/favicon.ico'), ['/favicon.ico', '']);
  t.same(selectMount([{ mountpoint: '/api' }], '/other'), null);
  t.equal(normaliseMountpoint('/api/'), '/api');
  t.equal(normaliseMountpoint('/'), '/');
});

t.test('createMountHandler: bad specs throw MountConfigError naming the key', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-router-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'file.txt'), 'x');
  const ctx = { baseDir: dir, callbacks: { api: () => {} } };
  const cases: Array<[MountSpec[], string, RegExp]> = [
    [[{ mountpoint: 'api', origin: 'callback://api' }], 'mounts[0].mountpoint', /starting with/],
    [[{ mountpoint: '/', origin: 'file://.' }, { mountpoint: '/', origin: 'file://.' }], 'mounts[1].mountpoint', /already mounted by mounts\[0\]/],
    [[{ mountpoint: '/', origin: 'file://./missing' }], 'mounts[0].origin', /does not exist/],
    [[{ mountpoint: '/', origin: 'file://./file.txt' }], 'mounts[0].origin', /not a directory/],
    [[{ mountpoint: '/x', origin: 'callback://nope' }], 'mounts[0].origin', /no callback named "nope" \(known: api\)/],
    [[{ mountpoint: '/x', origin: '>ftp://example.com' }], 'mounts[0].origin', /http/],
    [[{ mountpoint: '/x', origin: '>not a url' }], 'mounts[0].origin', /not a valid URL/],
    [[{ mountpoint: '/x', origin: 'gopher://x' }], 'mounts[0].origin', /not a known origin/],
    [[{ mountpoint: '/x', origin: '>https://e.com', 'redirect-status': 303 as 301 }], 'mounts[0].redirect-status', /301, 302, 307 or 308/],
    [[{ mountpoint: '/x', origin: 'http://127.0.0.1:1', 'proxy-timeout-ms': -5 }], 'mounts[0].proxy-timeout-ms', /positive/],
    [[{ mountpoint: '/', origin: 'file://.', 'cache-max-age': -1 }], 'mounts[0].cache-max-age', />= 0/],
    [[{ mountpoint: '/', origin: 'file://.', spa: '../outside.html' }], 'mounts[0].spa', /inside the mount/],
    [[{ mountpoint: '/', origin: 'file://.', 'extra-mimetypes': { '.x': 'nonsense' } }], 'mounts[0].extra-mimetypes..x', /not a media type/],
  ];
  for (const [mounts, key, reason] of cases) {
    try {
      createMountHandler(mounts, ctx);
      t.fail(`no error for ${key}`);
    } catch (e) {
      t.ok(e instanceof MountConfigError, `${key} is a MountConfigError`);
      const err = e as MountConfigError;
      t.equal(err.path, key);
      t.match(err.message, reason);
      t.equal(err.code, 'SLUICE_ERR_CONFIG');
    }
  }
  t.doesNotThrow(() => createMountHandler([{ mountpoint: '/', origin: 'file://.' }, { mountpoint: '/r', origin: '>/new' }], ctx), 'valid specs pass');
});
