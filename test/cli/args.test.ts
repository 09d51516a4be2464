/**
 * Flag parsing (lib/config/cli.ts): defaults, short forms, and the optional
 * values of --single and --access-log, which node:util parseArgs lacks.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, parseCliArgs } from '../../lib/config/index.js';

const cwd = mkdtempSync(join(tmpdir(), 'sluice-args-'));
mkdirSync(join(cwd, 'site'));

t.test('defaults', async (t) => {
  const o = parseCliArgs([], cwd);
  t.same(
    { dir: o.dir, port: o.port, host: o.host, single: o.single, cors: o.cors, accessLog: o.accessLog, quiet: o.quiet, config: o.config, shutdownTimeoutMs: o.shutdownTimeoutMs },
    { dir: '.', port: 7681, host: '127.0.0.1', single: null, cors: false, accessLog: null, quiet: false, config: null, shutdownTimeoutMs: 10_000 },
  );
});

t.test('--single and --access-log take a value only when one is given', async (t) => {
  const cases: Array<[string[], { dir: string; single: string | null; accessLog: string | null }]> = [
    [['--single'], { dir: '.', single: 'index.html', accessLog: null }],
    [['-s', 'site'], { dir: 'site', single: 'index.html', accessLog: null }], // an existing directory is DIR
    [['--single', 'app.html', 'site'], { dir: 'site', single: 'app.html', accessLog: null }],
    [['--single=shell.html', 'site'], { dir: 'site', single: 'shell.html', accessLog: null }],
    [['site', '--single', '--cors'], { dir: 'site', single: 'index.html', accessLog: null }],
    [['--access-log', 'site'], { dir: 'site', single: null, accessLog: '-' }],
    [['--access-log', 'x.log', 'site'], { dir: 'site', single: null, accessLog: 'x.log' }],
    [['site', '--access-log'], { dir: 'site', single: null, accessLog: '-' }],
    [['--access-log=-'], { dir: '.', single: null, accessLog: '-' }],
    [['--', '--single'], { dir: '--single', single: null, accessLog: null }],
  ];
  for (const [argv, want] of cases) {
    const o = parseCliArgs(argv, cwd);
    t.same({ dir: o.dir, single: o.single, accessLog: o.accessLog }, want, argv.join(' '));
  }
});

t.test('short forms and numbers', async (t) => {
  const o = parseCliArgs(['-p', '0', '-q', '--host', '::1', '--shutdown-timeout', '250', '--cert', 'c.pem', '--key', 'k.pem'], cwd);
  t.same([o.port, o.quiet, o.host, o.shutdownTimeoutMs, o.cert, o.key], [0, true, '::1', 250, 'c.pem', 'k.pem']);
  t.equal(parseCliArgs(['-c', 'x.json'], cwd).config, 'x.json');
  t.equal(parseCliArgs(['-h'], cwd).help, true);
  t.equal(parseCliArgs(['-v'], cwd).version, true);
  const portProblem = { code: 'SLUICE_ERR_CONFIG', problems: [{ path: '--port' }] };
  t.throws(() => parseCliArgs(['--port', '1e3'], cwd), portProblem, 'exponent notation is not a port');
  t.throws(() => parseCliArgs(['--port', '+80'], cwd), portProblem, 'nor is a sign');
  t.ok(capture(() => parseCliArgs(['--port', '1e3'], cwd)) instanceof ConfigError);
});

function capture(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return null;
}
