/**
 * Request path decoding and refusal rules, as a pure unit.
 */
import t from 'tap';
import { safePath } from '../../mounts/safe-path.js';

t.test('decodes, drops empty and "." segments, notes the trailing slash', async (t) => {
  t.same(safePath('/a%20b/./c//d.txt'), { ok: true, segments: ['a b', 'c', 'd.txt'], trailingSlash: false });
  t.same(safePath('/docs/'), { ok: true, segments: ['docs'], trailingSlash: true });
  t.same(safePath(''), { ok: true, segments: [], trailingSlash: false });
  t.same(safePath('/%E2%98%83'), { ok: true, segments: ['☃'], trailingSlash: false });
});

t.test('traversal, encoded separators, NUL, backslash, bad encoding: 400', async (t) => {
  for (const p of ['/../etc/passwd', '/a/../../x', '/%2e%2e/x', '/%2E%2e/x', '/.%2e/x', '/a%2f..%2fb', '/a%2F..', '/a%5c..%5cb', '/a\\..\\b', '/a%00b', '/%', '/%zz', '/%c0%ae%c0%ae/']) {
    const r = safePath(p);
    t.equal(r.ok ? 'ok' : r.status, 400, p);
  }
});

t.test('dotfiles: 404 by default, /.well-known/ allowed, "allow" serves them', async (t) => {
  for (const p of ['/.env', '/a/.git/config', '/%2egit/HEAD', '/.well-known/.secret']) {
    const r = safePath(p);
    t.equal(r.ok ? 'ok' : r.status, 404, p);
  }
  t.same(safePath('/.well-known/security.txt'), { ok: true, segments: ['.well-known', 'security.txt'], trailingSlash: false });
  t.equal(safePath('/a/.well-known/x').ok, false, 'only at the mount root');
  t.same(safePath('/.env', { dotfiles: 'allow' }), { ok: true, segments: ['.env'], trailingSlash: false });
  t.equal(safePath('/../x', { dotfiles: 'allow' }).ok, false, 'allow never allows ..');
});
