/**
 * The command's failures, run in process: every bad config, bad flag,
 * missing directory or certificate and taken port is one line naming the
 * problem (the key path for configs, the flag for the command line), no
 * stack trace, exit code 1. test/cli/process.test.ts checks the same through
 * a real child process.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { testCert } from '../support/tls.js';
import { cli, type CliRun } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
mkdirSync(join(dir, 'site'));
writeFileSync(join(dir, 'site', 'index.html'), '<p>hi</p>');
writeFileSync(join(dir, 'garbage.pem'), 'not a certificate');
const cert = testCert();

function config(name: string, vhost: Record<string, unknown>, mounts: unknown[] = [{ mountpoint: '/', origin: 'file://./site' }]): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ vhosts: [{ name: 'localhost', port: 0, mounts, ...vhost }] }, null, 2));
  return file;
}

/** Exit 1, nothing on stdout, exactly `lines` on stderr. */
function failsWith(t: Test, r: CliRun, lines: Array<string | RegExp>, what: string): void {
  t.equal(r.exitCode, 1, `${what}: exit code 1`);
  t.equal(r.out, '', `${what}: nothing on stdout`);
  const got = r.err.split('\n').filter((l) => l !== '');
  t.equal(got.length, lines.length, `${what}: ${lines.length} line(s): ${r.err}`);
  lines.forEach((l, i) => (typeof l === 'string' ? t.equal(got[i], l, what) : t.match(got[i], l, what)));
  t.notMatch(r.err, /\n\s+at /, `${what}: no stack trace`);
}

t.test('bad configs: one line each naming the key path, exit 1', async (t) => {
  writeFileSync(join(dir, 'broken.json'), '{ "vhosts": [ }');
  const cases: Array<[string, string[], Array<string | RegExp>]> = [
    ['unknown key', ['--config', config('unknown.json', { mount: [] })], ['sluice: unknown.json: vhosts[0].mount: unknown key (did you mean "mounts"?)']],
    [
      'bad origin',
      ['--config', config('origin.json', {}, [{ mountpoint: '/', origin: 'file://./site' }, { mountpoint: '/x', origin: 'ftp://x' }])],
      ['sluice: origin.json: vhosts[0].mounts[1].origin: unsupported origin "ftp://x" (expected file://, >http(s)://, callback://, http(s)://)'],
    ],
    ['wrong type', ['--config', config('type.json', {}, [{ mountpoint: '/', origin: 'file://./site', 'cache-max-age': '60' }])], ['sluice: type.json: vhosts[0].mounts[0].cache-max-age: expected a number, got string "60"']],
    ['bad port', ['--config', config('port.json', { port: 65536 })], ['sluice: port.json: vhosts[0].port: expected a port number 0-65535, got number 65536']],
    ['missing dir', ['--config', config('dir.json', {}, [{ mountpoint: '/', origin: 'file://./nope' }])], [`sluice: dir.json: vhosts[0].mounts[0].origin: directory "${join(dir, 'nope')}" does not exist`]],
    ['missing cert', ['--config', config('cert.json', { tls: { cert: 'none.pem', key: cert.keyPath } })], [`sluice: cert.json: vhosts[0].tls.cert: cannot read "${join(dir, 'none.pem')}": no such file or directory`]],
    ['bad cert', ['--config', config('badcert.json', { tls: { cert: 'garbage.pem', key: cert.keyPath } })], [/^sluice: badcert\.json: vhosts\[0\]\.tls: bad certificate or key \(.+\): .+/]],
    ['unknown callback', ['--config', config('cb.json', {}, [{ mountpoint: '/api', origin: 'callback://api' }])], ['sluice: cb.json: vhosts[0].mounts[0].origin: unknown callback "api" (none are registered)']],
    ['unknown ws protocol', ['--config', config('ws.json', { 'ws-protocols': { nope: {} } })], [/^sluice: ws\.json: vhosts\[0\]\.ws-protocols\.nope: unknown WebSocket protocol "nope"/]],
    ['bad ws protocol option', ['--config', config('wsopt.json', { 'ws-protocols': { echo: { 'no-such-option': 1 } } })], [/^sluice: wsopt\.json: vhosts\[0\]\.ws-protocols\.echo\.no-such-option: /]],
    ['error document escaping the mount', ['--config', config('errdoc.json', {}, [{ mountpoint: '/', origin: 'file://./site', 'error-document': '../x.html' }])], [/^sluice: errdoc\.json: vhosts\[0\]\.mounts\[0\]\.error-document: /]],
    ['several problems', ['--config', config('many.json', { port: 'x', extra: 1 })], ['sluice: many.json: vhosts[0].port: expected a number, got string "x"', 'sluice: many.json: vhosts[0].extra: unknown key']],
    ['invalid JSON', ['--config', join(dir, 'broken.json')], ["sluice: broken.json: invalid JSON: Unexpected token '}'"]],
    ['missing config file', ['--config', join(dir, 'absent.json')], [`sluice: absent.json: cannot read "${join(dir, 'absent.json')}": no such file or directory`]],
    ['unwritable access log', ['--config', config('log.json', { 'access-log': 'no/such/dir/x.log' })], [`sluice: log.json: vhosts[0].access-log: cannot write "${join(dir, 'no/such/dir/x.log')}": no such file or directory`]],
  ];
  for (const [what, args, lines] of cases) failsWith(t, await cli(t, args, dir), lines, what);
});

