/**
 * Request path decoding and refusal rules, as a pure unit.
 */
import t from 'tap';
import { SAFE_PATH_MEMO_MAX_CHARS, SAFE_PATH_MEMO_MAX_ENTRIES, SafePathMemo, safePath } from '../../mounts/safe-path.js';

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

t.test('SafePathMemo: the same answers as safePath, within its two limits', async (t) => {
  const memo = new SafePathMemo();
  for (const p of ['a/b.txt', 'docs/', '%2e%2e/x', '.env', 'a%2Fb', 'x/./y//z', '']) {
    const want = safePath(p);
    const got = memo.get(p);
    t.same({ ...got, key: undefined }, { ...want, key: undefined }, `same verdict for ${JSON.stringify(p)}`);
    t.same(memo.get(p), got, 'and again from memory');
  }
  t.equal(memo.get('x/./y//z').ok && (memo.get('x/./y//z') as { key: string }).key, '\0x/y/z', 'the lookup key of the path');
  t.equal(memo.get('docs/').ok && (memo.get('docs/') as { key: string }).key, '\0/docs', 'a trailing slash is part of the key');
  t.equal(memo.size, 4, 'refused paths (..%2e, .env, %2F) are not kept');

  const fresh = new SafePathMemo();
  for (let i = 0; i < SAFE_PATH_MEMO_MAX_ENTRIES; i++) fresh.get(`f/${i}`);
  t.equal(fresh.size, SAFE_PATH_MEMO_MAX_ENTRIES, 'limit: at the maximum every path is kept');
  fresh.get('one/more');
  t.equal(fresh.size, 1, 'one over: it starts over');
  t.ok(fresh.get('f/7').ok, 'a forgotten path is checked again');

  const long = 'a'.repeat(SAFE_PATH_MEMO_MAX_CHARS);
  const memo2 = new SafePathMemo();
  memo2.get(long);
  t.equal(memo2.size, 1, `a path of ${SAFE_PATH_MEMO_MAX_CHARS} chars is kept`);
  const longer = memo2.get(long + 'b');
  t.ok(longer.ok, 'one char longer is still answered');
  t.equal(memo2.size, 1, 'but not kept');
  t.equal(new SafePathMemo({ dotfiles: 'allow' }).get('.env').ok, true, 'the options are the memo\'s');
});
