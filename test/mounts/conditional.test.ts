/**
 * Conditional request evaluation (RFC 9110 §13) as a pure unit.
 */
import t from 'tap';
import { evaluatePreconditions, ifRangeAllows, makeEtag, parseEntityTags, parseHttpDate } from '../../mounts/conditional.js';

const MTIME = Date.UTC(2024, 0, 15, 10, 30, 0) + 123; // sub-second part must not matter
const V = { etag: '"abc-1"', lastModified: MTIME };
const BEFORE = 'Mon, 15 Jan 2024 10:29:59 GMT';
const SAME = 'Mon, 15 Jan 2024 10:30:00 GMT';
const AFTER = 'Mon, 15 Jan 2024 10:30:01 GMT';

t.test('makeEtag is strong, quoted, and differs by size, time, inode and coding', async (t) => {
  const a = makeEtag({ size: 500, mtimeMs: 1000.7, ino: 9 });
  t.match(a, /^"[0-9a-f-]+"$/);
  t.not(a, makeEtag({ size: 501, mtimeMs: 1000.7, ino: 9 }));
  t.not(a, makeEtag({ size: 500, mtimeMs: 2000, ino: 9 }));
  t.not(a, makeEtag({ size: 500, mtimeMs: 1000.7, ino: 10 }));
  t.not(a, makeEtag({ size: 500, mtimeMs: 1000.7, ino: 9 }, 'br'));
  t.equal(makeEtag({ size: 500, mtimeMs: 1000.7, ino: 9 }, 'gzip'), '"1f4-3e8-9-gzip"');
});

t.test('parseEntityTags: lists, weak tags, *, commas inside quotes, malformed', async (t) => {
  t.equal(parseEntityTags(' * '), '*');
  t.same(parseEntityTags('"a", W/"b" ,"c,d"'), [
    { weak: false, opaque: '"a"' },
    { weak: true, opaque: '"b"' },
    { weak: false, opaque: '"c,d"' },
  ]);
  t.equal(parseEntityTags('abc'), null, 'unquoted');
  t.equal(parseEntityTags('"a" "b"'), null);
  t.equal(parseEntityTags(''), null);
});

t.test('parseHttpDate: IMF-fixdate, RFC 850, asctime; garbage is null', async (t) => {
  const want = Date.UTC(1994, 10, 6, 8, 49, 37);
  t.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), want);
  t.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), want);
  t.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), want);
  t.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 PST'), null);
  t.equal(parseHttpDate('Sun, 06 Foo 1994 08:49:37 GMT'), null);
  t.equal(parseHttpDate('Sun, 06 Nov 1994 25:49:37 GMT'), null);
  t.equal(parseHttpDate('yesterday'), null);
});

t.test('If-None-Match: weak comparison, lists and * give 304 on GET/HEAD, 412 otherwise', async (t) => {
  t.equal(evaluatePreconditions('GET', { 'if-none-match': '"abc-1"' }, V), 'not-modified');
  t.equal(evaluatePreconditions('HEAD', { 'if-none-match': 'W/"abc-1"' }, V), 'not-modified', 'weak matches weakly');
  t.equal(evaluatePreconditions('GET', { 'if-none-match': '"x", "abc-1"' }, V), 'not-modified', 'in a list');
  t.equal(evaluatePreconditions('GET', { 'if-none-match': '*' }, V), 'not-modified');
  t.equal(evaluatePreconditions('GET', { 'if-none-match': '"x", "y"' }, V), 'proceed');
  t.equal(evaluatePreconditions('GET', { 'if-none-match': 'abc-1' }, V), 'proceed', 'unquoted lws-style tag never matches');
  t.equal(evaluatePreconditions('DELETE', { 'if-none-match': '*' }, V), 'failed');
});

t.test('If-Modified-Since: second resolution; ignored with If-None-Match, invalid dates, non-GET', async (t) => {
  t.equal(evaluatePreconditions('GET', { 'if-modified-since': SAME }, V), 'not-modified');
  t.equal(evaluatePreconditions('GET', { 'if-modified-since': AFTER }, V), 'not-modified');
  t.equal(evaluatePreconditions('GET', { 'if-modified-since': BEFORE }, V), 'proceed');
  t.equal(evaluatePreconditions('GET', { 'if-modified-since': 'not a date' }, V), 'proceed');
  t.equal(evaluatePreconditions('GET', { 'if-modified-since': SAME, 'if-none-match': '"other"' }, V), 'proceed', 'If-None-Match takes precedence');
  t.equal(evaluatePreconditions('POST', { 'if-modified-since': SAME }, V), 'proceed');
});

t.test('If-Match: strong comparison, * and lists; If-Unmodified-Since only without If-Match', async (t) => {
  t.equal(evaluatePreconditions('GET', { 'if-match': '"abc-1"' }, V), 'proceed');
  t.equal(evaluatePreconditions('GET', { 'if-match': '"x", "abc-1"' }, V), 'proceed');
  t.equal(evaluatePreconditions('GET', { 'if-match': '*' }, V), 'proceed');
  t.equal(evaluatePreconditions('GET', { 'if-match': 'W/"abc-1"' }, V), 'failed', 'a weak tag never matches strongly');
  t.equal(evaluatePreconditions('GET', { 'if-match': '"nope"' }, V), 'failed');
  t.equal(evaluatePreconditions('GET', { 'if-unmodified-since': BEFORE }, V), 'failed');
  t.equal(evaluatePreconditions('GET', { 'if-unmodified-since': SAME }, V), 'proceed');
  t.equal(evaluatePreconditions('GET', { 'if-unmodified-since': 'garbage' }, V), 'proceed');
  t.equal(evaluatePreconditions('GET', { 'if-match': '"abc-1"', 'if-unmodified-since': BEFORE }, V), 'proceed', 'If-Match wins');
  t.equal(evaluatePreconditions('GET', { 'if-match': '"nope"', 'if-none-match': '"abc-1"' }, V), 'failed', '412 before 304');
});

t.test('If-Range: strong tag match or exact date, else the whole file', async (t) => {
  t.equal(ifRangeAllows(undefined, V), true);
  t.equal(ifRangeAllows('"abc-1"', V), true);
  t.equal(ifRangeAllows('"other"', V), false);
  t.equal(ifRangeAllows('W/"abc-1"', V), false);
  t.equal(ifRangeAllows(SAME, V), true);
  t.equal(ifRangeAllows(AFTER, V), false, 'a date must match exactly');
  t.equal(ifRangeAllows('junk', V), false);
});