t.test('bad command lines: one line each naming the flag, exit 1', async (t) => {
  const cases: Array<[string, string[], Array<string | RegExp>]> = [
    ['missing directory', ['nope'], [`sluice: directory "${join(dir, 'nope')}" does not exist`]],
    ['a file, not a directory', ['garbage.pem'], [`sluice: "${join(dir, 'garbage.pem')}" is not a directory`]],
    ['bad --port', ['--port', '80x'], ['sluice: --port: expected a port number 0-65535, got "80x"']],
    ['--port out of range', ['--port', '70000'], ['sluice: --port: expected a port number 0-65535, got "70000"']],
    ['--port without a value', ['--port'], ['sluice: --port needs a value (see sluice --help)']],
    ['unknown option', ['--frobnicate'], ['sluice: unknown option --frobnicate (see sluice --help)']],
    ['a value for a switch', ['--cors=yes'], ['sluice: --cors takes no value (see sluice --help)']],
    ['--cert without --key', ['--cert', cert.certPath], ['sluice: --cert: needs both --cert and --key']],
    ['missing --cert file', ['--cert', 'none.pem', '--key', cert.keyPath, 'site'], [`sluice: --cert: cannot read "${join(dir, 'none.pem')}": no such file or directory`]],
    ['bad certificate', ['--cert', 'garbage.pem', '--key', cert.keyPath, 'site'], [/^sluice: --cert\/--key: bad certificate or key \(.*garbage\.pem, .*\): .+/]],
    ['--single file missing', ['site', '--single', 'app.html'], [`sluice: --single: "${join(dir, 'site', 'app.html')}" is not a file`]],
    ['--port with --config', ['--config', config('ok.json', {}), '--port', '1'], ['sluice: --port: cannot be combined with --config (set it in the config file)']],
    ['DIR with --config', ['--config', 'ok.json', 'site'], ['sluice: DIR (site) cannot be combined with --config (mount it in the config file)']],
    ['two directories', ['site', 'site'], ['sluice: one directory at most, got 2: site site']],
    ['bad --shutdown-timeout', ['--shutdown-timeout', '-1'], ['sluice: --shutdown-timeout needs a value (see sluice --help)']],
    ['unavailable address', ['site', '--host', '192.0.2.1', '--port', '0'], ['sluice: cannot listen on 192.0.2.1:0: address not available on this machine']],
  ];
  for (const [what, args, lines] of cases) failsWith(t, await cli(t, args, dir), lines, what);
});

t.test('a taken port: one line, exit 1, and no listener left behind', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const { port } = blocker.address() as net.AddressInfo;
  failsWith(t, await cli(t, ['site', '--port', String(port)], dir), [`sluice: cannot listen on 127.0.0.1:${port}: address already in use`], 'EADDRINUSE');

  // Two listeners, the second port taken: the first is closed again.
  const file = join(dir, 'two.json');
  writeFileSync(
    file,
    JSON.stringify({
      vhosts: [
        { name: 'a', port: 0, mounts: [{ mountpoint: '/', origin: 'file://./site' }] },
        { name: 'b', port, mounts: [{ mountpoint: '/', origin: 'file://./site' }] },
      ],
    }),
  );
  failsWith(t, await cli(t, ['--config', file], dir), [`sluice: cannot listen on 127.0.0.1:${port}: address already in use`], 'second listener taken');
});

t.test('--help and --version', async (t) => {
  const help = await cli(t, ['--help']);
  t.equal(help.exitCode, 0);
  t.match(help.out, /^Usage: sluice \[DIR\] \[options\]/);
  for (const flag of ['--config', '--port', '--host', '--cert', '--key', '--single', '--cors', '--quiet', '--access-log', '--help', '--version']) t.match(help.out, flag, `help lists ${flag}`);
  const version = await cli(t, ['--version']);
  t.equal(version.exitCode, 0);
  t.match(version.out, /^sluice \d+\.\d+\.\d+\n$/);
  t.equal(help.err + version.err, '');
});
