/**
 * Config validation and resolution: each bad config gives one line per
 * problem naming the key path and the reason.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, loadConfigFile, parseJson, resolveConfig, validateConfig } from '../../lib/config/index.js';
import { testCert } from '../support/tls.js';

function linesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.lines();
    throw err;
  }
  return ['no error'];
}

const site = (mount: Record<string, unknown>, vhost: Record<string, unknown> = {}): unknown => ({
  vhosts: [{ name: 'localhost', mounts: [{ mountpoint: '/', origin: 'file://.' }, mount], ...vhost }],
});

t.test('a good config passes and keeps its values', async (t) => {
  const c = validateConfig(
    {
      vhosts: [
        {
          name: 'localhost',
          host: '127.0.0.1',
          port: 7681,
          headers: { 'x-content-type-options': 'nosniff' },
          mounts: [
            { mountpoint: '/', origin: 'file://./site', default: 'index.html', 'cache-max-age': 60 },
            { mountpoint: '/old', origin: '>https://example.com/new', 'redirect-status': 308 },
            { mountpoint: '/api', origin: 'callback://api' },
            { mountpoint: '/up', origin: 'http://127.0.0.1:9000/x', 'proxy-timeout-ms': 500 },
          ],
          'ws-protocols': { 'lws-minimal': { default: true }, echo: {} },
        },
      ],
    },
    'c.json',
  );
  t.equal(c.vhosts[0]?.mounts?.length, 4);
  t.same(c.vhosts[0]?.['ws-protocols'], { 'lws-minimal': { default: true }, echo: {} });
});

t.test('each bad config names the key path and the reason', async (t) => {
  const cases: Array<[string, unknown, string[]]> = [
    ['unknown top-level key', { vhosts: [{ name: 'a' }], vhost: [] }, ['c.json: vhost: unknown key (did you mean "vhosts"?)']],
    ['unknown mount key', site({ mountpoint: '/a', origin: 'file://.', 'cache-maxage': 1 }), ['c.json: vhosts[0].mounts[1].cache-maxage: unknown key (did you mean "cache-max-age"?)']],
    ['unknown tls key', site({ mountpoint: '/a', origin: 'file://.' }, { tls: { cert: 'c', key: 'k', ca: 'x' } }), ['c.json: vhosts[0].tls.ca: unknown key']],
    [
      'bad origin',
      site({ mountpoint: '/a', origin: 'ftp://x' }),
      ['c.json: vhosts[0].mounts[1].origin: unsupported origin "ftp://x" (expected file://, >http(s)://, callback://, http(s)://)'],
    ],
    ['redirect to a non-http scheme', site({ mountpoint: '/a', origin: '>file://x' }), ['c.json: vhosts[0].mounts[1].origin: unsupported origin ">file://x" (expected file://, >http(s)://, callback://, http(s)://)']],
    ['empty origin target', site({ mountpoint: '/a', origin: 'callback://' }), ['c.json: vhosts[0].mounts[1].origin: origin "callback://" names nothing after "callback://"']],
    ['wrong type', site({ mountpoint: '/a', origin: 'file://.', 'cache-max-age': '60' }), ['c.json: vhosts[0].mounts[1].cache-max-age: expected a number, got string "60"']],
    ['missing key', site({ origin: 'file://.' }), ['c.json: vhosts[0].mounts[1].mountpoint: required key is missing']],
    ['mountpoint without slash', site({ mountpoint: 'api', origin: 'file://.' }), ['c.json: vhosts[0].mounts[1].mountpoint: must start with "/", got string "api"']],
    ['port too big', site({ mountpoint: '/a', origin: 'file://.' }, { port: 70000 }), ['c.json: vhosts[0].port: expected a port number 0-65535, got number 70000']],
    ['port not an integer', site({ mountpoint: '/a', origin: 'file://.' }, { port: 80.5 }), ['c.json: vhosts[0].port: expected an integer, got number 80.5']],
    ['port as string', site({ mountpoint: '/a', origin: 'file://.' }, { port: '8080' }), ['c.json: vhosts[0].port: expected a number, got string "8080"']],
    ['bad enum', site({ mountpoint: '/a', origin: 'file://.', dotfiles: 'yes' }), ['c.json: vhosts[0].mounts[1].dotfiles: expected one of "deny", "allow", got string "yes"']],
    ['bad redirect status', site({ mountpoint: '/a', origin: '>https://x', 'redirect-status': 303 }), ['c.json: vhosts[0].mounts[1].redirect-status: expected 301, 302, 307 or 308, got number 303']],
    ['bad header name', site({ mountpoint: '/a', origin: 'file://.' }, { headers: { 'x bad': 'v' } }), ['c.json: vhosts[0].headers["x bad"]: invalid key: not a valid header name']],
    ['header value with CRLF', site({ mountpoint: '/a', origin: 'file://.' }, { headers: { 'x-a': 'v\r\nx: y' } }), ['c.json: vhosts[0].headers.x-a: header values may not hold CR, LF or NUL, got string "v\\r\\nx: y"']],
    ['ws protocol options not an object', site({ mountpoint: '/a', origin: 'file://.' }, { 'ws-protocols': { echo: true } }), ['c.json: vhosts[0].ws-protocols.echo: expected an object, got boolean true']],
    ['ws default not boolean', site({ mountpoint: '/a', origin: 'file://.' }, { 'ws-protocols': { echo: { default: 1 } } }), ['c.json: vhosts[0].ws-protocols.echo.default: expected a boolean, got number 1']],
    ['no vhosts', { vhosts: [] }, ['c.json: vhosts: at least one vhost is needed']],
    ['not an object', [], ['c.json: expected an object, got an array']],
    ['empty name', { vhosts: [{ name: '' }] }, ['c.json: vhosts[0].name: must not be empty']],
    ['negative file cache size', site({ mountpoint: '/a', origin: 'file://.' }, { 'file-cache-max-bytes': -1 }), ['c.json: vhosts[0].file-cache-max-bytes: expected at least 0, got number -1']],
    ['fractional file cache file size', site({ mountpoint: '/a', origin: 'file://.' }, { 'file-cache-max-file-bytes': 1.5 }), ['c.json: vhosts[0].file-cache-max-file-bytes: expected an integer, got number 1.5']],
  ];
  for (const [what, config, expected] of cases) t.same(linesOf(() => validateConfig(config, 'c.json')), expected, what);
});

t.test('several problems give several lines', async (t) => {
  const lines = linesOf(() => validateConfig({ vhosts: [{ name: 'a', port: -1, mounts: [{ mountpoint: '/', origin: 'gopher://x', extra: 1 }] }] }, 'c.json'));
  t.equal(lines.length, 3, lines.join('\n'));
  t.ok(lines.every((l) => !l.includes('\n') && l.startsWith('c.json: vhosts[0].')));
});

t.test('JSON syntax errors give the line and column', async (t) => {
  const lines = linesOf(() => parseJson('{\n  "vhosts": [\n    { "name": "a", }\n  ]\n}', 'c.json'));
  t.equal(lines.length, 1);
  t.match(lines[0], /^c\.json: invalid JSON at line 3 column \d+: /);
});

t.test('resolve: relative paths against the config folder, missing dirs and certs reported', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
  mkdirSync(join(dir, 'site'));
  writeFileSync(join(dir, 'file.txt'), 'x');
  const cert = testCert();
  writeFileSync(join(dir, 'cert.pem'), cert.cert);
  writeFileSync(join(dir, 'key.pem'), cert.key);
  writeFileSync(join(dir, 'garbage.pem'), 'not a certificate');
  const write = (name: string, config: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(config));
    return p;
  };

  const good = await loadConfigFile(
    write('good.json', { vhosts: [{ name: 'a', port: 0, tls: { cert: 'cert.pem', key: 'key.pem' }, mounts: [{ mountpoint: '/', origin: 'file://./site' }], 'access-log': 'logs/x.log' }] }),
  );
  t.equal(good.baseDir, dir);
  t.equal(good.vhosts[0]?.tls?.certPath, join(dir, 'cert.pem'));
  t.equal(good.vhosts[0]?.accessLog, join(dir, 'logs/x.log'));
  t.equal(good.vhosts[0]?.host, '127.0.0.1', 'default host');
  t.equal(good.vhosts[0]?.port, 0);

  const bad = async (name: string, config: unknown): Promise<string[]> => {
    try {
      await loadConfigFile(write(name, config));
      return ['no error'];
    } catch (err) {
      if (err instanceof ConfigError) return err.lines();
      throw err;
    }
  };
  t.same(await bad('missing-dir.json', { vhosts: [{ name: 'a', mounts: [{ mountpoint: '/', origin: 'file://./nope' }] }] }), [
    `missing-dir.json: vhosts[0].mounts[0].origin: directory "${join(dir, 'nope')}" does not exist`,
  ]);
  t.same(await bad('not-dir.json', { vhosts: [{ name: 'a', mounts: [{ mountpoint: '/', origin: 'file://file.txt' }] }] }), [
    `not-dir.json: vhosts[0].mounts[0].origin: "${join(dir, 'file.txt')}" is not a directory`,
  ]);
  t.same(await bad('missing-cert.json', { vhosts: [{ name: 'a', tls: { cert: 'none.pem', key: 'key.pem' } }] }), [
    `missing-cert.json: vhosts[0].tls.cert: cannot read "${join(dir, 'none.pem')}": no such file or directory`,
  ]);
  const garbage = await bad('bad-cert.json', { vhosts: [{ name: 'a', tls: { cert: 'garbage.pem', key: 'key.pem' } }] });
  t.equal(garbage.length, 1);
  t.match(garbage[0], /^bad-cert\.json: vhosts\[0\]\.tls: bad certificate or key \(.*garbage\.pem, .*key\.pem\): /);
  t.same(await bad('dup.json', { vhosts: [{ name: 'a', port: 1 }, { name: 'A', port: 2 }] }), ['dup.json: vhosts[1].name: duplicate vhost name "A" (also vhosts[0])']);
  t.same(await bad('dup-mount.json', { vhosts: [{ name: 'a', mounts: [{ mountpoint: '/x', origin: 'callback://a' }, { mountpoint: '/x', origin: 'callback://b' }] }] }), [
    'dup-mount.json: vhosts[0].mounts[1].mountpoint: "/x" is already mounted by mounts[0]',
  ]);
  t.same(await bad('mixed-tls.json', { vhosts: [{ name: 'a', port: 9 }, { name: 'b', port: 9, tls: { cert: 'cert.pem', key: 'key.pem' } }] }), [
    'mixed-tls.json: vhosts[1].tls: vhosts on 127.0.0.1:9 share one listener: vhosts[0] does not use TLS, so this one must not too',
  ]);
  try {
    await loadConfigFile(join(dir, 'absent.json'));
    t.fail('no error');
  } catch (err) {
    t.same((err as ConfigError).lines(), [`absent.json: cannot read "${join(dir, 'absent.json')}": no such file or directory`]);
  }
});

t.test('resolveConfig works on a config built in code', async (t) => {
  const c = resolveConfig({ vhosts: [{ name: 'x', mounts: [{ mountpoint: '/', origin: 'file://.' }] }] }, tmpdir(), 'code');
  t.equal(c.vhosts[0]?.port, 7681);
  t.equal(c.source, 'code');
});
