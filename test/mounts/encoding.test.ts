/**
 * Accept-Encoding q-values → which precompressed sibling to try, as a pure unit.
 */
import t from 'tap';
import { parseAcceptEncoding, rankEncodings } from '../../mounts/encoding.js';

t.test('parseAcceptEncoding: q-values, case, x-gzip, bad q dropped', async (t) => {
  const m = parseAcceptEncoding('GZIP;q=0.5, br, x-gzip;q=0.7, zstd;q=2, identity;q=0');
  t.equal(m.get('gzip'), 0.7, 'x-gzip counts as gzip, best q kept');
  t.equal(m.get('br'), 1);
  t.equal(m.has('zstd'), false, 'q=2 is not a qvalue');
  t.equal(m.get('identity'), 0);
});

t.test('rankEncodings', async (t) => {
  t.same(rankEncodings(undefined), [], 'no header: identity');
  t.same(rankEncodings(''), [], 'empty header: identity only');
  t.same(rankEncodings('gzip, deflate, br, zstd'), ['br', 'zstd', 'gzip'], 'equal q: server preference');
  t.same(rankEncodings('gzip;q=1, br;q=0.5'), ['gzip', 'br'], 'q decides');
  t.same(rankEncodings('br;q=0, gzip'), ['gzip'], 'q=0 is "not acceptable"');
  t.same(rankEncodings('*'), ['br', 'zstd', 'gzip']);
  t.same(rankEncodings('*;q=0.5, br;q=0'), ['zstd', 'gzip']);
  t.same(rankEncodings('identity;q=1, gzip;q=0.5'), [], 'identity preferred over gzip');
  t.same(rankEncodings('identity;q=0.2, gzip;q=0.5'), ['gzip']);
  t.same(rankEncodings('deflate, compress'), [], 'nothing we have');
  t.same(rankEncodings('gzip', ['gzip']), ['gzip']);
});
