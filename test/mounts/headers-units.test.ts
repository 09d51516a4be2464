/**
 * Cache-Control from lws mount settings, Content-Type from mime-types, multipart framing, as pure units.
 */
import t from 'tap';
import { cacheControlFor } from '../../mounts/cache-control.js';
import { contentTypeFor, normaliseExtraTypes } from '../../mounts/content-type.js';
import { planMultipart } from '../../mounts/multipart.js';

t.test('cacheControlFor', async (t) => {
  t.equal(cacheControlFor({}), 'no-cache');
  t.equal(cacheControlFor({ 'cache-no': true, 'cache-max-age': 60 }), 'no-store');
  t.equal(cacheControlFor({ 'cache-reuse': false, 'cache-max-age': 60 }), 'no-store');
  t.equal(cacheControlFor({ 'cache-max-age': 60 }), 'private, max-age=60');
  t.equal(cacheControlFor({ 'cache-max-age': 60, 'cache-intermediaries': true }), 'public, max-age=60');
  t.equal(cacheControlFor({ 'cache-max-age': 60, 'cache-revalidate': true, 'cache-reuse': true }), 'private, max-age=60, must-revalidate');
  t.equal(cacheControlFor({ 'cache-max-age': 600, 'cache-intermediaries': true, 'cache-immutable': true }), 'public, max-age=600, immutable');
  t.equal(cacheControlFor({ 'cache-immutable': true }), 'private, max-age=31536000, immutable');
  t.equal(cacheControlFor({ 'cache-intermediaries': true }), 'public, no-cache');
});

t.test('contentTypeFor', async (t) => {
  t.equal(contentTypeFor('/x/index.html'), 'text/html; charset=utf-8');
  t.equal(contentTypeFor('app.js'), 'text/javascript; charset=utf-8');
  t.equal(contentTypeFor('data.json'), 'application/json; charset=utf-8');
  t.equal(contentTypeFor('logo.PNG'), 'image/png');
  t.equal(contentTypeFor('mod.wasm'), 'application/wasm');
  t.equal(contentTypeFor('README'), 'application/octet-stream');
  const extra = normaliseExtraTypes({ '.zip': 'application/x-custom-zip', md: 'text/x-markdown', '.bin': 'text/plain; charset=latin1' });
  t.equal(contentTypeFor('a.ZIP', extra), 'application/x-custom-zip', 'extra beats the database');
  t.equal(contentTypeFor('a.md', extra), 'text/x-markdown; charset=utf-8', 'extra text types get utf-8 too');
  t.equal(contentTypeFor('a.bin', extra), 'text/plain; charset=latin1', 'an explicit charset is kept');
});

t.test('planMultipart: exact length, delimiters, part headers', async (t) => {
  const ranges = [
    { start: 0, end: 1 },
    { start: 5, end: 9 },
  ];
  const plan = planMultipart(ranges, 10, 'text/plain', 'BOUND');
  t.equal(plan.contentType, 'multipart/byteranges; boundary=BOUND');
  const data = Buffer.from('0123456789');
  const body = Buffer.concat([plan.heads[0]!, data.subarray(0, 2), plan.heads[1]!, data.subarray(5, 10), plan.tail]).toString();
  t.equal(
    body,
    '--BOUND\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\n01' +
      '\r\n--BOUND\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-9/10\r\n\r\n56789' +
      '\r\n--BOUND--\r\n',
  );
  t.equal(plan.length, Buffer.byteLength(body));
});
